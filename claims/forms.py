"""Forms of the claim pages: they validate and normalise; the views call the services."""

from django import forms

from claims.models import Citation, SkipReason, Stance, Verdict
from claims.selectors import ATTRIBUTION_WORK, REVIEW_WORK, QueueScope, parse_cursor
from claims.services import AssessmentInput
from claims.services.assignment import assignable_users
from claims.services.notes import NOTE_MAX
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
#: The keys that choose each stance on the review page (1-5), by stance.
STANCE_KEYS = {stance: str(n) for n, stance in enumerate(Stance.values, 1)}
QUEUE_WORK_CHOICES = [(REVIEW_WORK, "claims to decide"), (ATTRIBUTION_WORK, "attribution checks")]


class QueueFields(forms.Form):
    """Where a form was posted from: the queue (which one) or the claim page."""

    next = forms.CharField(required=False, widget=forms.HiddenInput)
    document = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)
    work = forms.CharField(required=False, widget=forms.HiddenInput)
    assigned = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_next(self) -> str:
        # Only the queue is a valid "next": never redirect to an address from the form.
        return "queue" if self.cleaned_data.get("next") == "queue" else ""

    def clean_work(self) -> str:
        return ATTRIBUTION_WORK if self.cleaned_data.get("work") == ATTRIBUTION_WORK else ""

    def clean_assigned(self) -> str:
        return "me" if self.cleaned_data.get("assigned") == "me" else ""

    def scope(self) -> QueueScope | None:
        """Return the queue the form was posted from, or None for the claim page."""
        data = getattr(self, "cleaned_data", {})
        if data.get("next") != "queue":
            return None
        return QueueScope(
            document=data.get("document", ""),
            work=data.get("work") or REVIEW_WORK,
            mine=data.get("assigned") == "me",
        )


class ReviewForm(QueueFields):
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

    def __init__(self, *args, citations: list[Citation], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.citations = citations
        for citation in citations:
            current = citation.assessment
            self.fields[f"stance_{citation.pk}"] = forms.ChoiceField(
                label=f"What does source [{citation.source.label}] say?",
                # An assessment is replaced, never taken back: no "Not assessed" once assessed.
                choices=Stance.choices if current else STANCE_CHOICES,
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

    def clean(self) -> dict:
        cleaned = super().clean()
        for citation in self.citations:
            name = f"stance_{citation.pk}"
            stance = cleaned.get(name)
            quote = (cleaned.get(f"quote_{citation.pk}") or "").strip()
            if quote and not stance and not citation.assessment:
                self.add_error(name, "Say what the source says before quoting it.")
            elif name in self.data and stance == "" and citation.assessment:
                # Silently keeping the old stance would show success and record nothing.
                self.add_error(
                    name,
                    f"Source [{citation.source.label}] was assessed "
                    f"{citation.assessment.get_stance_display().lower()}: an assessment can be "
                    "replaced, not taken back. Choose what the source says (Not in source if "
                    "it does not say it).",
                )
        return cleaned

    def posted_stances(self) -> dict[int, str]:
        """Return the stances chosen on a bound form, valid ones only, even if the form is not
        valid as a whole: the suggestion the page shows follows them."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {c.pk: data[f"stance_{c.pk}"] for c in self.citations if data.get(f"stance_{c.pk}")}

    def draft(self) -> dict[str, str]:
        """Return what the reviewer typed or chose on a bound form (its visible fields): kept
        across an attribution action, restored as the form's initial values."""
        keep = [name for name in self.fields if name not in ("version", *QueueFields.base_fields)]
        return {name: self.data[name] for name in keep if self.data.get(name, "") != ""}

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


class AttributionForm(QueueFields):
    """Confirm, move or detach a footnote: the claim version seen, and an optional reason.

    Move and detach ask first: without `confirmed` the view shows what would happen.
    """

    reason = forms.CharField(required=False, max_length=REASON_MAX)
    version = forms.IntegerField(min_value=1, max_value=MAX_ID)
    confirmed = forms.BooleanField(required=False)
    cancel = forms.BooleanField(required=False)


class UndoForm(QueueFields):
    """Undo a footnote action: the audit event that recorded it."""

    event = forms.IntegerField(min_value=1, max_value=MAX_ID)


class SkipForm(QueueFields):
    """Pass on a claim in the queue, saying why (others see it)."""

    # Not "reason": it is posted with the review form, beside the attribution reason.
    skip_reason = forms.ChoiceField(
        label="Why skip it?", choices=[("", "Choose a reason"), *SkipReason.choices]
    )


class NoteForm(forms.Form):
    """A note in a claim's discussion; @username names a reviewer."""

    text = forms.CharField(
        label="Add a note",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Visible to everyone who can read this claim, kept in its history and not "
        "editable once posted. Write @username to bring it to a reviewer's dashboard.",
    )


class AssignForm(forms.Form):
    """Give a claim (or a whole document) to a reviewer, or to nobody."""

    assignee = forms.ModelChoiceField(
        label="Assign to",
        queryset=None,
        required=False,
        empty_label="Nobody",
        to_field_name="username",
    )
    seen = forms.CharField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=REASON_MAX)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users()


class DocumentAssignForm(AssignForm):
    """Give every live claim of a document to a reviewer."""

    document = forms.ModelChoiceField(
        queryset=Document.objects.all(),
        to_field_name="name",
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "There is no document of that name."},
    )


class LockForm(forms.Form):
    """Lock or reopen a claim: the reason is required and kept in the audit trail."""

    reason = forms.CharField(
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the audit trail.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)


class QueueForm(forms.Form):
    """The review queue's query string: which queue, and where in it."""

    document = forms.ModelChoiceField(
        queryset=Document.objects.all(),
        to_field_name="name",
        required=False,
        error_messages={"invalid_choice": "There is no document of that name."},
    )
    work = forms.ChoiceField(choices=QUEUE_WORK_CHOICES, required=False)
    assigned = forms.ChoiceField(choices=[("me", "assigned to me")], required=False)
    at = row_id_field()
    after = row_id_field()
    before = row_id_field()

    def scope(self) -> QueueScope:
        data = self.cleaned_data
        return QueueScope(
            document=data["document"].name if data.get("document") else "",
            work=data.get("work") or REVIEW_WORK,
            mine=data.get("assigned") == "me",
        )


class ListForm(forms.Form):
    """The claim list's paging and sorting (its filters are the FilterSet's)."""

    sort = forms.ChoiceField(
        choices=[("line", "document and line"), ("decided", "last decision")], required=False
    )
    after = forms.CharField(required=False, max_length=100)
    before = forms.CharField(required=False, max_length=100)

    def clean_sort(self) -> str:
        return self.cleaned_data.get("sort") or "line"

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in ("after", "before"):
            cursor = cleaned.get(name)
            if cursor and "sort" in cleaned:
                try:
                    parse_cursor(cleaned["sort"], cursor)
                except ValueError as exc:
                    self.add_error(name, f"Not a page of this list: {exc}.")
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
