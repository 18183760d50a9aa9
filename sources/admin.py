"""Admin for documents and sources: every change to a source goes through `source_update`.

Documents come from `import_seeds`; the only change the admin makes to one is deleting it,
through the audited `document_delete`, which refuses documents whose claims have decisions.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from claims.models import Citation
from claims.services import document_delete
from sources.models import Document, Reliability, Source
from sources.services import StaleSource, source_update
from workbench.admin import (
    LargeTableAdmin,
    ReadOnlyInline,
    ReasonForm,
    ViewOnlyMixin,
    admin_link,
    audit_link,
    reason_field,
    service_action,
)
from workbench.permissions import has_perm
from workbench.validators import HttpUrlField


@admin.register(Document)
class DocumentAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Imported seed files: view-only, but for the audited delete action.

    Importing is `manage.py import_seeds`; a re-import withdraws vanished claims instead of
    deleting them. Django's own delete is off (it would skip the audit trail); the action
    "Delete selected documents" asks for a reason and calls `document_delete`.
    """

    list_display = ["name", "title", "line_count", "imported_at", "claims_link"]
    search_fields = ["name", "title"]
    date_hierarchy = "imported_at"
    fields = [
        "name",
        "title",
        "origin_url",
        "sha256",
        "line_count",
        "imported_at",
        "created_at",
        "claims_link",
        "history",
    ]
    readonly_fields = fields

    actions = ["delete_documents"]

    def has_remove_permission(self, request: HttpRequest) -> bool:
        return has_perm(request.user, "sources.delete_document")

    delete_documents = service_action(
        document_delete,
        name="delete_documents",
        target="document",
        description="Delete the selected documents (unreviewed only, with a reason)",
        title="Delete the selected documents with their claims and sources",
        done="{n} document{s} deleted.",
        permissions=["remove"],
    )

    @admin.display(description="claims")
    def claims_link(self, document: Document) -> str:
        url = reverse("admin:claims_claim_changelist") + f"?document__id__exact={document.pk}"
        return format_html('<a href="{}">Claims of {}</a>', url, document.name)

    @admin.display(description="history")
    def history(self, document: Document) -> str:
        return audit_link(document)


class SourceAdminForm(forms.ModelForm):
    """A source's details and rating, and the reason the audit trail keeps for a change.

    No Meta: the admin builds the form for Source with the fields of its fieldsets.
    """

    reason = forms.CharField(
        label="Reason for change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Required when anything changes: kept in the audit trail.",
    )
    # The version the page showed: a form saved over someone else's newer change is refused
    # (its unchanged fields would otherwise put the old values back).
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def editorial_changes(self) -> list[str]:
        return [name for name in self.changed_data if name in Source.EDITABLE_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        seen = cleaned.get("seen_version")
        if self.instance.pk and seen is not None and seen != self.instance.version:
            raise forms.ValidationError(
                str(StaleSource(self.instance, seen)).replace("your values are kept below; ", "")
            )
        error = reason_field(self.editorial_changes(), cleaned.get("reason", ""))
        if error:
            self.add_error("reason", error)
        return cleaned


class CitingClaimInline(ReadOnlyInline):
    """The claims that cite the source (read-only: footnotes move through the services)."""

    model = Citation
    fk_name = "source"
    verbose_name = "citing claim"
    verbose_name_plural = "claims citing this source"
    fields = ["claim_link", "position", "order", "attribution"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("claim__document", "source")
            .order_by("claim")
        )

    @admin.display(description="claim")
    def claim_link(self, citation: Citation) -> str:
        return admin_link(citation.claim)


class ReliabilityForm(ReasonForm):
    reliability = forms.ChoiceField(choices=Reliability.choices)
    field_order = ["reliability", "reason"]


@admin.register(Source)
class SourceAdmin(LargeTableAdmin):
    form = SourceAdminForm
    formfield_overrides = {models.URLField: {"form_class": HttpUrlField}}
    list_display = ["label", "title", "document", "publisher", "published_on", "reliability"]
    list_display_links = ["label", "title"]
    list_filter = ["reliability", "document", ("published_on", admin.DateFieldListFilter)]
    list_select_related = ["document"]
    search_fields = ["=label", "title", "publisher", "url"]
    search_help_text = "A footnote label (exact), or words of the title, publisher or URL."
    readonly_fields = ["document", "label", "reference", "updated_at", "history"]
    fieldsets = [
        (None, {"fields": ["document", "label"]}),
        ("The work", {"fields": ["title", "url", "publisher", "author", "archive_url"]}),
        ("Dates", {"fields": ["published_on", "accessed_on", "archive_date"]}),
        ("Identifiers", {"fields": ["doi", "isbn", "pages", "reference"]}),
        (None, {"fields": ["reliability"]}),
        ("Audit", {"fields": ["reason", "seen_version", "updated_at", "history"]}),
    ]
    inlines = [CitingClaimInline]
    actions = ["set_reliability"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Sources come from the footnotes of an import; there is no audited way to add one.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Source | None = None) -> bool:
        return False

    def get_fieldsets(self, request: HttpRequest, obj: Source | None = None):
        if obj is not None and not self.has_change_permission(request, obj):
            # A read-only view has no reason to give.
            return [
                (
                    name,
                    {"fields": [f for f in opts["fields"] if f not in ("reason", "seen_version")]},
                )
                for name, opts in self.fieldsets
            ]
        return self.fieldsets

    def save_model(
        self, request: HttpRequest, obj: Source, form: SourceAdminForm, change: bool
    ) -> None:
        # The form only validated: the service writes the change and its audit event.
        changes = {name: form.cleaned_data[name] for name in form.editorial_changes()}
        if changes:
            source_update(
                source=obj,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data.get("seen_version"),
                **changes,
            )

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # The citing-claims inline is read-only: nothing to save.
        for formset in formsets:
            # Read-only inlines: commit=False writes nothing, it records that nothing changed
            # (the admin's change message reads that).
            formset.save(commit=False)

    @admin.display(description="history")
    def history(self, source: Source) -> str:
        return audit_link(source)

    set_reliability = service_action(
        source_update,
        name="set_reliability",
        target="source",
        description="Set the reliability of the selected sources",
        title="Set the reliability of the selected sources",
        form_class=ReliabilityForm,
        done="{n} sources rated.",
        permissions=["change"],
    )
