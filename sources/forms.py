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


#: The formats an editor chooses between on the import page ("" lets the file's extension say).
FORMAT_CHOICES = [
    ("", "From the file name (.txt, .wiki, .html)"),
    ("seed", "Plain text: one sentence per line, footnotes as [12]"),
    ("wikitext", "Wikitext (the article's source, with <ref> and {{cite}})"),
    ("html", "Wikipedia HTML (the article page saved from a browser, or Parsoid HTML)"),
]
#: Largest file (or pasted text) the web import takes; larger ones go through import_seeds.
IMPORT_MAX_BYTES = 10 * 1024 * 1024
PASTE_MAX_CHARS = 2_000_000


class DocumentImportForm(forms.Form):
    """An article to import: a file or pasted text, its name and format."""

    file = forms.FileField(required=False, help_text="Up to 10 MB.")
    text = forms.CharField(
        label="Or paste the text",
        required=False,
        max_length=PASTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    name = forms.CharField(
        label="Document name",
        required=False,
        max_length=255,
        help_text="Defaults to the file's name. The same name again is a new revision: "
        "unchanged sentences keep their claims, new ones are added, vanished ones withdrawn.",
    )
    format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if "/" in name or "\\" in name or name.startswith("."):
            raise forms.ValidationError("A document name is a file name, without folders.")
        return name

    def clean(self) -> dict:
        cleaned = super().clean()
        upload, text = cleaned.get("file"), (cleaned.get("text") or "")
        if upload and text.strip():
            raise forms.ValidationError("Give a file or paste text, not both.")
        if not upload and not text.strip():
            if not self.errors:
                raise forms.ValidationError("Choose a file or paste the text to import.")
            return cleaned
        if upload and upload.size > IMPORT_MAX_BYTES:
            self.add_error(
                "file",
                f"The file is {upload.size / 1e6:.1f} MB; the web import takes up to "
                f"{IMPORT_MAX_BYTES // (1024 * 1024)} MB (manage.py import_seeds takes more).",
            )
        if not upload and not cleaned.get("name"):
            self.add_error("name", "Name the pasted document (e.g. Article_title.wiki).")
        return cleaned

    def content(self) -> tuple[str, bytes]:
        """Return (document name, bytes) of a valid form."""
        upload = self.cleaned_data.get("file")
        if upload:
            return self.cleaned_data.get("name") or upload.name, upload.read()
        return self.cleaned_data["name"], self.cleaned_data["text"].encode("utf-8")


class ImportConfirmForm(forms.Form):
    """The second step: import what the dry run showed (held on the server by its digest)."""

    token = forms.RegexField(regex=r"^[0-9a-f]{64}$")
    name = forms.CharField(max_length=255)
    format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False)
