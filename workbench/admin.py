"""The admin site's name, what every large changelist shares, and the audit trail's admin.

The admin is not a back door: every editorial change it makes goes through a service (which
writes the AuditEvent), history tables are view-only for everyone, and changelists of large
tables never count a million rows to draw a page.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from workbench.actions import AuditAction
from workbench.models import AuditEvent
from workbench.pagination import EstimatedCountPaginator

admin.site.site_header = "The workbench: administration"
admin.site.site_title = "Workbench admin"
admin.site.index_title = "Run the workbench"
# The "View site" link: the reviewer UI.
admin.site.site_url = "/"


# --- Large tables ----------------------------------------------------------------------------


class LargeTableAdmin(admin.ModelAdmin):
    """What every changelist of a table that grows with the corpus shares."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Facet counts would run a COUNT per filter choice over the whole table.
    show_facets = admin.ShowFacets.NEVER
    # Drawing a row costs the admin about 2-5 ms of Python: 50 rows keep a page well under 0.5 s.
    list_per_page = 50


class ViewOnlyMixin:
    """Viewable, never added to, changed or deleted from the admin (a ModelAdmin or an inline).

    The answers do not depend on the user: superusers are refused too. Changes that are allowed
    are admin actions calling a service (see service_action), never a form save.
    """

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyAdmin(ViewOnlyMixin, LargeTableAdmin):
    """An append-only table (the database triggers would refuse the write anyway)."""


class ReadOnlyInline(ViewOnlyMixin, admin.TabularInline):
    """Related rows shown on a change page, never edited there."""

    extra = 0
    can_delete = False


# --- Actions that need a reason -----------------------------------------------------------


class ReasonForm(forms.Form):
    """The reason every audited admin action asks for."""

    reason = forms.CharField(
        label="Reason for change",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Kept in the audit trail with each change.",
        required=True,
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Give a reason: it is kept in the audit trail.")
        return reason


def error_text(exc: ValidationError | PermissionDenied) -> str:
    """Return the messages of a service's exception as one line."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "Permission denied."


#: Objects listed by name on a confirmation page; beyond this only the number is shown.
PREVIEW = 20


def reason_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    title: str,
    apply: Callable[[Any, dict[str, Any]], Any],
    form_class: type[forms.Form] = ReasonForm,
    done: str = "{n} changed.",
) -> TemplateResponse | None:
    """Ask for a reason (and what `form_class` adds) on a confirmation page, then apply it.

    `apply(obj, cleaned_data)` calls the service for one object. Each object is its own
    transaction: the ones a service refuses (already locked, no permission…) are listed in a
    warning and left as they were. A missing reason re-shows the page and changes nothing.
    """
    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            changed, refused = 0, []
            for obj in queryset:
                try:
                    apply(obj, form.cleaned_data)
                except (ValidationError, PermissionDenied) as exc:
                    refused.append(f"{obj}: {error_text(exc)}")
                else:
                    changed += 1
            if changed:
                plural = "" if changed == 1 else "s"  # "1 claim withdrawn", "2 claims …"
                modeladmin.message_user(request, done.format(n=changed, s=plural), messages.SUCCESS)
            if refused:
                modeladmin.message_user(
                    request,
                    f"{len(refused)} left unchanged. " + " ".join(refused[:PREVIEW]),
                    messages.WARNING,
                )
            return None
    else:
        form = form_class()
    opts = modeladmin.model._meta
    ctx = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": opts,
        "form": form,
        "preview": queryset[:PREVIEW],
        "total": queryset.count(),
        "preview_size": PREVIEW,
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media,
    }
    return TemplateResponse(request, "admin/workbench/reason_action.html", ctx)


def service_action(
    service: Callable[..., Any],
    *,
    name: str,
    target: str,
    description: str,
    title: str,
    done: str,
    permissions: list[str],
    form_class: type[forms.Form] = ReasonForm,
) -> Callable[[admin.ModelAdmin, HttpRequest, QuerySet], TemplateResponse | None]:
    """Return an admin action calling `service` on each selected object, after asking a reason.

    Each object is passed as the keyword `target` (`claim=`, `citation=`…), the user as
    `actor=`, and the confirmation form's cleaned data (`reason=`, and what `form_class` adds)
    as the other keywords: see reason_action for what happens to refusals.
    """

    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
    ) -> TemplateResponse | None:
        return reason_action(
            modeladmin,
            request,
            queryset,
            title=title,
            form_class=form_class,
            apply=lambda obj, data: service(**{target: obj}, actor=request.user, **data),
            done=done,
        )

    action.__name__ = name
    return admin.action(description=description, permissions=permissions)(action)


def reason_field(changed: Iterable[str], reason: str) -> str | None:
    """Return the error for a change form whose editorial fields `changed` without a reason."""
    if list(changed) and not reason.strip():
        return "Give a reason for this change: it is kept in the audit trail."
    return None


def admin_link(obj: Model | None, text: str | None = None) -> str:
    """Return a link to `obj`'s admin change page (escaped), or "-"."""
    if obj is None:
        return "-"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else str(obj))


def audit_link(obj: Model) -> str:
    """Return a link to the audit events about `obj` (the audit changelist, filtered)."""
    url = reverse("admin:workbench_auditevent_changelist")
    return format_html(
        '<a href="{}?object_type={}&amp;object_id={}">Audit events of this {}</a>',
        url,
        obj._meta.label_lower,
        obj.pk,
        obj._meta.verbose_name,
    )


# --- The audit trail ------------------------------------------------------------------------

AUDIT_OBJECT_TYPES = [
    "claims.claim",
    "claims.citation",
    "sources.source",
    "sources.document",
    "auth.user",  # role grants and removals
]


class AuditActionFilter(admin.SimpleListFilter):
    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        # A fixed list: DISTINCT over the audit table would scan it on every page.
        return AuditAction.choices

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditObjectTypeFilter(admin.SimpleListFilter):
    title = "object type"
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        return [(label, label) for label in AUDIT_OBJECT_TYPES]

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "at", "actor", "action", "object_type", "object_id", "short_reason"]
    list_display_links = ["id", "at"]
    # A date filter, not date_hierarchy: drawing that ran SELECT DISTINCT date_trunc(…) over
    # the whole table (220 ms over 500k events).
    list_filter = [AuditActionFilter, AuditObjectTypeFilter, ("at", admin.DateFieldListFilter)]
    list_select_related = ["actor"]
    search_fields = ["=object_id", "=actor__username", "reason"]
    search_help_text = "An object id or a username (exact), or words of the reason."
    fields = [
        "id",
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "before",
        "after",
        "reason",
        "prev_hash",
        "hash",
    ]
    readonly_fields = fields

    @admin.display(description="reason")
    def short_reason(self, event: AuditEvent) -> str:
        return Truncator(event.reason).chars(80)
