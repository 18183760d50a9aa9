"""Admin for claims, citations and their history: every change goes through the services.

Claims are never deleted ("withdraw" replaces delete), their only editable part is the lock
(claim_lock / claim_reopen, with a reason), footnotes are settled by actions that call the
citation services, and decisions and assessments are view-only for everyone.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import Truncator

from claims.exports import claims_csv
from claims.models import Assessment, Assignment, Citation, Claim, ClaimNote, Decision, QueueSkip
from claims.selectors import attribution_check_counts, claims_pending_attribution
from claims.services import (
    citation_confirm,
    citation_detach,
    citation_move,
    claim_lock,
    claim_reopen,
    claim_withdraw,
    group_member_add,
    group_member_remove,
    user_role_grant,
    user_role_revoke,
)
from claims.services.roles import GRANT, ROLES
from workbench.admin import (
    LargeTableAdmin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ReasonForm,
    ViewOnlyMixin,
    admin_link,
    audit_link,
    reason_field,
    service_action,
)
from workbench.permissions import has_perm
from workbench.roles import ROLE_PERMISSIONS

# --- Claims ------------------------------------------------------------------------------


class AttributionPendingFilter(admin.SimpleListFilter):
    title = "attribution check"
    parameter_name = "attribution"

    def lookups(self, request, model_admin):
        return [("pending", "Awaiting a check"), ("settled", "No check pending")]

    def queryset(self, request, queryset):
        if self.value() in ("pending", "settled"):
            return queryset.attribution_pending(self.value() == "pending")
        return queryset


class WithdrawnFilter(admin.SimpleListFilter):
    title = "withdrawn"
    parameter_name = "withdrawn"

    def lookups(self, request, model_admin):
        return [("no", "Live claims"), ("yes", "Withdrawn claims")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.live()
        if self.value() == "yes":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset


class ClaimAdminForm(forms.ModelForm):
    """The lock, the one part of a claim the admin edits, and the reason for changing it.

    No Meta: the admin builds the form for Claim (`locked` is its only editable field).
    """

    reason = forms.CharField(
        label="Reason for change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Required to lock or reopen the claim: kept in the audit trail.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        changed = [name for name in self.changed_data if name != "reason"]
        error = reason_field(changed, cleaned.get("reason", ""))
        if error:
            self.add_error("reason", error)
        return cleaned


class CitationInline(ReadOnlyInline):
    """The claim's footnotes in printed order; settle them with the Citation actions."""

    model = Citation
    fk_name = "claim"
    fields = ["order", "source_link", "position", "attribution", "stance"]
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("source__document", "assessment")
            .order_by("order")
        )

    @admin.display(description="source")
    def source_link(self, citation: Citation) -> str:
        return admin_link(citation.source)

    @admin.display(description="latest assessment")
    def stance(self, citation: Citation) -> str:
        return citation.assessment.get_stance_display() if citation.assessment else "-"


class DecisionInline(ReadOnlyInline):
    """The claim's decisions, newest first (append-only)."""

    model = Decision
    fields = ["at", "actor", "verdict_from", "verdict_to", "suggested", "rationale"]
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("actor").order_by("-id")


class ClaimChangeList(ChangeList):
    """The claim changelist, which marks the claims of its page awaiting an attribution check."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        page = list(self.result_list)  # evaluated once; the template reuses this cache
        pending = claims_pending_attribution([claim.pk for claim in page])
        for claim in page:
            claim.attribution_pending = claim.pk in pending


@admin.register(Claim)
class ClaimAdmin(LargeTableAdmin):
    form = ClaimAdminForm
    list_display = [
        "id",
        "document",
        "line",
        "short_text",
        "verdict",
        "locked",
        "attribution_check",
        "last_decided_by",
        "withdrawn_at",
    ]
    list_display_links = ["id", "short_text"]
    list_filter = [
        "verdict",
        "locked",
        AttributionPendingFilter,
        WithdrawnFilter,
        "document",
    ]
    list_select_related = ["document", "last_decision__actor"]
    search_fields = ["=id", "text"]
    search_help_text = "A claim id (exact) or words of the sentence."
    # No date_hierarchy: drawing it runs SELECT DISTINCT date_trunc(…) over the whole table.
    readonly_fields = [
        "document",
        "line",
        "text",
        "raw",
        "tags",
        "notes",
        "verdict",
        "version",
        "last_decision",
        "withdrawn_at",
        "created_at",
        "updated_at",
        "history",
    ]
    fieldsets = [
        (None, {"fields": ["document", "line", "text", "raw", "tags", "notes"]}),
        ("Review", {"fields": ["verdict", "last_decision", "version", "withdrawn_at"]}),
        ("Lock", {"fields": ["locked", "reason"]}),
        ("History", {"fields": ["history", "created_at", "updated_at"]}),
    ]
    inlines = [CitationInline, DecisionInline]
    actions = [
        "lock_claims",
        "reopen_claims",
        "withdraw_claims",
        "export_csv",
        "check_attribution",
    ]

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return ClaimChangeList

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Claims come from imports (document_import).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        # Claims are never deleted: withdraw them.
        return False

    def has_lock_permission(self, request: HttpRequest) -> bool:
        return has_perm(request.user, "claims.lock_claim")

    def has_withdraw_permission(self, request: HttpRequest) -> bool:
        return has_perm(request.user, "claims.change_claim")

    def has_change_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        # Locking is the only change the form makes: an editor who may lock may use it.
        return super().has_change_permission(request, obj) or self.has_lock_permission(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Claim | None = None) -> list[str]:
        if self.has_lock_permission(request):
            return self.readonly_fields
        return [*self.readonly_fields, "locked"]

    def get_fieldsets(self, request: HttpRequest, obj: Claim | None = None):
        if self.has_lock_permission(request):
            return self.fieldsets
        return [
            (name, {"fields": [f for f in opts["fields"] if f != "reason"]})
            for name, opts in self.fieldsets
        ]

    def save_model(self, request: HttpRequest, obj: Claim, form: ClaimAdminForm, change: bool):
        # The form only validated; the service locks or reopens and writes the audit event.
        if "locked" in form.changed_data:
            service = claim_lock if form.cleaned_data["locked"] else claim_reopen
            service(claim=obj, actor=request.user, reason=form.cleaned_data["reason"])

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # Both inlines are read-only (footnotes move through the Citation actions):
        # commit=False writes nothing, it records that nothing changed for the change message.
        for formset in formsets:
            formset.save(commit=False)

    @admin.display(description="text")
    def short_text(self, claim: Claim) -> str:
        return Truncator(claim.text).chars(90)

    @admin.display(description="attribution check", boolean=True)
    def attribution_check(self, claim: Claim) -> bool:
        return claim.attribution_pending

    @admin.display(description="last decided by", ordering="last_decision__actor__username")
    def last_decided_by(self, claim: Claim) -> str:
        return claim.last_decision.actor.get_username() if claim.last_decision else "-"

    @admin.display(description="history")
    def history(self, claim: Claim) -> str:
        return audit_link(claim)

    lock_claims = service_action(
        claim_lock,
        name="lock_claims",
        target="claim",
        description="Lock the selected claims (with a reason)",
        title="Lock the selected claims",
        done="{n} claim{s} locked.",
        permissions=["lock"],
    )
    reopen_claims = service_action(
        claim_reopen,
        name="reopen_claims",
        target="claim",
        description="Reopen the selected claims (with a reason)",
        title="Reopen the selected claims",
        done="{n} claim{s} reopened.",
        permissions=["lock"],
    )
    withdraw_claims = service_action(
        claim_withdraw,
        name="withdraw_claims",
        target="claim",
        description="Withdraw the selected claims (with a reason)",
        title="Withdraw the selected claims",
        done="{n} claim{s} withdrawn.",
        permissions=["withdraw"],
    )

    @admin.action(description="Export the selected claims as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Claim]) -> StreamingHttpResponse:
        # The same writer as `manage.py export_claims` and the reviewer UI's export.
        response = StreamingHttpResponse(
            claims_csv(queryset), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="claims-{stamp}.csv"'
        return response

    @admin.action(description="Re-run the attribution check", permissions=["view"])
    def check_attribution(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        # The check is derived from the citations, so re-running it is a count, not a write.
        claims, citations = attribution_check_counts(queryset)
        self.message_user(
            request,
            f"Attribution check: {claims} of the selected claims await a check "
            f"({citations} leading footnotes pending).",
            messages.INFO,
        )


# --- Citations ----------------------------------------------------------------------------


@admin.register(Citation)
class CitationAdmin(ViewOnlyMixin, LargeTableAdmin):
    """Footnotes; settle their attribution with the actions (each through its service)."""

    list_display = ["id", "claim_link", "label", "position", "order", "attribution"]
    list_display_links = ["id"]
    list_filter = ["position", "attribution"]
    list_select_related = ["claim__document", "source"]
    search_fields = ["=source__label", "=claim__id"]
    search_help_text = "A footnote label or a claim id (exact)."
    fields = ["claim", "source", "position", "order", "attribution", "assessment"]
    readonly_fields = fields
    actions = ["confirm_citations", "detach_citations", "move_citations"]

    def has_settle_permission(self, request: HttpRequest) -> bool:
        return has_perm(request.user, "claims.change_citation")

    @admin.display(description="claim", ordering="claim")
    def claim_link(self, citation: Citation) -> str:
        return admin_link(citation.claim)

    confirm_citations = service_action(
        citation_confirm,
        name="confirm_citations",
        target="citation",
        description="Confirm the selected footnotes (with a reason)",
        title="Confirm the selected footnotes belong to their claims",
        done="{n} footnote{s} confirmed.",
        permissions=["settle"],
    )
    detach_citations = service_action(
        citation_detach,
        name="detach_citations",
        target="citation",
        description="Detach the selected footnotes (with a reason)",
        title="Detach the selected footnotes",
        done="{n} footnote{s} detached.",
        permissions=["settle"],
    )
    move_citations = service_action(
        citation_move,
        name="move_citations",
        target="citation",
        description="Move the selected footnotes to the claim before (with a reason)",
        title="Move the selected footnotes to the claim before theirs",
        done="{n} footnote{s} moved.",
        permissions=["settle"],
    )


# --- History (append-only) --------------------------------------------------------------


class AssessmentInline(ReadOnlyInline):
    model = Assessment
    fk_name = "decision"
    fields = ["citation", "stance", "quote", "page", "actor", "at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("citation__source", "actor")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["id", "claim_link", "verdict_from", "verdict_to", "suggested", "actor", "at"]
    list_display_links = ["id"]
    # A date filter, not date_hierarchy: drawing that ran SELECT DISTINCT date_trunc(…) over
    # the whole table (220 ms over 500k decisions).
    list_filter = ["verdict_to", "verdict_from", "actor", ("at", admin.DateFieldListFilter)]
    list_select_related = ["claim__document", "actor"]
    search_fields = ["=claim__id", "=actor__username", "rationale"]
    search_help_text = "A claim id or a username (exact), or words of the rationale."
    fields = [
        "claim",
        "verdict_from",
        "verdict_to",
        "suggested",
        "rationale",
        "evidence_url",
        "evidence_quote",
        "actor",
        "at",
        "claim_version",
    ]
    readonly_fields = fields
    inlines = [AssessmentInline]

    @admin.display(description="claim", ordering="claim")
    def claim_link(self, decision: Decision) -> str:
        return admin_link(decision.claim)


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "citation", "claim_link", "stance", "actor", "at"]
    list_display_links = ["id"]
    list_filter = ["stance", ("at", admin.DateFieldListFilter)]
    list_select_related = ["citation__source", "citation__claim__document", "actor"]
    search_fields = ["=citation__claim__id", "=citation__source__label", "quote"]
    search_help_text = "A claim id or footnote label (exact), or words of the quote."
    fields = ["citation", "decision", "stance", "quote", "page", "actor", "at"]
    readonly_fields = fields

    @admin.display(description="claim")
    def claim_link(self, assessment: Assessment) -> str:
        return admin_link(assessment.citation.claim)


# --- The reviewer's day: notes, assignments, skips (view-only: they change on the pages) ------


@admin.register(ClaimNote)
class ClaimNoteAdmin(ReadOnlyAdmin):
    """The discussion notes, append-only like decisions."""

    list_display = ["id", "claim_link", "author", "at", "short_text"]
    list_display_links = ["id"]
    list_select_related = ["claim__document", "author"]
    search_fields = ["=claim__id", "=author__username", "text"]
    search_help_text = "A claim id or a username (exact), or words of the note."
    fields = ["claim", "author", "at", "text"]
    readonly_fields = fields

    @admin.display(description="claim")
    def claim_link(self, note: ClaimNote) -> str:
        return admin_link(note.claim)

    @admin.display(description="text")
    def short_text(self, note: ClaimNote) -> str:
        return Truncator(note.text).chars(90)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    """Who reviews which claim; editors assign on the claim page and the claim list."""

    list_display = ["claim", "assignee", "assigned_by", "at"]
    list_filter = ["assignee"]
    list_select_related = ["claim__document", "assignee", "assigned_by"]
    search_fields = ["=claim__id", "=assignee__username"]
    fields = ["claim", "assignee", "assigned_by", "at"]
    readonly_fields = fields


@admin.register(QueueSkip)
class QueueSkipAdmin(ReadOnlyAdmin):
    """Claims reviewers passed on in the queue, and why."""

    list_display = ["claim", "reviewer", "reason", "at"]
    list_filter = ["reason"]
    list_select_related = ["claim__document", "reviewer"]
    search_fields = ["=claim__id", "=reviewer__username"]
    fields = ["claim", "reviewer", "reason", "at"]
    readonly_fields = fields


# --- Roles: who holds which, granted and removed by admins (claims.services.roles) -----------

User = get_user_model()


class RoleForm(ReasonForm):
    """Which role to grant or remove, and why (kept in the audit trail)."""

    role = forms.ChoiceField(choices=[(role, role) for role in ROLES])
    field_order = ["role", "reason"]


class MemberForm(ReasonForm):
    """Whom to add to or remove from the selected roles, and why."""

    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
    )
    field_order = ["user", "reason"]


class RoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(role, role) for role in ROLES]

    def queryset(self, request, queryset):
        return queryset.filter(groups__name=self.value()) if self.value() else queryset


def _grants(request: HttpRequest) -> bool:
    return has_perm(request.user, GRANT)


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class WorkbenchUserAdmin(UserAdmin):
    """Users, with the roles they hold. Admins see them and grant or remove roles with the
    actions (each change audited); only superusers edit accounts, and nobody edits roles or
    permissions in the form, which would bypass the audit trail."""

    list_display = ["username", "email", "roles", "is_staff", "is_active", "last_login"]
    list_filter = [RoleFilter, "is_staff", "is_superuser", "is_active"]
    actions = ["grant_role", "revoke_role"]
    readonly_fields = ["roles", "role_history"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("groups")

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        kept = [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in _NOT_IN_FORM]})
            for name, opts in super().get_fieldsets(request, obj)
        ]
        return [*kept, ("Roles", {"fields": ["roles", "role_history"]})]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or _grants(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) or _grants(request)

    def has_grant_permission(self, request: HttpRequest) -> bool:
        return _grants(request)

    @admin.display(description="roles")
    def roles(self, user) -> str:
        held = {group.name for group in user.groups.all()}
        return ", ".join(role for role in ROLES if role in held) or "-"

    @admin.display(description="history")
    def role_history(self, user) -> str:
        return audit_link(user)

    grant_role = service_action(
        user_role_grant,
        name="grant_role",
        target="user",
        description="Grant a role to the selected users (with a reason)",
        title="Grant a role to the selected users",
        form_class=RoleForm,
        done="Role granted to {n} user{s}.",
        permissions=["grant"],
    )
    revoke_role = service_action(
        user_role_revoke,
        name="revoke_role",
        target="user",
        description="Remove a role from the selected users (with a reason)",
        title="Remove a role from the selected users",
        form_class=RoleForm,
        done="Role removed from {n} user{s}.",
        permissions=["grant"],
    )


#: Fields of the stock user form that would change roles or permissions without an audit event.
_NOT_IN_FORM = ("groups", "user_permissions")


@admin.register(Group)
class RoleAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """The roles (groups): what each may do is fixed in workbench/roles.py; who holds them
    changes through the actions, each member added or removed audited on that user."""

    list_display = ["name", "member_count"]
    fields = ["name", "what_it_may_do", "members"]
    readonly_fields = fields
    actions = ["add_member", "remove_member"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(name__in=ROLES)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or _grants(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_view_permission(request, obj) or _grants(request)

    def has_grant_permission(self, request: HttpRequest) -> bool:
        return _grants(request)

    @admin.display(description="members")
    def member_count(self, group: Group) -> int:
        return group.user_set.count()

    @admin.display(description="what it may do")
    def what_it_may_do(self, group: Group) -> str:
        return ", ".join(ROLE_PERMISSIONS[group.name])

    @admin.display(description="members")
    def members(self, group: Group) -> str:
        names = group.user_set.order_by("username").values_list("username", flat=True)
        return ", ".join(names) or "-"

    add_member = service_action(
        group_member_add,
        name="add_member",
        target="group",
        description="Add a user to the selected roles (with a reason)",
        title="Add a user to the selected roles",
        form_class=MemberForm,
        done="Added to {n} role{s}.",
        permissions=["grant"],
    )
    remove_member = service_action(
        group_member_remove,
        name="remove_member",
        target="group",
        description="Remove a user from the selected roles (with a reason)",
        title="Remove a user from the selected roles",
        form_class=MemberForm,
        done="Removed from {n} role{s}.",
        permissions=["grant"],
    )
