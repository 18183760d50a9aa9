"""What every form of the workbench shares: a service's refusal shown on the form."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on `form`: beside the fields it names, else on top.

    Services raise `ValidationError({"rationale": …})` for the field a user can fix; keys the
    form has no field for (and errors without keys) become the form's non-field errors.
    """
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)
