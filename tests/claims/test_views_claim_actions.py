"""The claim actions: decide (with the stale-version path), attribution, lock and reopen."""

import pytest

from claims.models import Attribution, Claim, Decision, Stance, Verdict
from claims.services import claim_decide, claim_lock
from workbench.models import AuditEvent


def _line(seed, line: int) -> Claim:
    return Claim.objects.get(document=seed, line=line)


def _decide_url(claim: Claim) -> str:
    return f"/claims/{claim.pk}/decide/"


def test_it_records_a_decision_with_assessments_and_says_so(client, bob, seed):
    claim = _line(seed, 2)
    citation = claim.citations.get()
    client.force_login(bob)
    response = client.post(
        _decide_url(claim),
        {
            "verdict": "corroborated",
            "version": claim.version,
            f"stance_{citation.pk}": "supports",
            f"quote_{citation.pk}": "general mobilization began",
            f"page_{citation.pk}": "3",
            "evidence_url": "https://example.org/decree",
        },
        follow=True,
    )
    assert response.redirect_chain == [(f"/claims/{claim.pk}/", 302)]
    assert f"Claim {claim.pk} marked corroborated." in response.content.decode()
    claim.refresh_from_db()
    assert claim.verdict == Verdict.CORROBORATED
    assert claim.last_decision.evidence_url == "https://example.org/decree"
    citation.refresh_from_db()
    assert (citation.assessment.stance, citation.assessment.quote, citation.assessment.page) == (
        "supports",
        "general mobilization began",
        "3",
    )


def test_it_does_not_repeat_an_unchanged_assessment(client, bob, seed):
    claim = _line(seed, 2)
    citation = claim.citations.get()
    client.force_login(bob)
    data = {"verdict": "corroborated", "version": 1, f"stance_{citation.pk}": "supports"}
    client.post(_decide_url(claim), data)
    data.update(version=2, verdict="disputed", rationale="Second thoughts.")
    client.post(_decide_url(claim), data)
    assert citation.assessments.count() == 1
    assert claim.decisions.count() == 2


def test_it_rejects_get(client, bob, seed):
    client.force_login(bob)
    assert client.get(_decide_url(_line(seed, 2))).status_code == 405


def test_a_viewers_decision_gets_403_and_changes_nothing(client, charlie, seed):
    claim = _line(seed, 2)
    client.force_login(charlie)
    response = client.post(_decide_url(claim), {"verdict": "refuted", "version": 1})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.verdict == Verdict.UNREVIEWED and claim.version == 1
    assert not Decision.objects.exists()


def test_it_answers_404_for_an_unknown_claim(client, bob, db):
    client.force_login(bob)
    assert client.post("/claims/999999/decide/", {"verdict": "refuted"}).status_code == 404


def test_a_missing_rationale_is_shown_next_to_the_field_with_400(client, bob, seed):
    claim = _line(seed, 2)
    client.force_login(bob)
    response = client.post(
        _decide_url(claim),
        {"verdict": "refuted", "version": 1, "evidence_quote": "kept quote"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["rationale"] == [
        "A rationale is required to mark a claim refuted."
    ]
    assert 'id="id_rationale_error"' in response.content.decode()
    assert "kept quote" in response.content.decode()
    claim.refresh_from_db()
    assert claim.verdict == Verdict.UNREVIEWED


def test_bad_input_is_refused_next_to_the_field(client, bob, seed):
    claim = _line(seed, 2)
    client.force_login(bob)
    response = client.post(
        _decide_url(claim),
        {"verdict": "maybe", "version": 1, "evidence_url": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "verdict" in errors and "evidence_url" in errors
    assert not Decision.objects.exists()


def test_a_stale_version_gets_409_keeps_the_rationale_and_a_second_submit_works(
    client, bob, alice, seed
):
    claim = _line(seed, 1)
    claim_decide(claim=claim, actor=alice, verdict=Verdict.DISPUTED, version=1, rationale="Hm.")
    client.force_login(bob)
    data = {"verdict": "refuted", "version": 1, "rationale": "Peskov's denial is on record."}
    response = client.post(_decide_url(claim), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "alice marked this claim disputed" in html
    assert "you saw version 1; it is now at version 2" in html
    assert "Peskov&#x27;s denial is on record." in html
    assert 'name="version" value="2"' in html
    claim.refresh_from_db()
    assert claim.verdict == Verdict.DISPUTED

    data["version"] = 2
    response = client.post(_decide_url(claim), data)
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.verdict == Verdict.REFUTED
    assert claim.last_decision.rationale == "Peskov's denial is on record."


def test_a_decision_from_the_queue_leads_to_the_next_claim(client, bob, seed):
    one = _line(seed, 1)
    client.force_login(bob)
    response = client.post(
        _decide_url(one),
        {
            "verdict": "corroborated",
            "version": 1,
            "rationale": "Widely reported.",
            "next": "queue",
            "document": seed.name,
        },
        follow=True,
    )
    assert response.context["claim"] == _line(seed, 2)
    assert response.context["queue"] is True
    assert f"Claim {one.pk} marked corroborated." in response.content.decode()


def test_a_locked_claim_refuses_a_decision(client, bob, alice, seed):
    claim = _line(seed, 1)
    claim_lock(claim=claim, actor=alice, reason="hold")
    client.force_login(bob)
    response = client.post(
        _decide_url(claim), {"verdict": "corroborated", "version": 2, "rationale": "x"}
    )
    assert response.status_code == 400
    assert b"is locked" in response.content
    assert not Decision.objects.exists()


# --- attribution -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "attribution", "message"),
    [
        ("confirm", Attribution.CONFIRMED, "Footnote [31] confirmed on claim {pk}."),
        ("detach", Attribution.DETACHED, "Footnote [31] detached from claim {pk}."),
        ("move", Attribution.MOVED, "Footnote [31] moved from claim {pk} to claim {prev}."),
    ],
)
def test_a_reviewer_settles_a_leading_footnote(client, bob, seed, action, attribution, message):
    claim, previous = _line(seed, 6), _line(seed, 5)
    citation = claim.citations.get(source__label="31")
    client.force_login(bob)
    response = client.post(
        f"/claims/{claim.pk}/citations/{citation.pk}/{action}/",
        # Move and detach ask first (test_attribution_day.py); "confirmed" is the answer.
        {"reason": "Checked the article.", "version": claim.version, "confirmed": "1"},
        follow=True,
    )
    assert message.format(pk=claim.pk, prev=previous.pk) in response.content.decode()
    citation.refresh_from_db()
    assert citation.attribution == attribution
    event = AuditEvent.objects.filter(action=f"citation.{action}").get()
    assert event.reason == "Checked the article." and event.actor == bob


def test_settling_a_footnote_twice_is_refused_with_400(client, bob, seed):
    claim = _line(seed, 6)
    citation = claim.citations.get(source__label="31")
    client.force_login(bob)
    url = f"/claims/{claim.pk}/citations/{citation.pk}/confirm/"
    client.post(url, {"version": 1})
    response = client.post(url, {"version": 2})
    assert response.status_code == 400
    assert b"already confirmed" in response.content


def test_a_viewer_cannot_settle_a_footnote(client, charlie, seed):
    claim = _line(seed, 6)
    citation = claim.citations.get(source__label="31")
    client.force_login(charlie)
    for action in ("confirm", "move", "detach"):
        url = f"/claims/{claim.pk}/citations/{citation.pk}/{action}/"
        assert client.post(url).status_code == 403
    citation.refresh_from_db()
    assert citation.attribution == Attribution.AS_PRINTED
    assert not AuditEvent.objects.filter(action__startswith="citation.").exists()


def test_attribution_actions_reject_get_and_foreign_citations(client, bob, seed):
    six, seven = _line(seed, 6), _line(seed, 7)
    citation = six.citations.get(source__label="31")
    client.force_login(bob)
    assert client.get(f"/claims/{six.pk}/citations/{citation.pk}/confirm/").status_code == 405
    url = f"/claims/{seven.pk}/citations/{citation.pk}/confirm/"
    assert client.post(url, {"version": 1}).status_code == 404


# --- lock and reopen -------------------------------------------------------------------------


def test_an_editor_locks_and_reopens_a_claim_with_a_reason(client, alice, seed):
    claim = _line(seed, 3)
    client.force_login(alice)
    lock = {"reason": "Legal hold.", "version": 1}
    response = client.post(f"/claims/{claim.pk}/lock/", lock, follow=True)
    assert f"Claim {claim.pk} locked." in response.content.decode()
    claim.refresh_from_db()
    assert claim.locked
    reopen = {"reason": "Cleared.", "version": 2}
    response = client.post(f"/claims/{claim.pk}/reopen/", reopen, follow=True)
    assert f"Claim {claim.pk} reopened." in response.content.decode()
    claim.refresh_from_db()
    assert not claim.locked


def test_locking_without_a_reason_is_refused_next_to_the_field(client, alice, seed):
    claim = _line(seed, 3)
    client.force_login(alice)
    response = client.post(f"/claims/{claim.pk}/lock/", {"reason": "  ", "version": 1})
    assert response.status_code == 400
    assert "reason" in response.context["lock_form"].errors
    claim.refresh_from_db()
    assert not claim.locked


def test_reopening_an_open_claim_is_refused_with_400(client, alice, seed):
    claim = _line(seed, 3)
    client.force_login(alice)
    response = client.post(f"/claims/{claim.pk}/reopen/", {"reason": "why not", "version": 1})
    assert response.status_code == 400
    assert b"is not locked" in response.content


@pytest.mark.parametrize("action", ["lock", "reopen"])
def test_reviewers_and_viewers_cannot_lock_or_reopen(client, bob, charlie, seed, action):
    claim = _line(seed, 3)
    for user in (bob, charlie):
        client.force_login(user)
        assert client.post(f"/claims/{claim.pk}/{action}/", {"reason": "x"}).status_code == 403
    assert client.get(f"/claims/{claim.pk}/{action}/").status_code == 405
    claim.refresh_from_db()
    assert not claim.locked and claim.version == 1


def test_stances_in_the_form_are_the_models(client):
    from claims.forms import STANCE_CHOICES

    assert [value for value, _ in STANCE_CHOICES[1:]] == Stance.values


# --- what the author saw ---------------------------------------------------------------------


def test_a_footnote_detached_in_another_tab_is_not_confirmed_back(client, bob, alice, seed):
    """Two tabs: a reviewer detaches [31]; an editor on the older page confirms it: 409."""
    claim = _line(seed, 6)
    citation = claim.citations.get(source__label="31")
    seen = claim.version
    client.force_login(bob)
    url = f"/claims/{claim.pk}/citations/{citation.pk}"
    assert client.post(f"{url}/detach/", {"version": seen, "confirmed": "1"}).status_code == 302
    client.force_login(alice)

    response = client.post(f"{url}/confirm/", {"version": seen, "reason": "Belongs here."})

    assert response.status_code == 409
    assert "bob detached footnote [31]" in response.content.decode()
    citation.refresh_from_db()
    assert citation.attribution == Attribution.DETACHED
    assert not AuditEvent.objects.filter(action="citation.confirm").exists()


@pytest.mark.parametrize("action", ["confirm", "move", "detach"])
def test_a_footnote_action_without_the_version_seen_is_refused(client, bob, seed, action):
    claim = _line(seed, 6)
    citation = claim.citations.get(source__label="31")
    client.force_login(bob)
    response = client.post(f"/claims/{claim.pk}/citations/{citation.pk}/{action}/", {})
    assert response.status_code == 400
    assert "version" in response.content.decode()
    citation.refresh_from_db()
    assert citation.attribution == Attribution.AS_PRINTED


def test_a_reason_over_the_limit_is_refused_not_dropped(client, bob, alice, seed):
    claim = _line(seed, 6)
    citation = claim.citations.get(source__label="31")
    client.force_login(bob)
    url = f"/claims/{claim.pk}/citations/{citation.pk}/confirm/"
    response = client.post(url, {"version": 1, "reason": "x" * 2001})
    assert response.status_code == 400
    citation.refresh_from_db()
    assert citation.attribution == Attribution.AS_PRINTED
    client.force_login(alice)
    response = client.post(f"/claims/{claim.pk}/lock/", {"version": 1, "reason": "y" * 2001})
    assert response.status_code == 400
    claim.refresh_from_db()
    assert not claim.locked
    assert not AuditEvent.objects.filter(action__in=["citation.confirm", "claim.lock"]).exists()


def test_locking_from_a_stale_page_answers_409(client, alice, bob, seed):
    claim = _line(seed, 3)
    claim_decide(claim=claim, actor=bob, verdict="corroborated", version=1, rationale="ok")
    client.force_login(alice)
    response = client.post(f"/claims/{claim.pk}/lock/", {"reason": "Hold.", "version": 1})
    assert response.status_code == 409
    assert "bob marked this claim corroborated" in response.content.decode()
    claim.refresh_from_db()
    assert not claim.locked
