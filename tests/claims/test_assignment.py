"""Editors assign claims, or a whole document, to reviewers; "assigned to me" in the list."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from claims.models import Assignment
from claims.services import claim_assign, document_assign
from tests.claims.support import at
from tests.conftest import member
from workbench.actions import AuditAction
from workbench.models import AuditEvent
from workbench.roles import REVIEWERS


@pytest.fixture
def dora(db):
    return member("dora", REVIEWERS)


def test_an_editor_assigns_a_claim_and_the_history_says_so(client, seed, alice, bob):
    claim = at(seed, 4)
    client.force_login(alice)

    response = client.post(
        reverse("claims:assign", args=[claim.pk]),
        {"assignee": "bob", "seen": "", "reason": "Knows the Mediazona counts."},
        follow=True,
    )

    assert Assignment.objects.get(claim=claim).assignee == bob
    html = response.content.decode()
    assert f"Claim {claim.pk} assigned to bob." in html
    assert "assigned this claim to bob" in html
    event = AuditEvent.objects.get(action=AuditAction.CLAIM_ASSIGN)
    assert (event.before, event.after) == ({"assignee": None}, {"assignee": "bob"})
    assert event.reason == "Knows the Mediazona counts."


def test_assigning_from_a_stale_page_is_refused(client, seed, alice, bob, dora):
    claim = at(seed, 4)
    claim_assign(claim=claim, assignee=dora, actor=alice)
    client.force_login(alice)

    response = client.post(
        reverse("claims:assign", args=[claim.pk]), {"assignee": "bob", "seen": ""}
    )

    assert response.status_code == 409
    assert "was assigned to dora since you opened it" in response.content.decode()
    assert Assignment.objects.get(claim=claim).assignee == dora


def test_unassigning_and_reassigning_the_same_reviewer(seed, alice, bob):
    claim = at(seed, 4)
    claim_assign(claim=claim, assignee=bob, actor=alice)
    claim_assign(claim=claim, assignee=bob, actor=alice)  # no change, no event
    claim_assign(claim=claim, assignee=None, actor=alice, seen=bob.pk)

    assert not Assignment.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.CLAIM_ASSIGN).count() == 2


def test_only_editors_assign_and_only_reviewers_are_assigned(seed, alice, bob, charlie):
    claim = at(seed, 4)
    with pytest.raises(PermissionDenied):
        claim_assign(claim=claim, assignee=bob, actor=bob)
    with pytest.raises(ValidationError, match="cannot review claims"):
        claim_assign(claim=claim, assignee=charlie, actor=alice)
    assert not Assignment.objects.exists()


def test_a_reviewer_sees_the_assignment_but_no_form(client, seed, alice, bob):
    claim = at(seed, 4)
    claim_assign(claim=claim, assignee=bob, actor=alice)
    client.force_login(bob)
    response = client.get(reverse("claims:detail", args=[claim.pk]))
    assert "assigned to bob" in response.content.decode()
    assert response.context["assign_form"] is None
    assert client.post(reverse("claims:assign", args=[claim.pk]), {}).status_code == 403


def test_an_editor_assigns_a_whole_document(client, seed, alice, dora):
    client.force_login(alice)
    page = client.get(reverse("claims:list") + f"?document={seed.name}")
    assert f"Assign every claim of {seed.name}" in page.content.decode()

    response = client.post(
        reverse("claims:document-assign"),
        {"document": seed.name, "assignee": "dora", "reason": "Her article."},
        follow=True,
    )

    assert f"30 claims of {seed.name} assigned to dora." in response.content.decode()
    assert Assignment.objects.filter(assignee=dora).count() == 30
    assert AuditEvent.objects.filter(action=AuditAction.CLAIM_ASSIGN).count() == 30
    assert document_assign(document=seed, assignee=dora, actor=alice) == 0


def test_a_reviewer_cannot_assign_a_document(client, seed, bob):
    client.force_login(bob)
    response = client.post(
        reverse("claims:document-assign"), {"document": seed.name, "assignee": "bob"}
    )
    assert response.status_code == 403
    assert (
        "Assign every claim"
        not in client.get(reverse("claims:list") + f"?document={seed.name}").content.decode()
    )


def test_assigned_to_me_lists_my_claims_and_the_dashboard_counts_them(client, seed, alice, bob):
    for line in (4, 9, 12):
        claim_assign(claim=at(seed, line), assignee=bob, actor=alice)
    client.force_login(bob)

    listed = client.get(reverse("claims:list") + "?assignee=bob")
    dashboard = client.get("/").content.decode()

    assert [c.line for c in listed.context["rows"]] == [4, 9, 12]
    assert "3 assigned to you" in dashboard
    assert 'href="/claims/?assignee=bob"' in dashboard
    assert "?assigned=me" in dashboard  # the queue of them
