"""The adjudication form: an editor's verdict between two disagreeing blind reviews.

It validates and normalises; the view passes what it cleaned to claim_adjudicate.
"""

from django import forms

from claims.forms import DECISION_CHOICES, MAX_ID, RATIONALE_MAX, STANCE_CHOICES
from claims.selectors import Adjudication
from claims.services import AssessmentInput


class AdjudicationForm(forms.Form):
    """The verdict, the rationale (always required) and a stance per footnote.

    Each footnote's stance starts as the one both reviews gave, blank where they differ; the
    quote and page recorded with a stance are those of a review that gave it.
    """

    verdict = forms.ChoiceField(choices=DECISION_CHOICES, widget=forms.RadioSelect)
    rationale = forms.CharField(
        max_length=RATIONALE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why this verdict, between the two reviews: kept with the decision.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)

    def __init__(self, *args, adjudication: Adjudication, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.adjudication = adjudication
        for row in adjudication.footnotes:
            agreed = row.first.stance if row.agree else ""
            self.fields[f"stance_{row.citation.pk}"] = forms.ChoiceField(
                label=f"What does source [{row.citation.source.label}] say?",
                choices=STANCE_CHOICES,
                required=False,
                widget=forms.RadioSelect,
                initial=agreed,
            )

    def footnote_fields(self) -> list[tuple]:
        """Return (footnote reviews, stance field) for the template, in citation order."""
        return [(row, self[f"stance_{row.citation.pk}"]) for row in self.adjudication.footnotes]

    def assessments(self) -> dict[int, AssessmentInput]:
        """Return the stances chosen, each with the quote of a review that gave it."""
        chosen = {}
        for row in self.adjudication.footnotes:
            stance = self.cleaned_data.get(f"stance_{row.citation.pk}") or ""
            if not stance:
                continue
            given = [r for r in (row.first, row.second) if r is not None and r.stance == stance]
            quoted = next((r for r in given if r.quote), None)
            chosen[row.citation.pk] = AssessmentInput(
                stance=stance,
                quote=quoted.quote if quoted else "",
                page=quoted.page if quoted else "",
            )
        return chosen
