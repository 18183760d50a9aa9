"""Double review (claims/services/review.py): blind reviews, agreement, adjudication, restarts.

Each happy path with its audit event, and each refusal, which leaves everything as it was.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from claims.models import Claim, Decision, Review, ReviewAssessment, ReviewPolicy
from claims.selectors import (
    adjudication_queue,
    double_review_of,
    review_queue,
    review_round,
)
from claims.services import (
    AssessmentInput,
    ReviewOutcome,
    ReviewStep,
    StaleVersion,
    citation_confirm,
    citation_detach,
    citation_move,
    claim_adjudicate,
    claim_decide,
    claim_lock,
    claim_reopen,
    document_set_review_mode,
)
from tests.claims.support import at, last_event, state
from tests.conftest import member
from workbench.audit import audit_verify
from workbench.roles import ADMINS, EDITORS, REVIEWERS


@pytest.fixture
def double(settings, seed):
    """The workbench in double-review mode, the seed imported."""
    settings.WORKBENCH_DOUBLE_REVIEW = True
    return seed


@pytest.fixture
def dora(db):
    """A second reviewer."""
    return member("dora", REVIEWERS)


@pytest.fixture
def eve(db):
    """A second editor: adjudicates between reviews she did not write."""
    return member("eve", EDITORS)


def review(claim: Claim, actor, verdict: str, rationale: str = "", **stances) -> ReviewOutcome:
    """Review `claim` as `actor`; `stances` maps footnote labels (`f31`) to a stance."""
    claim.refresh_from_db()
    by_label = {f"f{c.source.label}": c.pk for c in claim.citations.all()}
    return claim_decide(
        claim=claim,
        actor=actor,
        verdict=verdict,
        version=claim.version,
        rationale=rationale,
        assessments={
            by_label[k]: AssessmentInput(v, quote=f"{v} quote") for k, v in stances.items()
        },
    )


def reviews_state() -> tuple:
    return (*state(), Review.objects.count(), ReviewAssessment.objects.count())


# --- The first review is blind -------------------------------------------------------------


def test_a_first_review_records_no_verdict_and_leaves_the_claim_as_it_was(double, bob):
    claim = at(double, 6)

    outcome = review(claim, bob, "corroborated", f31="supports", f32="supports")

    claim.refresh_from_db()
    assert outcome.step == ReviewStep.WAITING and outcome.decision is None
    assert (claim.verdict, claim.version, claim.last_decision) == ("unreviewed", 1, None)
    assert not Decision.objects.exists()
    assert all(c.assessment is None for c in claim.citations.all())
    stored = Review.objects.get()
    assert (stored.verdict, stored.actor, stored.claim_version, stored.follows) == (
        "corroborated",
        bob,
        1,
        None,
    )
    assert stored.suggested == "corroborated"
    assert sorted(stored.stances.values()) == ["supports", "supports"]
    event = last_event()
    assert (event.action, event.after["review"], event.after["round"]) == (
        "claim.review",
        stored.pk,
        1,
    )
    assert review_round(claim) == [stored]
    assert audit_verify().ok


def test_a_review_keeps_a_row_for_every_footnote_even_unassessed(double, bob):
    claim = at(double, 6)

    review(claim, bob, "disputed", "Only one source says so.", f31="supports")

    rows = {r.citation.source.label: r.stance for r in ReviewAssessment.objects.all()}
    assert rows == {"31": "supports", "32": ""}


def test_two_agreeing_reviews_settle_the_claim_with_a_decision_naming_both(double, bob, dora):
    claim = at(double, 6)
    review(claim, bob, "corroborated", "Both agree.", f31="supports", f32="supports")

    outcome = review(claim, dora, "corroborated", f31="supports", f32="supports")

    claim.refresh_from_db()
    first, second = Review.objects.order_by("id")
    decision = outcome.decision
    assert outcome.step == ReviewStep.AGREED
    assert second.pairs_with == first
    assert (claim.verdict, claim.version, claim.last_decision) == ("corroborated", 2, decision)
    assert (decision.kind, decision.first_review, decision.second_review) == (
        "agreement",
        first,
        second,
    )
    assert decision.actor == dora and decision.rationale == "Both agree."
    assert [c.assessment.stance for c in claim.citations.order_by("order")] == ["supports"] * 2
    event = last_event()
    assert event.action == "claim.decide"
    assert event.after["kind"] == "agreement"
    assert event.after["reviews"] == [first.pk, second.pk]
    assert event.after["reviewers"] == ["bob", "dora"]
    assert review_round(claim) == []  # a decision starts the next round afresh
    assert audit_verify().ok


def test_agreeing_verdicts_with_different_stances_leave_those_footnotes_to_the_reviews(
    double, bob, dora
):
    claim = at(double, 6)
    review(claim, bob, "disputed", "One source only.", f31="supports", f32="not_in_source")

    outcome = review(claim, dora, "disputed", "Doubtful.", f31="supports", f32="disputes")

    stances = {a.citation.source.label: a.stance for a in outcome.decision.assessments.all()}
    assert stances == {"31": "supports"}
    assert outcome.decision.rationale == "One source only.\n\nDoubtful."
    assert last_event().after["stances_differ"] == ["32"]
    assert audit_verify().ok


def test_two_disagreeing_reviews_wait_for_an_editor(double, bob, dora):
    claim = at(double, 6)
    review(claim, bob, "corroborated", f31="supports", f32="supports")

    outcome = review(claim, dora, "refuted", "The count is wrong.", f31="refutes")

    claim.refresh_from_db()
    assert outcome.step == ReviewStep.ADJUDICATION and outcome.decision is None
    assert claim.verdict == "unreviewed" and not Decision.objects.exists()
    assert list(adjudication_queue()) == [claim]
    # Nobody's queue serves it any more, not even a third reviewer's.
    third = member("tom", REVIEWERS)
    for reviewer in (bob, dora, third):
        assert claim not in review_queue(reviewer=reviewer)
    assert audit_verify().ok


def test_a_reviewer_never_reviews_a_claim_twice_in_a_round(double, bob):
    claim = at(double, 6)
    review(claim, bob, "corroborated", f31="supports", f32="supports")
    before = reviews_state()

    with pytest.raises(ValidationError, match="second review must be someone else"):
        review(claim, bob, "corroborated", f31="supports", f32="supports")

    assert reviews_state() == before
    assert claim not in review_queue(reviewer=bob)


def test_the_queue_serves_a_reviewed_claim_to_the_other_reviewers_only(double, bob, dora):
    claim = at(double, 6)
    review(claim, bob, "corroborated", f31="supports", f32="supports")

    assert claim in review_queue(reviewer=dora)
    assert claim not in review_queue(reviewer=bob)
    assert claim in review_queue()  # the dashboard still counts it as waiting


def test_a_third_review_is_refused_while_two_wait_for_an_editor(double, bob, dora):
    claim = at(double, 6)
    review(claim, bob, "corroborated", f31="supports", f32="supports")
    review(claim, dora, "refuted", "No.", f31="refutes")
    before = reviews_state()

    with pytest.raises(ValidationError, match="waits for an editor"):
        review(claim, member("tom", REVIEWERS), "disputed", "Unclear.")

    assert reviews_state() == before


def test_a_review_needs_a_verdict_and_the_usual_rationale(double, bob):
    claim = at(double, 6)
    before = reviews_state()

    with pytest.raises(ValidationError, match="A review gives a verdict"):
        review(claim, bob, "unreviewed")
    with pytest.raises(ValidationError, match="A rationale is required to mark a claim refuted"):
        review(claim, bob, "refuted")

    assert reviews_state() == before


def test_a_review_of_a_stale_version_is_refused(double, bob, alice):
    claim = at(double, 6)
    citation_confirm(citation=claim.citations.get(source__label="31"), actor=alice, version=1)
    before = reviews_state()

    with pytest.raises(StaleVersion, match="confirmed footnote"):
        claim_decide(claim=claim, actor=bob, verdict="disputed", version=1, rationale="Hm.")

    assert reviews_state() == before


def test_a_locked_claim_takes_no_review_and_reopening_keeps_its_round(double, bob, dora, alice):
    claim = at(double, 6)
    first = review(claim, bob, "corroborated", f31="supports", f32="supports").review
    claim_lock(claim=claim, actor=alice, reason="Checking the figures.")

    with pytest.raises(ValidationError, match="locked"):
        review(claim, dora, "corroborated", f31="supports", f32="supports")

    claim_reopen(claim=claim, actor=alice, reason="Checked.")
    assert review_round(claim) == [first]
    outcome = review(claim, dora, "corroborated", f31="supports", f32="supports")
    assert outcome.step == ReviewStep.AGREED


def test_confirming_a_footnote_after_the_first_review_keeps_the_round(double, bob, dora):
    claim = at(double, 6)  # [31][32] lead the line: both await an attribution check
    first = review(claim, bob, "corroborated", f31="supports", f32="supports").review

    citation_confirm(citation=claim.citations.get(source__label="31"), actor=dora, version=1)

    claim.refresh_from_db()
    assert review_round(claim) == [first]
    assert review(claim, dora, "corroborated", f31="supports", f32="supports").decision


def test_a_footnote_moved_away_after_the_first_review_restarts_the_reviews(double, bob, dora):
    claim = at(double, 6)
    first = review(claim, bob, "corroborated", f31="supports", f32="supports").review

    citation_move(citation=claim.citations.get(source__label="31"), actor=dora, version=1)

    claim.refresh_from_db()
    assert review_round(claim) == []
    assert claim in review_queue(reviewer=bob)  # bob may review the changed claim again
    outcome = review(claim, dora, "corroborated", f32="supports")
    assert outcome.step == ReviewStep.WAITING and outcome.review.pairs_with is None
    assert Review.objects.get(pk=first.pk).verdict == "corroborated"  # kept, counts no more
    # The first review stays blind: no decision followed it and it met no second.
    assert first not in Review.objects.visible()


def test_a_footnote_detached_or_received_restarts_the_reviews(double, bob, dora, alice):
    claim, earlier = at(double, 6), at(double, 5)
    review(claim, bob, "corroborated", f31="supports", f32="supports")
    citation_detach(citation=claim.citations.get(source__label="32"), actor=alice, version=1)
    claim.refresh_from_db()
    assert review_round(claim) == []

    second = review(claim, bob, "corroborated", f31="supports").review
    dora_review = review(earlier, dora, "disputed", "Unclear.").review
    citation_move(citation=claim.citations.get(source__label="31"), actor=alice, to_claim=earlier)

    claim.refresh_from_db()
    earlier.refresh_from_db()
    assert review_round(claim) == []  # a footnote left it
    assert review_round(earlier) == []  # a footnote arrived
    # A review stands on the footnotes it saw: once they are exactly those again, it counts.
    citation_move(citation=earlier.citations.get(source__label="31"), actor=alice, to_claim=claim)
    claim.refresh_from_db()
    earlier.refresh_from_db()
    assert review_round(claim) == [second]
    assert review_round(earlier) == [dora_review]


def test_a_decided_claim_keeps_its_verdict_until_two_reviews_settle_it_again(double, bob, dora):
    claim = at(double, 6)
    review(claim, bob, "corroborated", f31="supports", f32="supports")
    settled = review(claim, dora, "corroborated", f31="supports", f32="supports").decision

    outcome = review(claim, bob, "disputed", "A newer report doubts it.", f32="disputes")

    claim.refresh_from_db()
    assert outcome.review.follows == settled
    assert (claim.verdict, claim.last_decision) == ("corroborated", settled)
    final = review(claim, dora, "disputed", "Indeed.", f32="disputes").decision
    claim.refresh_from_db()
    assert (final.verdict_from, final.verdict_to, claim.verdict) == (
        "corroborated",
        "disputed",
        "disputed",
    )
    # The kept stance of [31] is part of both reviews, and of the decision.
    assert {a.citation.source.label: a.stance for a in final.assessments.all()} == {
        "31": "supports",
        "32": "disputes",
    }
    assert audit_verify().ok


def test_two_reviews_can_settle_a_claim_needing_re_review(double, bob, dora, alice):
    claim = at(double, 6)
    review(claim, bob, "corroborated", f31="supports", f32="supports")
    review(claim, dora, "corroborated", f31="supports", f32="supports")
    claim.refresh_from_db()
    citation_detach(
        citation=claim.citations.get(source__label="32"), actor=alice, version=claim.version
    )
    claim.refresh_from_db()
    assert claim.needs_rereview and claim in review_queue(reviewer=bob)

    review(claim, bob, "corroborated", f31="supports")
    review(claim, dora, "corroborated", f31="supports")

    claim.refresh_from_db()
    assert not claim.needs_rereview and claim.last_decision.kind == "agreement"


# --- Adjudication ------------------------------------------------------------------------------


@pytest.fixture
def disagreement(double, bob, dora) -> Claim:
    claim = at(double, 6)
    review(claim, bob, "corroborated", "Both sources say so.", f31="supports", f32="supports")
    review(claim, dora, "refuted", "The figure is wrong.", f31="refutes", f32="supports")
    claim.refresh_from_db()
    return claim


def test_an_editor_adjudicates_with_a_rationale_and_the_decision_names_both_reviews(
    disagreement, alice
):
    first, second = Review.objects.order_by("id")
    citations = {c.source.label: c.pk for c in disagreement.citations.all()}

    decision = claim_adjudicate(
        claim=disagreement,
        actor=alice,
        verdict="disputed",
        version=disagreement.version,
        rationale="The sources disagree on the figure.",
        assessments={citations["31"]: AssessmentInput("disputes")},
    )

    disagreement.refresh_from_db()
    assert disagreement.verdict == "disputed" and disagreement.last_decision == decision
    assert (decision.kind, decision.first_review, decision.second_review) == (
        "adjudication",
        first,
        second,
    )
    assert decision.actor == alice
    event = last_event()
    assert (event.after["kind"], event.after["reviews"]) == ("adjudication", [first.pk, second.pk])
    assert event.reason == "The sources disagree on the figure."
    assert not adjudication_queue().exists()
    assert audit_verify().ok


def test_an_adjudication_is_refused_without_a_rationale_by_a_reviewer_or_without_a_dispute(
    disagreement, alice, bob, seed
):
    before = reviews_state()
    eve_reviewer = member("eve", EDITORS)
    args = {"claim": disagreement, "verdict": "disputed", "version": disagreement.version}

    with pytest.raises(ValidationError, match="always needs a rationale"):
        claim_adjudicate(actor=alice, rationale=" ", **args)
    with pytest.raises(PermissionDenied):
        claim_adjudicate(actor=bob, rationale="I know best.", **args)
    with pytest.raises(ValidationError, match="There is|no two disagreeing"):
        claim_adjudicate(
            actor=alice, rationale="x", claim=at(seed, 8), verdict="disputed", version=1
        )
    assert reviews_state() == before
    # An editor who wrote one of the reviews does not judge between them.
    claim = at(seed, 8)
    review(claim, eve_reviewer, "corroborated", f3="supports")
    review(claim, member("fay", REVIEWERS), "refuted", "No.", f3="refutes")
    claim.refresh_from_db()
    with pytest.raises(ValidationError, match="another editor"):
        claim_adjudicate(
            claim=claim, actor=eve_reviewer, verdict="refuted", version=claim.version, rationale="x"
        )


def test_an_adjudication_of_a_stale_version_is_refused(disagreement, alice, eve):
    seen = disagreement.version
    citation_confirm(
        citation=disagreement.citations.get(source__label="31"), actor=eve, version=seen
    )

    with pytest.raises(StaleVersion, match="eve confirmed footnote"):
        claim_adjudicate(
            claim=disagreement, actor=alice, verdict="refuted", version=seen, rationale="No."
        )

    assert not Decision.objects.exists()
    assert list(adjudication_queue()) == [disagreement]  # confirming changed no footnote


def test_a_footnote_change_during_adjudication_sends_the_claim_back_to_the_reviewers(
    disagreement, alice, bob
):
    citation_detach(
        citation=disagreement.citations.get(source__label="32"),
        actor=alice,
        version=disagreement.version,
    )

    assert not adjudication_queue().exists()
    assert disagreement in review_queue(reviewer=bob)


# --- Modes -------------------------------------------------------------------------------------


def test_single_review_is_the_default_and_decides_at_once(seed, bob):
    claim = at(seed, 8)

    decision = claim_decide(
        claim=claim, actor=bob, verdict="corroborated", version=1, rationale="x"
    )

    assert isinstance(decision, Decision) and decision.kind == "decision"
    assert not Review.objects.exists()
    assert "kind" not in last_event().after


def test_a_document_policy_overrides_the_setting_both_ways(seed, settings, bob):
    admin = member("ada", ADMINS)
    assert double_review_of(seed.pk) is False

    document_set_review_mode(document=seed, actor=admin, double_review=True, reason="Pilot.")

    assert double_review_of(seed.pk) is True
    outcome = claim_decide(
        claim=at(seed, 8), actor=bob, verdict="corroborated", version=1, rationale="Seen."
    )
    assert isinstance(outcome, ReviewOutcome)
    event = last_event()
    assert (event.action, event.object_type) == ("claim.review", "claims.claim")
    settings.WORKBENCH_DOUBLE_REVIEW = True
    document_set_review_mode(document=seed, actor=admin, double_review=False, reason="Done.")
    assert double_review_of(seed.pk) is False
    event = last_event()
    assert (event.action, event.before, event.after, event.reason) == (
        "document.review_mode",
        {"double_review": True},
        {"double_review": False},
        "Done.",
    )
    assert ReviewPolicy.objects.get().double_review is False


def test_only_admins_set_a_review_mode_and_always_with_a_reason(seed, alice):
    with pytest.raises(PermissionDenied):
        document_set_review_mode(document=seed, actor=alice, double_review=True, reason="x")
    with pytest.raises(ValidationError, match="Give a reason"):
        document_set_review_mode(
            document=seed, actor=member("ada", ADMINS), double_review=True, reason=" "
        )
    assert not ReviewPolicy.objects.exists()


# --- Integrity ---------------------------------------------------------------------------------


def test_reviews_are_append_only_in_the_database(disagreement):
    for table in ("claims_review", "claims_reviewassessment"):
        for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
                cur.execute(statement)
    assert Review.objects.count() == 2
