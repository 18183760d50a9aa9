"""claim_publish, claim_unpublish, document_publish and document_unpublish, and what is public."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims.models import Claim, Stance, Verdict
from claims.publish.selectors import public_review
from claims.services import (
    AssessmentInput,
    StaleVersion,
    citation_detach,
    citation_move,
    claim_decide,
    claim_lock,
    claim_publish,
    claim_unpublish,
    claim_withdraw,
    document_publish,
    document_unpublish,
)
from workbench.audit import audit_verify
from workbench.models import AuditEvent


def line(seed, number: int) -> Claim:
    return Claim.objects.get(document=seed, line=number)


def decide(claim: Claim, actor, verdict: str, stance: str | None = None, **extra) -> Claim:
    """Decide `claim` (every attached footnote given `stance`, if any); return it refreshed."""
    claim.refresh_from_db()
    assessments = (
        {
            c.pk: AssessmentInput(stance, quote=f"quote for {verdict}")
            for c in claim.citations.attached()
        }
        if stance
        else None
    )
    claim_decide(
        claim=claim,
        actor=actor,
        verdict=verdict,
        version=claim.version,
        rationale=extra.pop("rationale", f"Checked: {verdict}."),
        assessments=assessments,
        **extra,
    )
    claim.refresh_from_db()
    return claim


def publish(claim: Claim, actor, **extra) -> Claim:
    claim.refresh_from_db()
    return claim_publish(claim=claim, actor=actor, version=claim.version, **extra)


def events(claim: Claim, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_id=str(claim.pk), action=action).order_by("id"))


def test_an_editor_publishes_the_latest_decision_audited(seed, alice, bob):
    claim = decide(line(seed, 27), bob, Verdict.REFUTED, Stance.REFUTES)
    seen = claim.version

    published = publish(claim, alice, reason="Checked twice.")

    assert published.published_decision_id == claim.last_decision_id
    assert published.published_at is not None
    assert published.version == seen + 1
    (event,) = events(claim, "claim.publish")
    assert event.actor == alice
    assert event.reason == "Checked twice."
    assert event.before["published_decision_id"] is None
    assert event.after["published_decision_id"] == claim.last_decision_id
    assert audit_verify().ok
    review = public_review(claim.pk)
    assert review is not None and review.verdict == Verdict.REFUTED


def test_reviewers_and_viewers_may_not_publish(seed, bob, charlie):
    claim = decide(line(seed, 27), bob, Verdict.REFUTED, Stance.REFUTES)

    for user in (bob, charlie):
        with pytest.raises(PermissionDenied):
            publish(claim, user)
    claim.refresh_from_db()
    assert claim.published_decision_id is None
    assert events(claim, "claim.publish") == []


def test_publishing_from_a_stale_version_is_refused(seed, alice, bob):
    claim = decide(line(seed, 27), bob, Verdict.REFUTED, Stance.REFUTES)
    seen = claim.version
    decide(claim, bob, Verdict.DISPUTED, Stance.DISPUTES)  # someone decides again meanwhile

    with pytest.raises(StaleVersion) as caught:
        claim_publish(claim=claim, actor=alice, version=seen)

    assert "bob" in str(caught.value)
    claim.refresh_from_db()
    assert claim.published_decision_id is None


@pytest.mark.parametrize("state", ["unreviewed", "withdrawn", "rereview"])
def test_a_claim_without_a_standing_verdict_cannot_be_published(seed, alice, bob, state):
    claim = line(seed, 6)
    if state != "unreviewed":
        claim = decide(claim, bob, Verdict.CORROBORATED, Stance.SUPPORTS)
    if state == "withdrawn":
        claim_withdraw(claim=claim, actor=_admin(bob), reason="Gone.")
    elif state == "rereview":
        citation_detach(citation=claim.citations.order_by("order").first(), actor=bob)

    with pytest.raises(ValidationError):
        publish(claim, alice)
    assert events(claim, "claim.publish") == []


def test_publishing_the_same_decision_twice_is_refused(seed, alice, bob):
    claim = decide(line(seed, 27), bob, Verdict.REFUTED, Stance.REFUTES)
    publish(claim, alice)

    with pytest.raises(ValidationError, match="already published"):
        publish(claim, alice)


def test_a_locked_claim_may_be_published(seed, alice, bob):
    claim = decide(line(seed, 27), bob, Verdict.REFUTED, Stance.REFUTES)
    claim_lock(claim=claim, actor=alice, reason="Settled.", version=claim.version)

    assert publish(claim, alice).published_decision_id == claim.last_decision_id


def test_a_newer_decision_changes_nothing_public_until_published_again(seed, alice, bob):
    claim = decide(line(seed, 27), bob, Verdict.REFUTED, Stance.REFUTES, rationale="First look.")
    first = claim.last_decision_id
    publish(claim, alice)

    decide(claim, bob, Verdict.CORROBORATED, Stance.SUPPORTS, rationale="Second look.")

    review = public_review(claim.pk)
    assert review.decision.id == first
    assert (review.verdict, review.decision.rationale) == (Verdict.REFUTED, "First look.")
    # The stances shown are those recorded up to the published decision, not the newer ones.
    assert {source.stance for source in review.sources} == {Stance.REFUTES}
    assert {source.assessment.quote for source in review.sources} == {"quote for refuted"}

    publish(claim, alice)
    review = public_review(claim.pk)
    assert (review.verdict, review.decision.rationale) == (Verdict.CORROBORATED, "Second look.")
    assert {source.stance for source in review.sources} == {Stance.SUPPORTS}


def test_an_unpublished_claim_is_not_public_and_the_change_is_audited(seed, alice, bob):
    claim = decide(line(seed, 27), bob, Verdict.REFUTED, Stance.REFUTES)
    publish(claim, alice)
    claim.refresh_from_db()

    claim_unpublish(claim=claim, actor=alice, version=claim.version, reason="Taken down.")

    assert public_review(claim.pk) is None
    claim.refresh_from_db()
    assert (claim.published_decision_id, claim.published_at) == (None, None)
    (event,) = events(claim, "claim.unpublish")
    assert event.reason == "Taken down."
    with pytest.raises(ValidationError, match="not published"):
        claim_unpublish(claim=claim, actor=alice, version=claim.version)


def test_a_withdrawn_claim_is_not_public(seed, alice, bob):
    claim = decide(line(seed, 27), bob, Verdict.REFUTED, Stance.REFUTES)
    publish(claim, alice)

    claim_withdraw(claim=claim, actor=_admin(bob), reason="Gone from the article.")

    assert public_review(claim.pk) is None


def test_changed_footnotes_take_the_page_down_until_decided_and_published_again(seed, alice, bob):
    five = decide(line(seed, 5), bob, Verdict.CORROBORATED, Stance.SUPPORTS)
    publish(five, alice)
    assert public_review(five.pk) is not None
    six = line(seed, 6)  # its leading footnote [31] closed line 5's sentence in the article

    citation_move(citation=six.citations.get(source__label="31"), actor=bob)

    five.refresh_from_db()
    assert five.needs_rereview and public_review(five.pk) is None
    decide(five, bob, Verdict.CORROBORATED, Stance.SUPPORTS)
    five.refresh_from_db()
    assert not five.needs_rereview
    # Decided again, but the public review stood on the footnotes it had: still down.
    assert public_review(five.pk) is None
    publish(five, alice)
    assert [s.source.label for s in public_review(five.pk).sources] == ["24", "31"]


def test_an_editor_publishes_a_whole_document(seed, alice, bob):
    decided = [
        decide(line(seed, 27), bob, Verdict.REFUTED, Stance.REFUTES),
        decide(line(seed, 15), bob, Verdict.CORROBORATED, Stance.SUPPORTS),
        decide(line(seed, 1), bob, Verdict.DISPUTED),
    ]
    flagged = decide(line(seed, 6), bob, Verdict.CORROBORATED, Stance.SUPPORTS)
    citation_detach(citation=flagged.citations.order_by("order").first(), actor=bob)
    already = decide(line(seed, 16), bob, Verdict.CORROBORATED, Stance.SUPPORTS)
    publish(already, alice)

    ids = document_publish(document=seed, actor=alice, reason="Batch.")

    assert sorted(ids) == sorted(c.pk for c in decided)
    for claim in decided:
        assert public_review(claim.pk) is not None
        (event,) = events(claim, "claim.publish")
        assert event.reason == "Batch." and event.actor == alice
    assert public_review(flagged.pk) is None  # needs re-review: left out
    assert len(events(already, "claim.publish")) == 1  # unchanged: left alone
    assert line(seed, 3).published_decision_id is None  # unreviewed
    assert audit_verify().ok
    assert document_publish(document=seed, actor=alice) == []


def test_document_publish_bumps_each_version(seed, alice, bob):
    claim = decide(line(seed, 27), bob, Verdict.REFUTED, Stance.REFUTES)
    seen = claim.version

    document_publish(document=seed, actor=alice)

    claim.refresh_from_db()
    assert claim.version == seen + 1


def test_an_editor_unpublishes_a_whole_document(seed, alice, bob):
    for number in (27, 15):
        decide(line(seed, number), bob, Verdict.CORROBORATED, Stance.SUPPORTS)
    document_publish(document=seed, actor=alice)

    ids = document_unpublish(document=seed, actor=alice, reason="Withdrawn for review.")

    assert len(ids) == 2
    assert all(public_review(pk) is None for pk in ids)
    assert [e.reason for e in AuditEvent.objects.filter(action="claim.unpublish")] == [
        "Withdrawn for review."
    ] * 2
    assert audit_verify().ok


def test_only_editors_publish_documents(seed, bob):
    with pytest.raises(PermissionDenied):
        document_publish(document=seed, actor=bob)
    with pytest.raises(PermissionDenied):
        document_unpublish(document=seed, actor=bob)


def _admin(user):
    return type(user).objects.create_superuser("root", "root@example.org", "x")
