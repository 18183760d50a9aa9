"""A service's ValidationError shown on a form (workbench/forms.py)."""

from django import forms
from django.core.exceptions import ValidationError

from workbench.forms import add_service_errors


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False)


def bound() -> ReasonForm:
    form = ReasonForm({"reason": ""})
    assert form.is_valid()
    return form


def test_errors_naming_a_field_of_the_form_go_beside_it():
    form = bound()

    add_service_errors(form, ValidationError({"reason": "Give a reason."}))

    assert form.errors == {"reason": ["Give a reason."]}


def test_errors_naming_no_field_of_the_form_go_on_top():
    form = bound()

    add_service_errors(form, ValidationError({"rationale": "A rationale is required."}))

    assert form.non_field_errors() == ["A rationale is required."]
    assert "reason" not in form.errors


def test_errors_without_names_go_on_top():
    form = bound()

    add_service_errors(form, ValidationError(["This claim is locked.", "Reopen it first."]))

    assert form.non_field_errors() == ["This claim is locked.", "Reopen it first."]
