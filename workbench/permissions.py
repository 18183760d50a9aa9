"""The one permission check every service, selector, view and admin uses."""

from django.core.exceptions import PermissionDenied


def has_perm(user, permission: str) -> bool:
    """Return whether `user` is an active user holding `permission` (None holds nothing)."""
    return user is not None and user.is_active and user.has_perm(permission)


def require_perm(user, permission: str, doing: str = "see this") -> None:
    """Raise PermissionDenied unless `user` is active and holds `permission`."""
    if not has_perm(user, permission):
        raise PermissionDenied(f"You may not {doing}.")
