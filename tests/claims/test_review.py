"""The review services (claims/services/review.py): decide, lock, reopen, withdraw.

Each happy path, its audit event, and each refusal, which leaves everything as it was.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims.services import (
    AssessmentInput,
    StaleVersion,
    claim_decide,
    claim_lock,
    claim_reopen,
    claim_withdraw,
    document_delete,
)
from sources.models import Document
from tests.claims.support import at, last_event, state, supports_all
from workbench.audit import audit_verify

# --- claim_decide ---------------------------------------------------------------------------


def test_it_records_a_corroborating_decision_without_rationale_when_it_follows_the_suggestion(
    seed, bob
):
    claim = at(seed, 6)

    decision = claim_decide(
        claim=claim, actor=bob, verdict="corroborated", version=1, assessments=supports_all(claim)
    )

    claim.refresh_from_db()
    assert claim.verdict == "corroborated"
    assert claim.version == 2
    assert claim.last_decision == decision
    assert (decision.verdict_from, decision.verdict_to, decision.suggested) == (
        "unreviewed",
        "corroborated",
        "corroborated",
    )
    assert decision.actor == bob
    stances = [c.assessment.stance for c in claim.citations.order_by("order")]
    assert stances == ["supports", "supports"]
    assert decision.assessments.count() == 2
    event = last_event()
    assert (event.action, event.actor, event.object_id) == ("claim.decide", bob, str(claim.pk))
    assert event.before == {"verdict": "unreviewed", "version": 1}
    assert event.after["verdict"] == "corroborated"
    assert event.after["assessments"] == {"31": "supports", "32": "supports"}
    assert audit_verify().ok


def test_it_keeps_the_rationale_evidence_and_quote(seed, bob):
    claim = at(seed, 8)

    decision = claim_decide(
        claim=claim,
        actor=bob,
        verdict="refuted",
        version=1,
        rationale="  The source says the opposite.  ",
        evidence_url="https://example.org/report",
        evidence_quote="No such decree.",
        assessments={claim.citations.get().pk: AssessmentInput("refutes", page="12")},
    )

    assert decision.rationale == "The source says the opposite."
    assert decision.evidence_url == "https://example.org/report"
    assert decision.assessments.get().page == "12"
    assert last_event().reason == "The source says the opposite."


@pytest.mark.parametrize(
    ("verdict", "assess", "message"),
    [
        ("disputed", None, "A rationale is required to mark a claim disputed."),
        ("refuted", "refutes", "A rationale is required to mark a claim refuted."),
        ("corroborated", None, "differs from the suggestion (no suggestion)"),
        ("corroborated", "refutes", "differs from the suggestion (refuted)"),
    ],
)
def test_it_refuses_a_decision_without_a_required_rationale(seed, bob, verdict, assess, message):
    claim = at(seed, 8)
    assessments = {claim.citations.get().pk: AssessmentInput(assess)} if assess else {}
    before = state()

    with pytest.raises(ValidationError) as caught:
        claim_decide(claim=claim, actor=bob, verdict=verdict, version=1, assessments=assessments)

    assert message in caught.value.message_dict["rationale"][0]
    assert state() == before


def test_changing_an_earlier_verdict_needs_a_rationale(seed, bob, alice):
    claim = at(seed, 6)
    claim_decide(
        claim=claim, actor=bob, verdict="corroborated", version=1, assessments=supports_all(claim)
    )
    before = state()

    with pytest.raises(ValidationError, match="change the verdict from corroborated"):
        claim_decide(claim=claim, actor=alice, verdict="unreviewed", version=2)
    assert state() == before

    claim_decide(claim=claim, actor=alice, verdict="unreviewed", version=2, rationale="Too hasty.")
    claim.refresh_from_db()
    assert claim.verdict == "unreviewed"
    assert claim.decisions.count() == 2


def test_a_stale_version_is_refused_saying_who_decided_what_and_when(seed, bob, alice):
    claim = at(seed, 6)
    claim_decide(
        claim=claim, actor=alice, verdict="corroborated", version=1, assessments=supports_all(claim)
    )
    before = state()

    with pytest.raises(StaleVersion) as caught:
        claim_decide(claim=claim, actor=bob, verdict="refuted", version=1, rationale="Wrong.")

    message = str(caught.value)
    assert message.startswith("alice marked this claim corroborated at ")
    assert "you saw version 1; it is now at version 2" in message
    assert caught.value.event.actor == alice
    assert state() == before


def test_a_locked_claim_refuses_decisions(seed, bob, alice):
    claim = at(seed, 1)
    claim_lock(claim=claim, actor=alice, reason="Under legal review.")
    before = state()

    with pytest.raises(ValidationError, match="is locked"):
        claim_decide(claim=claim, actor=bob, verdict="disputed", version=2, rationale="x")

    assert state() == before


def test_a_viewer_cannot_decide(seed, charlie):
    claim = at(seed, 6)
    before = state()

    with pytest.raises(PermissionDenied):
        claim_decide(
            claim=claim,
            actor=charlie,
            verdict="corroborated",
            version=1,
            assessments=supports_all(claim),
        )

    assert state() == before


def test_it_refuses_assessing_a_citation_of_another_claim(seed, bob):
    other = at(seed, 8).citations.get()
    before = state()

    with pytest.raises(ValidationError, match="not sources of this claim"):
        claim_decide(
            claim=at(seed, 6),
            actor=bob,
            verdict="refuted",
            version=1,
            rationale="x",
            assessments={other.pk: AssessmentInput("refutes")},
        )

    assert state() == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"verdict": "maybe"}, "verdict"),
        ({"verdict": "refuted", "evidence_url": "javascript:alert(1)"}, "evidence_url"),
    ],
)
def test_it_refuses_bad_input(seed, bob, kwargs, field):
    before = state()

    with pytest.raises(ValidationError) as caught:
        claim_decide(claim=at(seed, 8), actor=bob, version=1, rationale="x", **kwargs)

    assert field in caught.value.message_dict
    assert state() == before


# --- lock, reopen, withdraw ------------------------------------------------------------------


def test_an_editor_locks_and_reopens_a_claim_with_a_reason(seed, alice):
    claim = at(seed, 1)

    claim_lock(claim=claim, actor=alice, reason="Legal hold.")
    claim.refresh_from_db()
    assert claim.locked and claim.version == 2
    event = last_event()
    assert (event.action, event.actor, event.reason) == ("claim.lock", alice, "Legal hold.")
    assert event.before == {"locked": False} and event.after == {"locked": True, "version": 2}

    claim_reopen(claim=claim, actor=alice, reason="Cleared.")
    claim.refresh_from_db()
    assert not claim.locked
    assert last_event().action == "claim.reopen"


@pytest.mark.parametrize("service", [claim_lock, claim_reopen])
def test_locking_needs_a_reason(seed, alice, service):
    before = state()

    with pytest.raises(ValidationError) as caught:
        service(claim=at(seed, 1), actor=alice, reason="  ")

    assert "reason" in caught.value.message_dict
    assert state() == before


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_only_editors_lock_claims(seed, request, persona):
    before = state()

    with pytest.raises(PermissionDenied):
        claim_lock(claim=at(seed, 1), actor=request.getfixturevalue(persona), reason="No.")

    assert state() == before


def test_a_withdrawn_claim_stays_with_its_history(seed, alice, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x")
    claim = at(seed, 1)

    claim_withdraw(claim=claim, actor=admin, reason="Duplicate of line 3.")

    claim.refresh_from_db()
    assert claim.withdrawn_at is not None
    assert last_event().action == "claim.withdraw"
    with pytest.raises(PermissionDenied):
        claim_withdraw(claim=at(seed, 3), actor=alice, reason="Editors do not withdraw.")


# --- document_delete (claims/services/documents.py) ---------------------------------------------


def test_only_admins_delete_documents_and_never_reviewed_ones(seed, alice, bob, django_user_model):
    with pytest.raises(PermissionDenied):
        document_delete(document=seed, actor=alice, reason="Editors may not.")
    admin = django_user_model.objects.create_superuser("root", password="x")
    with pytest.raises(ValidationError) as caught:
        document_delete(document=seed, actor=admin, reason="")
    assert "reason" in caught.value.message_dict
    claim_decide(claim=at(seed, 1), actor=bob, verdict="disputed", version=1, rationale="?")

    with pytest.raises(ValidationError, match="history stays"):
        document_delete(document=seed, actor=admin, reason="Tidy up.")

    assert Document.objects.filter(pk=seed.pk).exists()
