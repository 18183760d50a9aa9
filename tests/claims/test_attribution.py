"""Footnote changes on a decided claim mark it for re-review until someone decides again."""

import pytest

from claims.exports import claims_csv, fever_jsonl
from claims.models import Claim, Verdict
from claims.selectors import claim_list, review_queue
from claims.services import (
    AssessmentInput,
    StaleVersion,
    citation_detach,
    citation_move,
    claim_decide,
)


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
