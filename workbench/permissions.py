"""The one permission check every service and selector uses."""

from django.core.exceptions import PermissionDenied


def require_perm(user, permission: str, doing: str = "see this") -> None:
    """Raise PermissionDenied unless `user` is active and holds `permission`."""
    if user is None or not user.is_active or not user.has_perm(permission):
        raise PermissionDenied(f"You may not {doing}.")
