"""claim_decide_many: many decisions in one transaction, under exactly claim_decide's rules.

On PostgreSQL the claims and citations are updated through unnest() (workbench.db.bulk_set),
elsewhere through bulk_update: run this file on both databases.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims.models import Assessment, Citation, Claim, Decision, Verdict
from claims.services import (
    AssessmentInput,
    BulkDecision,
    StaleVersion,
    claim_decide,
    claim_decide_many,
    claim_lock,
    document_import,
    document_set_review_mode,
)
from tests.claims.support import at, state
from workbench.audit import audit_verify
from workbench.models import AuditEvent


def test_it_stores_each_decision_with_its_assessments_audit_events_and_claim_updates(seed, bob):
    six, twenty_seven, one = at(seed, 6), at(seed, 27), at(seed, 1)
    events_before = AuditEvent.objects.count()

    stored = claim_decide_many(
        actor=bob,
        decisions=[
            # Follows the suggestion (both sources support it): no rationale needed.
            BulkDecision(six.pk, 1, Verdict.CORROBORATED, stances={0: "supports", 1: "supports"}),
            BulkDecision(
                twenty_seven.pk, 1, Verdict.REFUTED, "  The report says otherwise. ", {2: "refutes"}
            ),
            BulkDecision(one.pk, 1, Verdict.DISPUTED, "Unsourced and contested."),
        ],
    )

    assert stored == 3
    for claim, verdict, rationale, suggested in [
        (six, Verdict.CORROBORATED, "", Verdict.CORROBORATED),
        (twenty_seven, Verdict.REFUTED, "The report says otherwise.", Verdict.REFUTED),
        (one, Verdict.DISPUTED, "Unsourced and contested.", ""),
    ]:
        claim.refresh_from_db()
        [decision] = Decision.objects.filter(claim=claim)
        assert claim.verdict == verdict
        assert claim.version == 2
        assert claim.last_decision == decision
        assert (decision.verdict_from, decision.verdict_to) == (Verdict.UNREVIEWED, verdict)
        assert decision.rationale == rationale
        assert decision.suggested == suggested
        assert decision.actor == bob
        assert decision.claim_version == 2

    six_citations = list(six.citations.order_by("order"))
    assert [c.assessment.stance for c in six_citations] == ["supports", "supports"]
    assert {c.assessment.decision_id for c in six_citations} == {six.last_decision_id}
    cited = list(twenty_seven.citations.order_by("order").select_related("assessment"))
    assert len(cited) == 8
    assert [c.assessment.stance if c.assessment else None for c in cited] == [
        None,
        None,
        "refutes",
        *[None] * 5,
    ]
    assert Assessment.objects.count() == 3
    assert all(
        Citation.objects.get(pk=a.citation_id).assessment_id == a.pk
        for a in Assessment.objects.all()
    )

    events = list(AuditEvent.objects.order_by("id")[events_before:])
    assert [(e.action, e.object_id) for e in events] == [
        ("claim.decide", str(six.pk)),
        ("claim.decide", str(twenty_seven.pk)),
        ("claim.decide", str(one.pk)),
    ]
    assert events[1].before == {"verdict": "unreviewed", "version": 1}
    assert events[1].after["verdict"] == "refuted"
    assert events[1].after["version"] == 2
    assert events[1].after["decision"] == twenty_seven.last_decision_id
    assert events[1].reason == "The report says otherwise."
    assert events[0].actor == bob
    assert audit_verify().ok


def test_it_keeps_the_other_citations_assessments_and_chains_after_single_decisions(seed, bob):
    claim = at(seed, 6)
    first, second = claim.citations.order_by("order")
    claim_decide(
        claim=claim,
        actor=bob,
        verdict=Verdict.CORROBORATED,
        version=1,
        assessments={first.pk: AssessmentInput("supports"), second.pk: AssessmentInput("supports")},
    )
    old = Citation.objects.get(pk=second.pk).assessment_id

    claim_decide_many(
        actor=bob,
        decisions=[
            BulkDecision(claim.pk, 2, Verdict.DISPUTED, "Changed my mind.", {0: "disputes"})
        ],
    )

    claim.refresh_from_db()
    assert claim.verdict == Verdict.DISPUTED and claim.version == 3
    assert claim.last_decision.verdict_from == Verdict.CORROBORATED
    assert Citation.objects.get(pk=first.pk).assessment.stance == "disputes"
    assert Citation.objects.get(pk=second.pk).assessment_id == old
    assert audit_verify().ok


def test_it_decides_a_whole_document_in_one_call(db, bob):
    lines = "\n".join(f"Claim number {n} is a sentence.[{n % 40 + 1}]" for n in range(1, 1201))
    document = document_import(name="many.txt", data=lines.encode()).document
    claims = list(Claim.objects.filter(document=document).order_by("id"))

    stored = claim_decide_many(
        actor=bob,
        decisions=[
            BulkDecision(c.pk, c.version, Verdict.REFUTED, f"No. ({c.line})", {0: "refutes"})
            for c in claims
        ],
    )

    assert stored == Decision.objects.count() == Assessment.objects.count() == 1200
    assert (
        Claim.objects.filter(
            document=document, verdict=Verdict.REFUTED, version=2, last_decision__isnull=False
        ).count()
        == 1200
    )
    assert not Citation.objects.filter(claim__document=document, assessment__isnull=True)
    claim = Claim.objects.select_related("last_decision").get(document=document, line=777)
    assert claim.last_decision.rationale == "No. (777)"
    assert claim.citations.get().assessment.decision == claim.last_decision
    assert audit_verify().ok


def test_an_empty_batch_stores_nothing(seed, bob):
    before = state()
    assert claim_decide_many(actor=bob, decisions=[]) == 0
    assert state() == before


def test_a_viewer_is_refused_and_nothing_changes(seed, charlie):
    before = state()
    with pytest.raises(PermissionDenied):
        claim_decide_many(
            actor=charlie,
            decisions=[BulkDecision(at(seed, 1).pk, 1, Verdict.REFUTED, "No.")],
        )
    assert state() == before


def test_a_stale_version_refuses_the_whole_batch_and_says_who_changed_the_claim(seed, bob, alice):
    two = at(seed, 2)
    claim_decide(claim=two, actor=alice, verdict=Verdict.REFUTED, version=1, rationale="No.")
    before = state()
    with pytest.raises(StaleVersion) as exc:
        claim_decide_many(
            actor=bob,
            decisions=[
                BulkDecision(at(seed, 1).pk, 1, Verdict.REFUTED, "No."),
                BulkDecision(two.pk, 1, Verdict.DISPUTED, "Hm."),
            ],
        )
    assert "alice marked this claim refuted" in str(exc.value)
    assert state() == before
    assert audit_verify().ok


def test_a_locked_claim_refuses_the_whole_batch(seed, bob, alice):
    two = claim_lock(claim=at(seed, 2), actor=alice, reason="Under legal review.")
    before = state()
    with pytest.raises(ValidationError) as exc:
        claim_decide_many(
            actor=bob,
            decisions=[
                BulkDecision(at(seed, 1).pk, 1, Verdict.REFUTED, "No."),
                BulkDecision(two.pk, two.version, Verdict.REFUTED, "No."),
            ],
        )
    assert exc.value.code == "locked"
    assert state() == before


def test_a_missing_rationale_where_one_is_required_refuses_the_whole_batch(seed, bob):
    before = state()
    with pytest.raises(ValidationError) as exc:
        claim_decide_many(
            actor=bob,
            decisions=[
                BulkDecision(at(seed, 6).pk, 1, Verdict.CORROBORATED, "Fine.", {0: "supports"}),
                BulkDecision(at(seed, 1).pk, 1, Verdict.REFUTED, "   "),
            ],
        )
    assert "rationale" in exc.value.message_dict
    assert "A rationale is required to mark a claim refuted." in str(exc.value)
    assert state() == before


def test_corroborating_against_the_suggestion_needs_a_rationale(seed, bob):
    before = state()
    with pytest.raises(ValidationError) as exc:
        claim_decide_many(
            actor=bob,
            decisions=[
                BulkDecision(at(seed, 6).pk, 1, Verdict.CORROBORATED, stances={0: "refutes"})
            ],
        )
    assert "differs from the suggestion" in exc.value.message_dict["rationale"][0]
    assert state() == before


@pytest.mark.parametrize(
    "item, field",
    [
        (BulkDecision(0, 1, "maybe", "Why not."), "verdict"),
        (BulkDecision(0, 1, Verdict.REFUTED, "No.", {0: "hates"}), "assessments"),
    ],
)
def test_an_unknown_verdict_or_stance_refuses_the_whole_batch(seed, bob, item, field):
    six = at(seed, 6)
    bad = BulkDecision(six.pk, item.version, item.verdict, item.rationale, item.stances)
    before = state()
    with pytest.raises(ValidationError) as exc:
        claim_decide_many(
            actor=bob, decisions=[BulkDecision(at(seed, 1).pk, 1, Verdict.REFUTED, "No."), bad]
        )
    assert field in exc.value.message_dict
    assert state() == before


def test_a_claim_that_does_not_exist_refuses_the_whole_batch(seed, bob):
    before = state()
    with pytest.raises(ValidationError, match="does not exist"):
        claim_decide_many(
            actor=bob,
            decisions=[
                BulkDecision(at(seed, 1).pk, 1, Verdict.REFUTED, "No."),
                BulkDecision(10**9, 1, Verdict.REFUTED, "No."),
            ],
        )
    assert state() == before


def test_the_same_claim_twice_in_one_batch_is_refused(seed, bob):
    one = at(seed, 1)
    before = state()
    with pytest.raises((ValidationError, StaleVersion)):
        claim_decide_many(
            actor=bob,
            decisions=[
                BulkDecision(one.pk, 1, Verdict.REFUTED, "No."),
                BulkDecision(one.pk, 1, Verdict.DISPUTED, "Hm."),
            ],
        )
    assert state() == before


def test_a_stance_for_a_citation_the_claim_does_not_have_is_refused(seed, bob):
    before = state()
    with pytest.raises(ValidationError) as exc:
        claim_decide_many(
            actor=bob,
            decisions=[BulkDecision(at(seed, 6).pk, 1, Verdict.REFUTED, "No.", {7: "refutes"})],
        )
    assert "assessments" in exc.value.message_dict
    assert state() == before


def test_the_audit_event_names_the_assessments_as_claim_decide_does(seed, bob):
    six = at(seed, 6)
    claim_decide_many(
        actor=bob,
        decisions=[BulkDecision(six.pk, 1, Verdict.REFUTED, "No.", {0: "refutes"})],
    )
    event = AuditEvent.objects.filter(action="claim.decide").get()
    assert event.after["assessments"] == {"31": "refutes"}


def test_claims_needing_two_blind_reviews_are_refused_in_bulk(seed, bob, admin_user):
    document_set_review_mode(document=seed, actor=admin_user, double_review=True, reason="Pilot.")
    claim = Claim.objects.filter(document=seed).first()
    before = state()
    with pytest.raises(ValidationError, match="two blind reviews"):
        claim_decide_many(
            actor=bob,
            decisions=[BulkDecision(claim.pk, claim.version, Verdict.CORROBORATED, "Fine.")],
        )
    assert state() == before
