"""A service's ValidationError shown on a form (workbench/forms.py)."""

import re

import pytest
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


@pytest.mark.parametrize(
    "field, value",
    [
        (forms.ChoiceField(choices=[("", "Any"), ("a", "A & B"), ("b", '"Quoted"')]), "a"),
        (forms.ChoiceField(choices=[("x", [("1", "One"), ("2", "<Two>")]), ("3", "Three")]), "2"),
        (forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two")]), ["1", "2"]),
        (forms.ChoiceField(choices=[(None, "None"), (3, "Three")], required=False), None),
    ],
)
def test_select_boxes_drawn_in_python_match_djangos_template(field, value):
    from django.forms.renderers import DjangoTemplates

    from workbench.forms import FormRenderer

    class Form(forms.Form):
        choice = field

    def draw(renderer=None) -> str:
        form = Form(initial={"choice": value}, renderer=renderer)
        form.fields["choice"].widget.attrs["aria-describedby"] = "help"
        return form["choice"].as_widget()

    assert isinstance(Form().renderer, FormRenderer)
    fast = draw()
    # The same markup; only the whitespace between tags, which HTML ignores there, differs.
    assert str(fast) == re.sub(r">\s+<", "><", str(draw(DjangoTemplates())))
