"""The roles and the demo users."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from claims.models import Claim
from tests.conftest import ensure_roles
from workbench.roles import ROLE_PERMISSIONS


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


def test_the_demo_command_sets_up_without_serving_and_again_changes_nothing(db, settings):
    settings.DEBUG = True
    first, second = StringIO(), StringIO()

    call_command("demo", "--no-serve", "--password", "demo-pass-1", stdout=first)
    call_command("demo", "--no-serve", "--password", "demo-pass-1", stdout=second)

    name = "000_cd3426a0e815e9f2.txt"
    assert f"{name}: 30 claims added, 0 unchanged, 0 withdrawn;" in first.getvalue()
    assert f"{name}: 0 claims added, 30 unchanged, 0 withdrawn;" in second.getvalue()
    assert Claim.objects.count() == 30
    assert set(get_user_model().objects.values_list("username", flat=True)) == {
        "viewer",
        "reviewer",
        "editor",
        "admin",
    }


def test_the_migrated_database_holds_each_role_with_exactly_its_permissions(db):
    # The migrations (0003_roles froze the first table; later ones change it) must give
    # what workbench/roles.py describes: a change there needs its migration.
    ensure_roles()  # a transactional test on PostgreSQL may have emptied the groups

    for name, codes in ROLE_PERMISSIONS.items():
        held = Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
        assert {f"{app}.{codename}" for app, codename in held} == set(codes), name
