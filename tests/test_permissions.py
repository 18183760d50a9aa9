"""The one permission check (workbench/permissions.py)."""

import pytest
from django.core.exceptions import PermissionDenied

from workbench.permissions import has_perm, require_perm

DECIDE = "claims.add_decision"


def test_a_role_holds_its_permissions_and_no_others(bob, charlie):
    assert has_perm(bob, DECIDE)
    assert not has_perm(charlie, DECIDE)


def test_nobody_and_a_deactivated_user_hold_nothing(bob):
    bob.is_active = False

    assert not has_perm(None, DECIDE)
    assert not has_perm(bob, DECIDE)


def test_require_perm_says_what_the_user_may_not_do(charlie):
    require_perm(charlie, "claims.view_claim")
    with pytest.raises(PermissionDenied, match="You may not record decisions."):
        require_perm(charlie, DECIDE, "record decisions")
