"""The source edit form: it validates; sources.services.source_update writes."""

from django import forms

from sources.models import Reliability
from workbench.validators import HttpUrlField


class SnapshotUploadForm(forms.Form):
    """A copy of the source an editor has: HTML, PDF or plain text."""

    file = forms.FileField(
        help_text="HTML, PDF or plain text, up to 20 MB. Its text is kept as the source's "
        "snapshot, and its passages are ranked against every claim citing it."
    )


class FillForm(forms.Form):
    """Fill empty source fields from the snapshot: the version the editor saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SourceForm(forms.Form):
    """An editor's changes to a source's details and reliability, with the reason."""

    title = forms.CharField(required=False, max_length=500)
    url = HttpUrlField(label="URL", required=False)
    publisher = forms.CharField(required=False, max_length=300)
    author = forms.CharField(required=False, max_length=300)
    published_on = forms.DateField(
        label="Published on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    accessed_on = forms.DateField(
        label="Accessed on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    archive_url = HttpUrlField(label="Archive URL", required=False)
    archive_date = forms.DateField(
        label="Archived on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    doi = forms.CharField(label="DOI", required=False, max_length=200)
    isbn = forms.CharField(label="ISBN", required=False, max_length=20)
    pages = forms.CharField(required=False, max_length=100)
    reliability = forms.ChoiceField(choices=Reliability.choices)
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required: kept in the audit trail with the change.",
        error_messages={"required": "Give a reason: it is kept in the audit trail."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason: it is kept in the audit trail.")
        return reason

    def changes(self) -> dict:
        """Return the source fields as source_update takes them (without reason and version)."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("reason", "version")}
