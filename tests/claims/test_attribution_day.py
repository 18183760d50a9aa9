"""Attribution actions in a reviewer's day: they ask first, keep typed work and can be undone.

The services are tests/claims/test_attribution.py; here, what /claims/<id>/citations/… and
/claims/<id>/undo/ do with what the reviewer typed, where they lead, and the undo service.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims.models import Attribution, Verdict
from claims.services import (
    AssessmentInput,
    StaleVersion,
    citation_detach,
    citation_move,
    citation_undo,
    claim_decide,
)
from tests.claims.support import at, state
from workbench.actions import AuditAction
from workbench.audit import audit_verify
from workbench.models import AuditEvent


def _action_url(claim, citation, action: str) -> str:
    return reverse(f"claims:citation-{action}", args=[claim.pk, citation.pk])


def _draft(claim) -> dict:
    """What a reviewer typed on claim 6's review form before settling its footnote [31]."""
    first, second = claim.citations.order_by("order")
    return {
        "version": claim.version,
        "verdict": "disputed",
        "rationale": "The covert mobilization is reported by one outlet only.",
        f"stance_{first.pk}": "supports",
        f"stance_{second.pk}": "disputes",
        f"quote_{second.pk}": "No such campaign took place.",
    }


# --- asking first ----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["move", "detach"])
def test_move_and_detach_ask_first_and_change_nothing_until_confirmed(client, seed, bob, action):
    six = at(seed, 6)
    citation = six.citations.get(source__label="31")
    client.force_login(bob)
    before = state()

    response = client.post(_action_url(six, citation, action), {"version": six.version})

    assert response.status_code == 200
    html = response.content.decode()
    assert "footnote [31]?" in html.lower()
    if action == "move":
        assert "After Ukrainian counteroffensives" in html  # line 5, where it would go
    assert 'name="confirmed" value="1"' in html and 'name="cancel" value="1"' in html
    assert state() == before


def test_cancel_returns_to_the_claim_with_nothing_changed(client, seed, bob):
    six = at(seed, 6)
    citation = six.citations.get(source__label="31")
    client.force_login(bob)
    before = state()

    response = client.post(
        _action_url(six, citation, "detach"), {"version": six.version, "cancel": "1"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("claims:detail", args=[six.pk])
    assert state() == before


# --- typed work survives, the queue keeps its place ------------------------------------------


def test_an_attribution_action_keeps_what_the_reviewer_typed(client, seed, bob):
    six = at(seed, 6)
    citation = six.citations.get(source__label="31")
    second = six.citations.get(source__label="32")
    client.force_login(bob)

    response = client.post(_action_url(six, citation, "confirm"), _draft(six), follow=True)

    form = response.context["form"]
    assert form["rationale"].value() == "The covert mobilization is reported by one outlet only."
    assert form["verdict"].value() == "disputed"
    assert form[f"stance_{second.pk}"].value() == "disputes"
    assert form[f"quote_{second.pk}"].value() == "No such campaign took place."
    assert form["version"].value() == 2  # the page's version, after the confirmation
    html = response.content.decode()
    assert "data-dirty" in html  # leaving it asks first
    # The suggestion follows the restored stances: one source disputes it.
    assert response.context["suggestion"].verdict == Verdict.DISPUTED
    # Restored once: the next visit shows the claim as stored.
    again = client.get(reverse("claims:detail", args=[six.pk]))
    assert again.context["form"]["rationale"].value() in (None, "")


def test_an_attribution_action_from_the_queue_returns_to_the_same_claim(client, seed, bob):
    nine = at(seed, 9)  # "[62][63] According to Putin's televised address…"
    citation = nine.citations.get(source__label="62")
    client.force_login(bob)
    data = {**_draft_for(nine), "next": "queue", "document": seed.name}

    response = client.post(_action_url(nine, citation, "confirm"), data)

    assert response.status_code == 302
    query = f"?document={seed.name}&at={nine.pk}"
    assert response["Location"] == reverse("claims:review-next") + query
    page = client.get(response["Location"])
    assert page.context["claim"] == nine
    assert page.context["queue"] is True
    assert page.context["form"]["rationale"].value() == "Only the address itself says so."
    assert "Claim 9 of" in page.content.decode()


def _draft_for(claim) -> dict:
    return {"version": claim.version, "rationale": "Only the address itself says so."}


def test_confirm_all_settles_every_leading_footnote_in_one_step(client, seed, bob):
    line = at(seed, 27)  # eight leading footnotes, [174] to [181]
    client.force_login(bob)

    response = client.post(
        reverse("claims:citations-confirm-all", args=[line.pk]),
        {"version": line.version, "reason": "The whole run belongs to the shooting."},
        follow=True,
    )

    html = response.content.decode()
    assert "Footnotes [174][175][176][177][178][179][180][181] confirmed" in html
    assert not line.citations.filter(attribution=Attribution.AS_PRINTED).exists()
    events = AuditEvent.objects.filter(action=AuditAction.CITATION_CONFIRM)
    assert events.count() == 8
    assert {e.reason for e in events} == {"The whole run belongs to the shooting."}
    line.refresh_from_db()
    assert line.version == 9
    assert "Attribution check" not in html


def test_confirm_all_from_a_stale_page_confirms_none(client, seed, bob):
    line = at(seed, 27)
    first = line.citations.order_by("order").first()
    client.force_login(bob)
    client.post(_action_url(line, first, "confirm"), {"version": 1})

    response = client.post(reverse("claims:citations-confirm-all", args=[line.pk]), {"version": 1})

    assert response.status_code == 409
    assert line.citations.filter(attribution=Attribution.CONFIRMED).count() == 1


# --- undo ------------------------------------------------------------------------------------


def test_a_move_is_offered_for_undo_and_undone_with_the_draft_kept(client, seed, bob):
    six, five = at(seed, 6), at(seed, 5)
    citation = six.citations.get(source__label="31")
    client.force_login(bob)
    data = {**_draft(six), "confirmed": "1", "reason": "Closes the sentence before."}

    moved = client.post(_action_url(six, citation, "move"), data, follow=True)

    html = moved.content.decode()
    assert f"Footnote [31] moved from claim {six.pk} to claim {five.pk}." in html
    assert "Undo the move of [31]" in html
    event = AuditEvent.objects.get(action=AuditAction.CITATION_MOVE)
    assert f'name="event" value="{event.pk}"' in html
    six.refresh_from_db()
    undo = {"event": event.pk, "version": six.version, "rationale": "Kept through the undo."}

    response = client.post(reverse("claims:undo", args=[six.pk]), undo, follow=True)

    assert f"Undone: footnote [31] is back on claim {six.pk}" in response.content.decode()
    assert response.context["form"]["rationale"].value() == "Kept through the undo."
    citation.refresh_from_db()
    assert (citation.claim_id, citation.order, citation.attribution) == (
        six.pk,
        0,
        Attribution.AS_PRINTED,
    )
    restores = AuditEvent.objects.filter(action=AuditAction.CITATION_RESTORE)
    assert {e.object_id for e in restores} == {str(six.pk), str(five.pk)}
    assert all(e.after["undoes"] == event.pk for e in restores)
    assert audit_verify().ok
    # The history says so on both claims.
    assert "undid the move of footnote [31]" in response.content.decode()
    page = client.get(reverse("claims:detail", args=[five.pk])).content.decode()
    assert f"sent footnote [31] back to claim {six.pk}" in page


def test_a_detach_is_offered_for_undo(client, seed, bob):
    six = at(seed, 6)
    citation = six.citations.get(source__label="32")
    client.force_login(bob)
    client.post(_action_url(six, citation, "detach"), {"version": 1, "confirmed": "1"})
    event = AuditEvent.objects.get(action=AuditAction.CITATION_DETACH)

    response = client.post(reverse("claims:undo", args=[six.pk]), {"event": event.pk})

    assert response.status_code == 302
    citation.refresh_from_db()
    assert citation.attribution == Attribution.AS_PRINTED


@pytest.fixture
def decided_two(seed, bob):
    """Claim 2 corroborated on "[19] supports"; claim 1 corroborated with no footnote."""
    one, two = at(seed, 1), at(seed, 2)
    citation = two.citations.get(source__label="19")
    claim_decide(
        claim=two,
        actor=bob,
        verdict=Verdict.CORROBORATED,
        version=1,
        assessments={citation.pk: AssessmentInput(stance="supports")},
    )
    claim_decide(claim=one, actor=bob, verdict=Verdict.CORROBORATED, version=1, rationale="x")
    return one, two, citation


def test_undoing_a_move_puts_back_the_assessment_and_clears_the_re_review_it_caused(
    decided_two, bob
):
    one, two, citation = decided_two
    citation.refresh_from_db()
    assessment = citation.assessment_id
    assert assessment is not None
    citation_move(citation=citation, actor=bob, version=2)
    one.refresh_from_db()
    assert one.needs_rereview

    citation_undo(event_id=AuditEvent.objects.get(action="citation.move").pk, actor=bob)

    citation.refresh_from_db()
    one.refresh_from_db()
    two.refresh_from_db()
    assert citation.claim_id == two.pk and citation.assessment_id == assessment
    assert not one.needs_rereview and not two.needs_rereview
    assert (one.version, two.version) == (4, 4)  # the move and the undo: each a change


def test_undo_is_refused_once_the_claim_changed_since(decided_two, bob):
    one, two, citation = decided_two
    citation_detach(citation=citation, actor=bob, version=2)
    event = AuditEvent.objects.get(action="citation.detach")
    two.refresh_from_db()
    claim_decide(claim=two, actor=bob, verdict="refuted", version=two.version, rationale="No.")
    before = state()

    with pytest.raises(StaleVersion, match="marked this claim refuted"):
        citation_undo(event_id=event.pk, actor=bob)

    assert state() == before


def test_undo_is_refused_for_an_event_that_is_no_footnote_action(decided_two, bob):
    decide = AuditEvent.objects.filter(action="claim.decide").first()
    with pytest.raises(ValidationError, match="no footnote action to undo"):
        citation_undo(event_id=decide.pk, actor=bob)


def test_a_viewer_cannot_undo(client, seed, bob, charlie):
    six = at(seed, 6)
    citation = six.citations.get(source__label="31")
    citation_detach(citation=citation, actor=bob, version=1)
    event = AuditEvent.objects.get(action="citation.detach")
    client.force_login(charlie)
    assert (
        client.post(reverse("claims:undo", args=[six.pk]), {"event": event.pk}).status_code == 403
    )
    citation.refresh_from_db()
    assert citation.attribution == Attribution.DETACHED
