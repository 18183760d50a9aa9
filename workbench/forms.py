"""What every form of the workbench shares: a service's refusal shown on the form, and the
renderer that draws select boxes."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


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


def _attrs(attrs: dict) -> SafeString:
    """Attributes as django/forms/widgets/attrs.html writes them, in their order."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


def select_html(widget: dict) -> SafeString:
    """Draw a <select> from its widget context, as django/forms/widgets/select.html does."""
    parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
    for group, options, _ in widget["optgroups"]:
        if group:
            parts.append(format_html('<optgroup label="{}">', group))
        parts.append(
            format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((str(o["value"]), _attrs(o["attrs"]), o["label"]) for o in options),
            )
        )
        if group:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(parts))  # noqa: S308 (format_html escaped every value)


class FormRenderer(DjangoTemplates):
    """Django's form renderer, but select boxes are drawn in Python (settings.FORM_RENDERER).

    A select box renders two templates per option: the claim list's filters (every document,
    every reviewer) spent more time there than in the rest of the page. The markup is the
    same (tests/test_forms.py compares them).
    """

    SELECTS = ("django/forms/widgets/select.html",)

    def render(self, template_name, context, request=None):
        if template_name in self.SELECTS:
            return select_html(context["widget"])
        return super().render(template_name, context, request)
