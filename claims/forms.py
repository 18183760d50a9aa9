"""Forms of the claim pages: they validate and normalise; the views call the services."""

from django import forms

from claims.models import Citation, Stance, Verdict
from claims.selectors import parse_cursor
from claims.services import AssessmentInput
from sources.models import Document
from workbench.validators import HttpUrlField

#: Row ids are 64-bit in the database: a larger number cannot name a row.
MAX_ID = 2**63 - 1
#: Every reason a user types is kept in the audit trail; this long and no longer.
REASON_MAX = 2000
#: A rationale or a quoted passage: long enough for a paragraph of argument or of a source,
#: short enough that a pasted megabyte cannot make every later page of the claim heavy.
RATIONALE_MAX = 10_000
QUOTE_MAX = 5_000

#: The verdicts a reviewer chooses between (keys c, d, r).
DECISION_CHOICES = [
    (Verdict.CORROBORATED, Verdict.CORROBORATED.label),
    (Verdict.DISPUTED, Verdict.DISPUTED.label),
    (Verdict.REFUTED, Verdict.REFUTED.label),
]
STANCE_CHOICES = [("", "Not assessed"), *Stance.choices]


class ReviewForm(forms.Form):
    """A decision on one claim, with an assessment of each of its cited sources."""

    verdict = forms.ChoiceField(choices=DECISION_CHOICES, widget=forms.RadioSelect)
    rationale = forms.CharField(
        required=False,
        max_length=RATIONALE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required for disputed or refuted, to change a verdict, or to overrule the "
        "suggestion.",
    )
    evidence_url = HttpUrlField(label="Evidence URL", required=False)
    evidence_quote = forms.CharField(
        label="Evidence quote",
        required=False,
        max_length=QUOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
    document = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, citations: list[Citation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.citations = citations
        for citation in citations:
            current = citation.assessment
            self.fields[f"stance_{citation.pk}"] = forms.ChoiceField(
                label=f"What does source [{citation.source.label}] say?",
                choices=STANCE_CHOICES,
                required=False,
                widget=forms.RadioSelect,
                initial=current.stance if current else "",
            )
            self.fields[f"quote_{citation.pk}"] = forms.CharField(
                max_length=QUOTE_MAX,
                label=f"Quote from [{citation.source.label}]",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=current.quote if current else "",
            )
            self.fields[f"page_{citation.pk}"] = forms.CharField(
                label="Page", required=False, max_length=50, initial=current.page if current else ""
            )

    def citation_fields(self) -> list[tuple[Citation, forms.BoundField, ...]]:
        """Return (citation, stance, quote, page) for the template, in citation order."""
        return [
            (c, self[f"stance_{c.pk}"], self[f"quote_{c.pk}"], self[f"page_{c.pk}"])
            for c in self.citations
        ]

    def clean_next(self) -> str:
        # Only the queue is a valid "next": never redirect to an address from the form.
        return "queue" if self.cleaned_data.get("next") == "queue" else ""

    def clean(self) -> dict:
        cleaned = super().clean()
        for citation in self.citations:
            stance = cleaned.get(f"stance_{citation.pk}")
            quote = (cleaned.get(f"quote_{citation.pk}") or "").strip()
            if quote and not stance and not citation.assessment:
                self.add_error(
                    f"stance_{citation.pk}", "Say what the source says before quoting it."
                )
        return cleaned

    def assessments(self) -> dict[int, AssessmentInput]:
        """Return the assessments that differ from each citation's latest one."""
        changes = {}
        for citation in self.citations:
            stance = self.cleaned_data.get(f"stance_{citation.pk}") or ""
            if not stance:
                continue  # an assessment cannot be taken back, only replaced
            item = AssessmentInput(
                stance=stance,
                quote=(self.cleaned_data.get(f"quote_{citation.pk}") or "").strip(),
                page=(self.cleaned_data.get(f"page_{citation.pk}") or "").strip(),
            )
            current = citation.assessment
            if current and (current.stance, current.quote, current.page) == (
                item.stance,
                item.quote,
                item.page,
            ):
                continue
            changes[citation.pk] = item
        return changes


def row_id_field(**kwargs) -> forms.IntegerField:
    """Return a field for a row id in a query string: ASCII digits, 1 to 2^63 - 1."""
    return forms.IntegerField(min_value=1, max_value=MAX_ID, required=False, **kwargs)


class AttributionForm(forms.Form):
    """Confirm, move or detach a footnote: the claim version seen, and an optional reason."""

    reason = forms.CharField(required=False, max_length=REASON_MAX)
    version = forms.IntegerField(min_value=1, max_value=MAX_ID)
    next = forms.CharField(required=False)
    document = forms.CharField(required=False, max_length=255)

    def clean_next(self) -> str:
        return "queue" if self.cleaned_data.get("next") == "queue" else ""


class LockForm(forms.Form):
    """Lock or reopen a claim: the reason is required and kept in the audit trail."""

    reason = forms.CharField(
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the audit trail.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)


class QueueForm(forms.Form):
    """The review queue's query string: which document, and where in the queue."""

    document = forms.ModelChoiceField(
        queryset=Document.objects.all(),
        to_field_name="name",
        required=False,
        error_messages={"invalid_choice": "There is no document of that name."},
    )
    after = row_id_field()
    before = row_id_field()


class ListForm(forms.Form):
    """The claim list's paging and sorting (its filters are the FilterSet's)."""

    sort = forms.ChoiceField(
        choices=[("line", "document and line"), ("decided", "last decision")], required=False
    )
    after = forms.CharField(required=False, max_length=100)

    def clean_sort(self) -> str:
        return self.cleaned_data.get("sort") or "line"

    def clean(self) -> dict:
        cleaned = super().clean()
        after = cleaned.get("after")
        if after and "sort" in cleaned:
            try:
                parse_cursor(cleaned["sort"], after)
            except ValueError as exc:
                self.add_error("after", f"Not a page of this list: {exc}.")
        return cleaned


class ExportForm(forms.Form):
    """The export's own options (its filters are the FilterSet's)."""

    all = forms.BooleanField(required=False)
    bom = forms.BooleanField(required=False)
    raw = forms.BooleanField(required=False)  # no formula prefix: for analysts, not spreadsheets


def form_errors(form: forms.Form) -> list[str]:
    """Return every error of a bound form as "field: message" lines."""
    return [
        f"{name}: {message}" if name != "__all__" else message
        for name, messages in form.errors.items()
        for message in messages
    ]
