"""The claim page /claims/<id>/ and the review queue /review/next/."""

import pytest

from claims.models import Claim, Stance, Verdict
from claims.services import AssessmentInput, claim_decide, claim_lock
from tests.factories import CitationFactory, ClaimFactory, DocumentFactory


def _line(seed, line: int) -> Claim:
    return Claim.objects.get(document=seed, line=line)


def test_it_redirects_anonymous_users_to_sign_in(client, seed):
    response = client.get(f"/claims/{_line(seed, 6).pk}/")
    assert response.status_code == 302


def test_it_answers_404_for_an_unknown_claim(client, bob, db):
    client.force_login(bob)
    response = client.get("/claims/999999/")
    assert response.status_code == 404
    assert b"Not found" in response.content


def test_it_shows_the_claim_its_neighbours_raw_line_and_sources(client, bob, seed):
    claim = _line(seed, 6)
    client.force_login(bob)
    response = client.get(f"/claims/{claim.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Around June and July 2022" in html
    assert response.context["before"] == _line(seed, 5)
    assert response.context["after"] == _line(seed, 7)
    assert "[31][32] Around June" in html  # the raw line
    assert [c.source.label for c in response.context["citations"]] == ["31", "32"]
    assert "Reliability: Unrated" in html
    assert "no source has been assessed" in html


def test_it_offers_a_reviewer_the_attribution_check_with_the_previous_claims_text(
    client, bob, seed
):
    claim = _line(seed, 6)
    client.force_login(bob)
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "Attribution check" in html
    assert "Previous claim (line 5): <q>After Ukrainian counteroffensives" in html
    citation = claim.citations.get(source__label="31")
    assert f"/claims/{claim.pk}/citations/{citation.pk}/move/" in html
    assert f"/claims/{claim.pk}/citations/{citation.pk}/detach/" in html


def test_it_shows_a_reviewer_the_review_form_with_the_current_version(client, bob, seed):
    claim = _line(seed, 6)
    client.force_login(bob)
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    assert 'id="review-form"' in html
    assert f'name="version" value="{claim.version}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    for stance in Stance.values:
        assert f'value="{stance}"' in html


def test_a_viewer_sees_a_read_only_banner_and_no_forms(client, charlie, seed):
    client.force_login(charlie)
    html = client.get(f"/claims/{_line(seed, 6).pk}/").content.decode()
    assert "Read only." in html
    assert 'id="review-form"' not in html
    assert "Attribution check" not in html
    assert "Lock this claim" not in html


def test_only_editors_see_the_lock_form(client, alice, bob, seed):
    url = f"/claims/{_line(seed, 6).pk}/"
    client.force_login(bob)
    assert b"Lock this claim" not in client.get(url).content
    client.force_login(alice)
    assert b"Lock this claim" in client.get(url).content


def test_it_shows_the_suggestion_and_history_with_actor_time_and_assessments(
    client, bob, alice, seed
):
    claim = _line(seed, 2)
    claim_decide(
        claim=claim,
        actor=bob,
        verdict=Verdict.CORROBORATED,
        version=claim.version,
        rationale="Checked the decree.",
        assessments={claim.citations.get().pk: AssessmentInput(Stance.SUPPORTS, "It began.")},
    )
    claim_lock(claim=claim, actor=alice, reason="Settled by the desk.")
    client.force_login(bob)
    response = client.get(f"/claims/{claim.pk}/")
    html = response.content.decode()
    assert "1 source not rated unreliable supports it" in html
    summaries = [entry.summary for entry in response.context["history"]]
    assert summaries == ["locked this claim", "marked this claim corroborated"]
    assert "<strong>alice</strong>" in html and "<strong>bob</strong>" in html
    assert "Checked the decree." in html
    assert "[19] Supports: “It began.”" in html
    assert "Reason: Settled by the desk." in html
    assert "This claim is locked" in html
    assert 'id="review-form"' not in html


def test_it_shows_hostile_claim_text_as_text(client, bob, db):
    claim = ClaimFactory(text='<script>alert(1)</script>"><img src=x onerror=alert(2)>')
    client.force_login(bob)
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html


@pytest.mark.parametrize("size", [1, 12])
def test_its_query_count_does_not_grow_with_citations_or_history(
    client, bob, size, django_assert_max_num_queries
):
    document = DocumentFactory()
    ClaimFactory(document=document, line=1)
    claim = ClaimFactory(document=document, line=2)
    citations = [CitationFactory(claim=claim, order=i) for i in range(size)]
    for _ in range(size):
        claim.refresh_from_db()
        claim_decide(
            claim=claim,
            actor=bob,
            verdict=Verdict.REFUTED,
            version=claim.version,
            rationale="Refuted.",
            assessments={c.pk: AssessmentInput(Stance.REFUTES) for c in citations},
        )
    client.force_login(bob)
    with django_assert_max_num_queries(16):  # + the discussion, the assignment
        response = client.get(f"/claims/{claim.pk}/")
    assert len(response.context["history"]) == size


# --- review queue ----------------------------------------------------------------------------


def test_the_queue_serves_the_first_claim_needing_review(client, bob, seed):
    client.force_login(bob)
    response = client.get("/review/next/")
    assert response.status_code == 200
    assert response.context["claim"] == _line(seed, 1)
    assert response.context["queue"] is True
    assert b'name="next" value="queue"' in response.content


def test_the_queue_skips_decided_and_locked_claims(client, bob, alice, seed):
    one = _line(seed, 1)
    claim_decide(claim=one, actor=bob, verdict=Verdict.CORROBORATED, version=1, rationale="ok")
    claim_lock(claim=_line(seed, 2), actor=alice, reason="hold")
    client.force_login(bob)
    assert client.get("/review/next/").context["claim"] == _line(seed, 3)


def test_the_queue_moves_next_and_previous(client, bob, seed):
    client.force_login(bob)
    three = _line(seed, 3)
    response = client.get(f"/review/next/?after={three.pk}")
    assert response.context["claim"] == _line(seed, 4)
    assert f"after={response.context['claim'].pk}" in response.context["next_url"]
    assert client.get(f"/review/next/?before={three.pk}").context["claim"] == _line(seed, 2)


def test_the_queue_filters_by_document(client, bob, seed):
    other = ClaimFactory(document=DocumentFactory(name="zzz.txt"), line=1)
    client.force_login(bob)
    assert client.get("/review/next/").context["claim"] == _line(seed, 1)
    response = client.get("/review/next/?document=zzz.txt")
    assert response.context["claim"] == other


def test_the_queue_says_when_nothing_is_left(client, bob, seed):
    client.force_login(bob)
    last = _line(seed, 30)
    response = client.get(f"/review/next/?after={last.pk}")
    assert b"Start again from the first claim" in response.content
    response = client.get("/review/next/?document=nothing.txt")
    assert response.status_code == 400
    assert b"There is no document of that name." in response.content


@pytest.mark.parametrize("size", [2, 20])
def test_the_queue_query_count_does_not_grow_with_rows(
    client, bob, size, django_assert_max_num_queries
):
    document = DocumentFactory()
    for i in range(size):
        claim = ClaimFactory(document=document, line=i + 1)
        CitationFactory(claim=claim, order=0)
    client.force_login(bob)
    with django_assert_max_num_queries(24):  # + the hold (savepoints), position, skips, reviews
        assert client.get("/review/next/").status_code == 200
