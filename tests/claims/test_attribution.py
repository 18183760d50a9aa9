"""The attribution services (claims/services/attribution.py): confirm, move and detach a footnote.

Each happy path and refusal, and how footnote changes on a decided claim mark it for re-review
until someone decides again.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims.exports import claims_csv, fever_jsonl
from claims.models import Attribution, Claim, Verdict
from claims.selectors import claim_list, review_queue
from claims.services import (
    AssessmentInput,
    StaleVersion,
    citation_confirm,
    citation_detach,
    citation_move,
    claim_decide,
    claim_lock,
)
from tests.claims.support import at, last_event, state
from tests.factories import CitationFactory, ClaimFactory
from workbench.models import AuditEvent


def _line(seed, n: int) -> Claim:
    return seed.claims.get(line=n)


@pytest.fixture
def decided_two(seed, bob):
    """Claim 2 corroborated on "[19] supports"; claim 1 corroborated with no footnote."""
    one, two = _line(seed, 1), _line(seed, 2)
    citation = two.citations.get(source__label="19")
    claim_decide(
        claim=two,
        actor=bob,
        verdict=Verdict.CORROBORATED,
        version=1,
        assessments={citation.pk: AssessmentInput(stance="supports")},
    )
    claim_decide(
        claim=one, actor=bob, verdict=Verdict.CORROBORATED, version=1, rationale="No footnote."
    )
    return one, two, citation


def test_moving_a_footnote_off_and_onto_decided_claims_marks_both(decided_two, bob):
    one, two, citation = decided_two
    citation_move(citation=citation, actor=bob, version=2)
    one.refresh_from_db()
    two.refresh_from_db()

    assert one.needs_rereview and two.needs_rereview
    assert one.verdict == two.verdict == Verdict.CORROBORATED  # the verdict stands, flagged
    citation.refresh_from_db()
    assert citation.claim_id == one.pk and citation.assessment is None
    # The assessment stays with the claim it was made on.
    assert two.decisions.get().assessments.get().citation_id == citation.pk


def test_a_flagged_claim_is_in_the_queue_the_filter_and_the_csv(decided_two, bob):
    one, two, citation = decided_two
    citation_move(citation=citation, actor=bob, version=2)

    assert set(review_queue().filter(pk__in=[one.pk, two.pk])) == {one, two}
    flagged = claim_list(filters={"rereview": "true"})
    assert set(flagged.values_list("line", flat=True)) == {1, 2}
    rows = "".join(claims_csv(Claim.objects.filter(pk=two.pk))).splitlines()
    assert rows[0].endswith(",needs_rereview") and rows[1].endswith(",true")
    # No published verdict stands on evidence that changed.
    assert "".join(fever_jsonl(Claim.objects.filter(pk__in=[one.pk, two.pk]))) == ""


def test_deciding_again_clears_the_flag(decided_two, bob):
    one, two, citation = decided_two
    citation_move(citation=citation, actor=bob, version=2)
    two.refresh_from_db()
    claim_decide(
        claim=two, actor=bob, verdict=Verdict.DISPUTED, version=two.version, rationale="Gone."
    )
    two.refresh_from_db()
    assert not two.needs_rereview


def test_detaching_marks_a_decided_claim_and_leaves_an_undecided_one_alone(seed, bob, decided_two):
    _, two, citation = decided_two
    six = _line(seed, 6)

    citation_detach(citation=citation, actor=bob, version=2)
    citation_detach(citation=six.citations.get(source__label="31"), actor=bob, version=1)

    two.refresh_from_db()
    six.refresh_from_db()
    assert two.needs_rereview
    assert not six.needs_rereview  # nothing was decided on it


def test_a_footnote_action_on_a_version_not_seen_is_stale(decided_two, bob):
    one, two, citation = decided_two
    with pytest.raises(StaleVersion):
        citation_detach(citation=citation, actor=bob, version=1)


def test_the_claim_page_says_so_and_its_claimreview_is_withdrawn(client, decided_two, bob):
    one, two, citation = decided_two
    client.force_login(bob)
    assert client.get(f"/claims/{two.pk}/claimreview.json").status_code == 200
    citation_move(citation=citation, actor=bob, version=2)

    html = client.get(f"/claims/{two.pk}/").content.decode()
    assert "needs re-review" in html
    assert "its verdict stands on evidence that changed" in html
    assert client.get(f"/claims/{two.pk}/claimreview.json").status_code == 404


# --- confirm, move, detach, and their refusals ------------------------------------------------


def test_confirming_every_leading_citation_clears_the_attribution_check(seed, bob):
    claim = at(seed, 6)
    first, second = claim.citations.order_by("order")

    citation_confirm(citation=first, actor=bob)
    assert Claim.objects.attribution_pending().filter(pk=claim.pk).exists()
    citation_confirm(citation=second, actor=bob, reason="Both back the covert mobilization.")

    assert not Claim.objects.attribution_pending().filter(pk=claim.pk).exists()
    event = last_event()
    assert (event.action, event.actor, event.object_id) == ("citation.confirm", bob, str(claim.pk))
    assert event.before == {"label": "32", "attribution": "as_printed", "needs_rereview": False}
    assert event.after["attribution"] == "confirmed"
    assert event.reason == "Both back the covert mobilization."
    claim.refresh_from_db()
    assert claim.version == 3  # each settlement is a change a reviewer must see


def test_moving_a_leading_citation_gives_it_to_the_claim_before(seed, bob):
    claim, previous = at(seed, 2), at(seed, 1)
    citation = claim.citations.get()

    citation_move(citation=citation, actor=bob, reason="It closed line 1's sentence.")

    citation.refresh_from_db()
    assert citation.claim == previous
    assert citation.attribution == Attribution.MOVED
    assert not Claim.objects.attribution_pending().filter(pk=claim.pk).exists()
    assert [c.source.label for c in previous.citations.all()] == ["19"]
    moved, received = AuditEvent.objects.order_by("-id")[:2][::-1]
    assert (moved.action, moved.object_id) == ("citation.move", str(claim.pk))
    assert (received.action, received.object_id) == ("citation.receive", str(previous.pk))
    assert moved.before["claim"] == claim.pk and moved.after["claim"] == previous.pk


def test_a_citation_can_move_to_another_claim_of_the_same_document_only(seed, bob):
    citation = at(seed, 6).citations.order_by("order").first()
    target = at(seed, 3)

    citation_move(citation=citation, actor=bob, to_claim=target)

    citation.refresh_from_db()
    assert citation.claim == target
    elsewhere = ClaimFactory()
    before = state()
    with pytest.raises(ValidationError, match="same document"):
        citation_move(citation=citation, actor=bob, to_claim=elsewhere)
    assert state() == before


def test_the_first_claim_has_no_claim_before_to_move_to(db, bob):
    citation = CitationFactory(claim=ClaimFactory(line=1), position="leading")

    with pytest.raises(ValidationError, match="no claim before"):
        citation_move(citation=citation, actor=bob)


def test_detaching_keeps_the_citation_and_drops_it_from_the_suggestion(seed, bob):
    claim = at(seed, 8)
    citation = claim.citations.get()

    citation_detach(citation=citation, actor=bob, reason="Closes a sentence cut from the seed.")

    citation.refresh_from_db()
    assert citation.attribution == Attribution.DETACHED
    assert last_event().action == "citation.detach"
    assert not claim.citations.attached().exists()


def test_settling_twice_is_refused(seed, bob):
    citation = at(seed, 8).citations.get()
    citation_confirm(citation=citation, actor=bob)
    before = state()

    with pytest.raises(ValidationError, match="already confirmed"):
        citation_confirm(citation=citation, actor=bob)

    assert state() == before


@pytest.mark.parametrize("service", [citation_confirm, citation_detach, citation_move])
def test_a_viewer_cannot_settle_attribution(seed, charlie, service):
    before = state()

    with pytest.raises(PermissionDenied):
        service(citation=at(seed, 8).citations.get(), actor=charlie)

    assert state() == before


def test_settling_attribution_on_a_locked_claim_is_refused(seed, alice):
    claim = at(seed, 8)
    claim_lock(claim=claim, actor=alice, reason="Frozen.")
    before = state()

    with pytest.raises(ValidationError, match="is locked"):
        citation_confirm(citation=claim.citations.get(), actor=alice)

    assert state() == before
