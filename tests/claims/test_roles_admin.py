"""Admins grant and remove roles from the admin (users and roles), each change audited."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from claims.services import user_role_grant, user_role_revoke, user_roles_set
from claims.services.roles import role_names
from tests.conftest import member
from tests.factories import UserFactory
from workbench.actions import AuditAction
from workbench.audit import audit_verify
from workbench.models import AuditEvent
from workbench.roles import ADMINS, EDITORS, REVIEWERS, VIEWERS

USERS = "/admin/auth/user/"
ROLES = "/admin/auth/group/"


@pytest.fixture
def ada(db):
    """An admin by role (staff, not a superuser): before this, the user pages answered 403."""
    return member("ada", ADMINS, is_staff=True)


def test_an_admin_by_role_opens_the_users_and_the_roles(client, ada, bob):
    client.force_login(ada)

    users = client.get(USERS)
    roles = client.get(ROLES)
    user_page = client.get(f"{USERS}{bob.pk}/change/")

    assert users.status_code == roles.status_code == user_page.status_code == 200
    assert "Reviewers" in users.content.decode()  # bob's role in the list
    html = user_page.content.decode()
    assert 'name="groups"' not in html and 'name="user_permissions"' not in html
    assert 'name="password"' not in html  # view only: no account editing


def test_an_admin_by_role_cannot_edit_accounts_or_passwords(client, ada, bob):
    client.force_login(ada)
    assert client.get(f"{USERS}{bob.pk}/password/").status_code == 403
    assert client.post(f"{USERS}{bob.pk}/change/", {"username": "x"}).status_code == 403
    assert client.get(f"{USERS}add/").status_code == 403


def _act(client, url: str, action: str, objects, **data):
    return client.post(
        url,
        {
            "action": action,
            ACTION_CHECKBOX_NAME: [obj.pk for obj in objects],
            "apply": "1",
            **data,
        },
        follow=True,
    )


def test_granting_and_removing_a_role_from_the_users_list_is_audited(client, ada, charlie):
    client.force_login(ada)

    granted = _act(client, USERS, "grant_role", [charlie], role=REVIEWERS, reason="Trained.")
    assert "Role granted to 1 user." in granted.content.decode()
    assert role_names(charlie) == [VIEWERS, REVIEWERS]
    removed = _act(client, USERS, "revoke_role", [charlie], role=VIEWERS, reason="Tidy.")
    assert "Role removed from 1 user." in removed.content.decode()
    assert role_names(charlie) == [REVIEWERS]

    events = AuditEvent.objects.filter(object_type="auth.user", object_id=str(charlie.pk))
    assert [e.action for e in events.order_by("id")] == [
        AuditAction.USER_ROLE_GRANT,
        AuditAction.USER_ROLE_REVOKE,
    ]
    first = events.order_by("id").first()
    assert first.actor == ada and first.reason == "Trained."
    assert first.before["roles"] == [VIEWERS] and first.after["roles"] == [VIEWERS, REVIEWERS]
    assert audit_verify().ok


def test_a_role_granted_without_a_reason_is_not_granted(client, ada, charlie):
    client.force_login(ada)
    response = _act(client, USERS, "grant_role", [charlie], role=REVIEWERS, reason=" ")
    assert response.status_code == 200
    assert role_names(charlie) == [VIEWERS]
    assert not AuditEvent.objects.filter(object_type="auth.user").exists()


def test_adding_a_member_from_the_roles_list(client, ada, charlie):
    client.force_login(ada)
    editors = Group.objects.get(name=EDITORS)

    response = _act(client, ROLES, "add_member", [editors], user="charlie", reason="Promoted.")

    assert "Added to 1 role." in response.content.decode()
    assert EDITORS in role_names(charlie)
    assert AuditEvent.objects.get(object_type="auth.user").action == AuditAction.USER_ROLE_GRANT


def test_the_admins_role_makes_staff_and_taking_it_away_unmakes_it(db, ada):
    user = UserFactory(username="eve")
    user_role_grant(user=user, role=ADMINS, actor=ada, reason="Runs the desk.")
    user.refresh_from_db()
    assert user.is_staff
    user_role_revoke(user=user, role=ADMINS, actor=ada, reason="Left the desk.")
    user.refresh_from_db()
    assert not user.is_staff


def test_roles_cannot_be_granted_twice_or_by_an_editor_or_to_a_superuser(db, ada, alice, bob):
    with pytest.raises(ValidationError, match="already holds"):
        user_role_grant(user=bob, role=REVIEWERS, actor=ada, reason="x")
    with pytest.raises(Exception, match="grant or remove roles"):
        user_role_grant(user=bob, role=EDITORS, actor=alice, reason="x")
    root = UserFactory(username="root", is_superuser=True)
    with pytest.raises(ValidationError, match="Only a superuser"):
        user_role_grant(user=root, role=VIEWERS, actor=ada, reason="x")
    with pytest.raises(ValidationError, match="changed since you opened"):
        user_roles_set(user=bob, roles=[EDITORS], actor=ada, reason="x", seen=[VIEWERS])
    assert not AuditEvent.objects.filter(object_type="auth.user").exists()


def test_the_read_only_banner_names_who_grants_the_role(client, ada, charlie):
    client.force_login(charlie)
    html = client.get("/").content.decode()
    assert "Read only." in html
    assert "ask an admin (ada) for the Reviewers role" in html
