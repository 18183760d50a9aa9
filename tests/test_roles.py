"""The roles and the demo users."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command


def test_create_demo_users_refuses_with_debug_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="refusing to create demo users with DEBUG off"):
        call_command("create_demo_users", stdout=StringIO())

    assert not get_user_model().objects.exists()


def test_create_demo_users_makes_one_user_per_role_and_prints_passwords(db, settings):
    settings.DEBUG = True
    out = StringIO()

    call_command("create_demo_users", "--password", "demo-pass-1", stdout=out)

    users = {u.username: u for u in get_user_model().objects.all()}
    assert set(users) == {"viewer", "reviewer", "editor", "admin"}
    assert "reviewer  demo-pass-1" in out.getvalue()
    assert users["reviewer"].check_password("demo-pass-1")
    assert users["admin"].is_staff and not users["reviewer"].is_staff


@pytest.mark.parametrize(
    ("username", "allowed", "refused"),
    [
        ("viewer", ["claims.view_claim", "workbench.view_auditevent"], ["claims.add_decision"]),
        (
            "reviewer",
            ["claims.add_decision", "claims.change_citation"],
            ["sources.change_source", "claims.lock_claim"],
        ),
        ("editor", ["sources.change_source", "claims.lock_claim"], ["claims.change_claim"]),
        ("admin", ["claims.change_claim", "sources.delete_document"], ["claims.delete_decision"]),
    ],
)
def test_each_role_holds_its_permissions(db, settings, username, allowed, refused):
    settings.DEBUG = True
    call_command("create_demo_users", "--password", "x", stdout=StringIO())
    user = get_user_model().objects.get(username=username)

    assert all(user.has_perm(p) for p in allowed)
    assert not any(user.has_perm(p) for p in refused)


def test_the_demo_command_sets_up_without_serving(db, settings):
    settings.DEBUG = True
    out = StringIO()

    call_command("demo", "--no-serve", "--password", "demo-pass-1", stdout=out)

    assert "30 claims added" in out.getvalue() or "30 unchanged" in out.getvalue()
    assert get_user_model().objects.get(username="reviewer").check_password("demo-pass-1")
