"""The review queue as a team works it: holds, skips, attribution work, position, assignment.

claims/services/queue.py hands out claims; /review/next/ shows them. The PostgreSQL race of
sixteen reviewers is tests/claims/test_queue_concurrency.py.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import QueueHold, QueueSkip, Verdict
from claims.selectors import ATTRIBUTION_WORK, QueueScope, queue_position
from claims.services import (
    AssessmentInput,
    citation_confirm,
    claim_assign,
    claim_decide,
    claim_skip,
    queue_take,
)
from claims.services.queue import HOLD
from tests.claims.support import at
from tests.conftest import member
from workbench.actions import AuditAction
from workbench.models import AuditEvent
from workbench.roles import REVIEWERS

URL = reverse("claims:review-next")


@pytest.fixture
def dora(db):
    """A second reviewer."""
    return member("dora", REVIEWERS)


# --- holds: the queue spreads reviewers ------------------------------------------------------


def test_a_claim_opened_from_the_queue_is_held_and_the_next_reviewer_gets_the_next(seed, bob, dora):
    first = queue_take(user=bob).claim
    second = queue_take(user=dora).claim

    assert first == at(seed, 1) and second == at(seed, 2)
    hold = QueueHold.objects.get(claim=first)
    assert hold.reviewer == bob
    assert hold.until - timezone.now() > HOLD - datetime.timedelta(minutes=1)


def test_reopening_the_queue_gives_a_reviewer_the_claim_they_hold(seed, bob, dora):
    mine = queue_take(user=bob).claim
    queue_take(user=dora)

    assert queue_take(user=bob).claim == mine


def test_taking_the_next_claim_lets_the_last_one_go(seed, bob, dora):
    one = queue_take(user=bob).claim
    two = queue_take(user=bob, after=one.pk).claim

    assert two == at(seed, 2)
    assert list(QueueHold.objects.filter(reviewer=bob).values_list("claim", flat=True)) == [two.pk]
    assert queue_take(user=dora).claim == one  # free again


def test_a_lapsed_hold_frees_the_claim(seed, bob, dora):
    one = queue_take(user=bob).claim
    QueueHold.objects.filter(claim=one).update(until=timezone.now() - datetime.timedelta(1))

    assert queue_take(user=dora).claim == one
    assert QueueHold.objects.get(claim=one).reviewer == dora


def test_a_viewer_browses_the_queue_without_holding_anything(seed, charlie, bob):
    assert queue_take(user=charlie).claim == at(seed, 1)
    assert not QueueHold.objects.exists()
    assert queue_take(user=bob).claim == at(seed, 1)


def test_at_shows_the_claim_while_it_is_free_and_the_next_one_once_another_holds_it(
    seed, bob, dora
):
    five = at(seed, 5)
    assert queue_take(user=dora, at=five.pk).claim == five
    assert queue_take(user=bob, at=five.pk).claim == at(seed, 6)


# --- attribution work ------------------------------------------------------------------------


def _decide(claim, user, assessments=None):
    claim.refresh_from_db()
    return claim_decide(
        claim=claim,
        actor=user,
        verdict=Verdict.CORROBORATED,
        version=claim.version,
        rationale="Checked.",
        assessments=assessments,
    )


def test_a_decided_claim_awaiting_only_an_attribution_check_leaves_the_review_queue(seed, bob):
    two = at(seed, 2)  # "[19] On 19 February 2022…": a leading footnote to settle
    citation = two.citations.get()
    _decide(two, bob, {citation.pk: AssessmentInput("supports")})

    # The head of the review queue is line 1 again, then line 3: never line 2.
    handed = [queue_take(user=bob).claim]
    handed.append(queue_take(user=bob, after=handed[0].pk).claim)
    assert handed == [at(seed, 1), at(seed, 3)]
    attribution = queue_take(user=bob, scope=QueueScope(work=ATTRIBUTION_WORK)).claim
    assert attribution == two

    citation_confirm(citation=citation, actor=bob)
    nothing = queue_take(user=bob, scope=QueueScope(work=ATTRIBUTION_WORK), at=two.pk)
    assert nothing.claim != two


def test_a_claim_needing_re_review_is_review_work_again(seed, bob):
    one = at(seed, 1)
    _decide(one, bob)
    one.refresh_from_db()
    assert queue_take(user=bob).claim != one
    type(one).objects.filter(pk=one.pk).update(needs_rereview=True)
    assert queue_take(user=bob, at=one.pk).claim == one


# --- skips -----------------------------------------------------------------------------------


def test_a_skipped_claim_goes_to_the_back_of_my_queue_only(seed, bob, dora):
    one = at(seed, 1)
    skip = claim_skip(claim=one, actor=bob, reason="language")

    assert skip.get_reason_display() == "Not in my language"
    assert queue_take(user=bob).claim == at(seed, 2)
    assert queue_take(user=dora).claim == one  # others still get it first
    event = AuditEvent.objects.get(action=AuditAction.CLAIM_SKIP)
    assert (event.actor, event.object_id, event.reason) == (bob, str(one.pk), "Not in my language")


def test_the_back_of_the_queue_comes_after_the_last_claim(seed, bob):
    one = at(seed, 1)
    claim_skip(claim=one, actor=bob, reason="expert")
    last = at(seed, 30)

    assert queue_take(user=bob, after=last.pk).claim == one
    # …and from it, "previous" leads back into the main pass, to the last claim.
    assert queue_take(user=bob, before=one.pk).claim == last


def test_a_skip_needs_one_of_the_reasons(seed, bob):
    with pytest.raises(Exception, match="Choose why"):
        claim_skip(claim=at(seed, 1), actor=bob, reason="bored")
    assert not QueueSkip.objects.exists()


def test_others_see_why_a_claim_was_skipped(client, seed, bob, dora):
    one = at(seed, 1)
    claim_skip(claim=one, actor=bob, reason="unreachable")
    client.force_login(dora)

    html = client.get(URL).content.decode()

    assert "Skipped by bob" in html and "source unreachable" in html


def test_the_skip_view_goes_on_to_the_next_claim_and_keeps_the_draft(client, seed, bob):
    one = at(seed, 1)
    client.force_login(bob)
    response = client.post(
        reverse("claims:skip", args=[one.pk]),
        {"skip_reason": "expert", "next": "queue", "rationale": "Half a thought", "version": 1},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?after={one.pk}"
    assert client.get(response["Location"]).context["claim"] == at(seed, 2)
    # Back at the claim (the end of the queue), what was typed is there.
    page = client.get(reverse("claims:detail", args=[one.pk])).content.decode()
    assert "Half a thought" in page


def test_a_skip_without_a_reason_is_refused(client, seed, bob):
    client.force_login(bob)
    one = at(seed, 1)
    response = client.post(reverse("claims:skip", args=[one.pk]), {"next": "queue"})
    assert response.status_code == 400
    assert not QueueSkip.objects.exists()


def test_a_viewer_cannot_skip(client, seed, charlie):
    client.force_login(charlie)
    one = at(seed, 1)
    response = client.post(reverse("claims:skip", args=[one.pk]), {"skip_reason": "expert"})
    assert response.status_code == 403


# --- position and paging ----------------------------------------------------------------------


def test_the_queue_says_where_you_are(client, seed, bob):
    client.force_login(bob)
    three = at(seed, 3)

    html = client.get(f"{URL}?at={three.pk}").content.decode()

    assert "Claim 3 of 30 in this queue" in html
    assert queue_position(user=bob, scope=QueueScope(), claim=three) == (3, 30, False)


def test_the_first_claim_of_the_queue_offers_no_previous(client, seed, bob):
    client.force_login(bob)

    first = client.get(URL)
    second = client.get(f"{URL}?at={at(seed, 2).pk}")

    assert first.context["prev_url"] == "" and "← Previous" not in first.content.decode()
    assert second.context["prev_url"] == f"{URL}?before={at(seed, 2).pk}"


def test_a_skipped_claim_counts_at_the_back(seed, bob):
    one = at(seed, 1)
    claim_skip(claim=one, actor=bob, reason="expert")

    assert queue_position(user=bob, scope=QueueScope(), claim=one) == (30, 30, False)
    assert queue_position(user=bob, scope=QueueScope(), claim=at(seed, 2))[0] == 1


def test_an_unknown_document_is_refused_by_name_not_called_done(client, seed, bob):
    client.force_login(bob)
    response = client.get(f"{URL}?document=no-such.txt")
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is no document of that name." in html
    assert "every claim is decided" not in html


def test_an_empty_queue_says_which_work_is_done_and_links_the_other(client, seed, bob):
    client.force_login(bob)
    html = client.get(f"{URL}?work=attribution&document={seed.name}").content.decode()
    assert "Review queue: Claim" in html  # line 2's leading [19] awaits a check
    for claim in seed.claims.all():
        for citation in claim.citations.filter(position="leading"):
            citation_confirm(citation=citation, actor=bob)
    html = client.get(f"{URL}?work=attribution").content.decode()
    assert "No leading footnote awaits a check" in html
    assert f'href="{URL}"' in html


def test_claims_held_by_others_are_named_as_such_when_none_is_free(client, db, bob, dora):
    from tests.factories import ClaimFactory

    only = ClaimFactory()
    queue_take(user=dora)
    client.force_login(bob)
    html = client.get(URL).content.decode()
    assert only.text not in html
    assert "held by another reviewer" in html


# --- assignment in the queue -----------------------------------------------------------------


def test_an_assigned_claim_goes_to_its_reviewer_alone(seed, alice, bob, dora):
    four = at(seed, 4)
    claim_assign(claim=four, assignee=dora, actor=alice)

    assert queue_take(user=bob, at=four.pk).claim == at(seed, 5)
    assert queue_take(user=dora, at=four.pk).claim == four
    mine = queue_take(user=dora, scope=QueueScope(mine=True))
    assert mine.claim == four
    assert queue_take(user=dora, scope=QueueScope(mine=True), after=four.pk).claim is None


def test_the_assigned_to_me_queue_is_a_link_away(client, seed, alice, bob):
    claim_assign(claim=at(seed, 9), assignee=bob, actor=alice)
    client.force_login(bob)
    response = client.get(f"{URL}?assigned=me")
    assert response.context["claim"] == at(seed, 9)
    assert "assigned to you" in response.content.decode()
    assert 'name="assigned" value="me"' in response.content.decode()
