"""Role services: admins grant and remove the workbench's roles, each change audited.

The roles are the groups of workbench/roles.py; what each may do is fixed there, so these
services change who holds a role, never what a role holds. Each grant and removal is an event
in the audit chain on the user (`user.role_grant`, `user.role_revoke`, the roles before and
after, the reason). The Admins role makes its holders staff (they use the admin); removing it
takes that away again, unless they are superusers.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from claims.services.rules import reason_required
from workbench.actions import AuditAction
from workbench.audit import audit_log
from workbench.permissions import require_perm
from workbench.roles import ADMINS, ROLE_PERMISSIONS

#: Admins grant roles: the Admins' marker permission (withdrawing claims is theirs alone).
GRANT = "claims.change_claim"
ROLES = tuple(ROLE_PERMISSIONS)


def role_names(user) -> list[str]:
    """Return the roles `user` holds, in the order of workbench/roles.py."""
    held = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    return [role for role in ROLES if role in held]


def _check_actor(actor, user) -> None:
    require_perm(actor, GRANT, "grant or remove roles")
    if user.is_superuser and not actor.is_superuser:
        raise ValidationError(f"Only a superuser may change the roles of {user.get_username()}.")


def user_roles_set(
    *,
    user,
    roles: Iterable[str],
    actor,
    reason: str,
    seen: Iterable[str] | None = None,
) -> tuple[list[str], list[str]]:
    """Give `user` exactly the roles `roles`; return (granted, removed).

    `seen` is the roles the admin saw: if someone changed them since, nothing changes and
    ValidationError says what they are now. Each role granted or removed is its own event.
    """
    roles = list(dict.fromkeys(roles))
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise ValidationError({"roles": f"Not a role: {', '.join(unknown)}."})
    _check_actor(actor, user)
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        current = role_names(user)
        if seen is not None and sorted(seen) != sorted(current):
            raise ValidationError(
                f"{user.get_username()}'s roles changed since you opened this page: now "
                f"{', '.join(current) or 'none'}. Look again."
            )
        granted = [role for role in roles if role not in current]
        removed = [role for role in current if role not in roles]
        if not granted and not removed:
            return [], []
        reason = reason_required(reason)
        for role in granted:
            current = _change(user, role, actor, reason, current, grant=True)
        for role in removed:
            current = _change(user, role, actor, reason, current, grant=False)
    return granted, removed


def _change(user, role: str, actor, reason: str, current: list[str], *, grant: bool) -> list[str]:
    """Grant or remove one role of a locked user row and audit it; return the roles after."""
    group = Group.objects.get(name=role)
    before = {"roles": current, "is_staff": user.is_staff}
    if grant:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    held = set(current) | {role} if grant else set(current) - {role}
    after_roles = [r for r in ROLES if r in held]
    staff = user.is_superuser or ADMINS in after_roles
    if staff != user.is_staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
    audit_log(
        actor=actor,
        action=AuditAction.USER_ROLE_GRANT if grant else AuditAction.USER_ROLE_REVOKE,
        obj=user,
        before=before,
        after={"role": role, "roles": after_roles, "is_staff": user.is_staff},
        reason=reason,
    )
    return after_roles


def user_role_grant(*, user, role: str, actor, reason: str) -> list[str]:
    """Give `user` the role `role` (an admin action); return their roles after it."""
    return _one(user, role, actor, reason, grant=True)


def user_role_revoke(*, user, role: str, actor, reason: str) -> list[str]:
    """Take the role `role` from `user` (an admin action); return their roles after it."""
    return _one(user, role, actor, reason, grant=False)


def _one(user, role: str, actor, reason: str, *, grant: bool) -> list[str]:
    if role not in ROLES:
        raise ValidationError({"role": f"Not a role: {role}."})
    _check_actor(actor, user)
    reason = reason_required(reason)
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        current = role_names(user)
        if grant == (role in current):
            holds = "already holds" if grant else "does not hold"
            raise ValidationError(f"{user.get_username()} {holds} the {role} role.")
        return _change(user, role, actor, reason, current, grant=grant)


def group_member_add(*, group: Group, user, actor, reason: str) -> list[str]:
    """Add `user` to the role `group` (the role's admin action): a grant, audited on them."""
    return user_role_grant(user=user, role=group.name, actor=actor, reason=reason)


def group_member_remove(*, group: Group, user, actor, reason: str) -> list[str]:
    """Remove `user` from the role `group`: a removal, audited on them."""
    return user_role_revoke(user=user, role=group.name, actor=actor, reason=reason)


def role_granters(limit: int = 3) -> list[str]:
    """Return the usernames of up to `limit` active users who may grant roles."""
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    admins = users.filter(groups__name=ADMINS)
    names = list(admins.values_list("username", flat=True)[:limit])
    if not names:
        names = list(users.filter(is_superuser=True).values_list("username", flat=True)[:limit])
    return names
