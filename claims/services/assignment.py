"""Assignment services: editors give claims, or a whole document, to a reviewer.

An assigned claim is its reviewer's: the queue hands it to them ("assigned to me") and to no
one else. Each change is audited on the claim (`claim.assign`, the assignee before and after).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from claims.models import Assignment, Claim
from sources.models import Document
from workbench.actions import AuditAction
from workbench.audit import audit_log
from workbench.permissions import has_perm, require_perm

#: Editors assign: their marker permission, as publishing uses it (workbench/roles.py).
ASSIGN = "claims.lock_claim"
#: Only someone who may record decisions can be given claims to review.
DECIDE = "claims.add_decision"
#: `seen` for callers that acted on no page showing an assignee (a whole document).
ANY = object()


def _check_assignee(assignee) -> None:
    if assignee is not None and not has_perm(assignee, DECIDE):
        raise ValidationError(
            {"assignee": f"{assignee.get_username()} cannot review claims (no Reviewers role)."}
        )


def _assign(claim: Claim, assignee, actor, reason: str, seen) -> bool:
    """Assign one claim whose row the caller locked; return whether anything changed."""
    current = Assignment.objects.filter(claim=claim).select_related("assignee").first()
    held = current.assignee if current else None
    if seen is not ANY and (held.pk if held else None) != seen:
        name = held.get_username() if held else "nobody"
        raise ValidationError(
            f"Claim {claim.pk} was assigned to {name} since you opened it: look again."
        )
    if (held.pk if held else None) == (assignee.pk if assignee else None):
        return False
    if assignee is None:
        current.delete()
    else:
        Assignment.objects.update_or_create(
            claim=claim, defaults={"assignee": assignee, "assigned_by": actor}
        )
    audit_log(
        actor=actor,
        action=AuditAction.CLAIM_ASSIGN,
        obj=claim,
        before={"assignee": held.get_username() if held else None},
        after={"assignee": assignee.get_username() if assignee else None},
        reason=reason.strip(),
    )
    return True


def claim_assign(*, claim: Claim, assignee, actor, reason: str = "", seen=ANY) -> Claim:
    """Assign `claim` to `assignee` (None: to nobody).

    `seen` is the id of the assignee the editor saw (None for nobody): if someone assigned the
    claim since, nothing changes and ValidationError says to whom.
    """
    require_perm(actor, ASSIGN, "assign claims")
    _check_assignee(assignee)
    with transaction.atomic():
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        _assign(current, assignee, actor, reason, seen)
    return current


def document_assign(*, document: Document, assignee, actor, reason: str = "") -> int:
    """Assign every live claim of `document` to `assignee` (None: to nobody); return how many
    changed hands."""
    require_perm(actor, ASSIGN, "assign claims")
    _check_assignee(assignee)
    with transaction.atomic():
        claims = Claim.objects.live().filter(document=document).select_for_update()
        return sum(_assign(claim, assignee, actor, reason, ANY) for claim in claims.order_by("pk"))


def assignable_users() -> QuerySet:
    """Return the users claims can be assigned to: active holders of the Reviewers permission
    (through a role, a permission of their own, or as superusers), in one query."""
    app_label, codename = DECIDE.split(".")
    perm = Q(permissions__content_type__app_label=app_label, permissions__codename=codename)
    holds = (
        Q(is_superuser=True)
        | Q(groups__in=Group.objects.filter(perm).values("pk"))
        | Q(
            user_permissions__content_type__app_label=app_label,
            user_permissions__codename=codename,
        )
    )
    return get_user_model().objects.filter(holds, is_active=True).distinct().order_by("username")
