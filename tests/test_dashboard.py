"""The dashboard /, signing in and out, and the read-only banner."""

import pytest

from claims.models import Claim, Verdict
from claims.services import claim_decide
from tests.factories import ClaimFactory, DocumentFactory


def test_it_redirects_anonymous_users_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_the_sign_in_page_signs_a_user_in_and_sign_out_takes_a_post(client, bob):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'<label for="id_username">' in page.content
    response = client.post("/accounts/login/", {"username": "bob", "password": "password"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_refused_with_a_message(client, bob):
    response = client.post("/accounts/login/", {"username": "bob", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_a_viewer_sees_the_read_only_banner_and_a_reviewer_does_not(client, bob, charlie, seed):
    client.force_login(charlie)
    assert b"Read only." in client.get("/").content
    client.force_login(bob)
    assert b"Read only." not in client.get("/").content


def test_it_shows_verdicts_per_document_the_work_waiting_and_recent_decisions(
    client, bob, alice, seed
):
    one = Claim.objects.get(document=seed, line=1)
    two = Claim.objects.get(document=seed, line=2)
    claim_decide(claim=one, actor=bob, verdict=Verdict.REFUTED, version=1, rationale="No.")
    claim_decide(claim=two, actor=alice, verdict=Verdict.DISPUTED, version=1, rationale="Hm.")
    client.force_login(bob)
    response = client.get("/")
    ctx = response.context
    [document] = ctx["documents"]
    bars = {bar["verdict"]: bar["n"] for bar in document["bars"]}
    assert bars == {"unreviewed": 28, "corroborated": 0, "disputed": 1, "refuted": 1}
    assert ctx["awaiting_review"] == 28
    assert ctx["awaiting_attribution"] == Claim.objects.live().attribution_pending().count()
    assert [d.claim for d in ctx["mine"]] == [one]
    assert [d.claim for d in ctx["team"]] == [two, one]
    html = response.content.decode()
    assert 'aria-label="Unreviewed 28, Corroborated 0, Disputed 1, Refuted 1"' in html


@pytest.mark.parametrize("size", [2, 25])
def test_its_query_count_does_not_grow_with_rows(client, bob, size, django_assert_max_num_queries):
    for _ in range(3):
        document = DocumentFactory()
        for i in range(size):
            claim = ClaimFactory(document=document, line=i + 1)
            claim_decide(claim=claim, actor=bob, verdict=Verdict.REFUTED, version=1, rationale="x")
    client.force_login(bob)
    with django_assert_max_num_queries(12):  # + claims assigned to you, notes naming you
        assert client.get("/").status_code == 200


def test_it_shows_hostile_claim_text_as_text(client, bob, db):
    claim = ClaimFactory(text="<script>alert(1)</script>")
    claim_decide(claim=claim, actor=bob, verdict=Verdict.REFUTED, version=1, rationale="x")
    client.force_login(bob)
    assert b"<script>alert(1)" not in client.get("/").content
