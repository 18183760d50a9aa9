"""The ClaimReview of one claim, /claims/<id>/claimreview.json, and its link on the claim page."""

import json

import pytest
from django.urls import reverse

from claims.models import Claim, Stance, Verdict
from claims.services import AssessmentInput, claim_decide, claim_withdraw, document_import


def url(claim: Claim) -> str:
    return reverse("claims:claimreview", args=[claim.pk])


def decide(claim: Claim, actor, verdict: str = Verdict.REFUTED) -> Claim:
    claim.refresh_from_db()
    claim_decide(
        claim=claim,
        actor=actor,
        verdict=verdict,
        version=claim.version,
        rationale="Checked against the sources.",
        assessments={c.pk: AssessmentInput(Stance.REFUTES) for c in claim.citations.attached()},
    )
    claim.refresh_from_db()
    return claim


@pytest.fixture
def line27(seed) -> Claim:
    return Claim.objects.get(document=seed, line=27)


def test_a_decided_claim_gives_its_claim_review_as_json_ld(client, bob, line27, settings):
    settings.WORKBENCH_BASE_URL = "https://checks.example.org"
    decide(line27, bob)
    client.force_login(bob)

    response = client.get(url(line27))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    review = json.loads(response.content)
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == line27.text
    assert review["url"] == f"https://checks.example.org/claims/{line27.pk}/"
    assert review["reviewRating"]["ratingValue"] == 1
    assert review["reviewRating"]["alternateName"] == "Refuted"
    assert review["itemReviewed"]["@type"] == "Claim"


def test_a_viewer_may_read_it(client, bob, charlie, line27):
    decide(line27, bob, Verdict.CORROBORATED)
    client.force_login(charlie)

    review = json.loads(client.get(url(line27)).content)

    assert review["reviewRating"]["alternateName"] == "Corroborated"


def test_an_unreviewed_claim_has_none(client, bob, line27):
    client.force_login(bob)

    assert client.get(url(line27)).status_code == 404


def test_a_withdrawn_claim_has_none_even_once_decided(client, bob, line27):
    decide(line27, bob)
    admin = type(bob).objects.create_superuser("root", "root@example.org", "x")
    claim_withdraw(claim=line27, actor=admin, reason="Gone from the article.")
    client.force_login(bob)

    assert client.get(url(line27)).status_code == 404


def test_an_unknown_claim_is_404(client, bob, db):
    client.force_login(bob)

    assert client.get(reverse("claims:claimreview", args=[999_999])).status_code == 404


def test_it_redirects_anonymous_users_to_sign_in(client, bob, line27):
    decide(line27, bob)

    response = client.get(url(line27))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_refuses_post(client, bob, line27):
    decide(line27, bob)
    client.force_login(bob)

    assert client.post(url(line27)).status_code == 405


def test_the_claim_page_links_to_it_once_the_claim_is_decided(client, bob, line27):
    client.force_login(bob)
    link = f'href="{url(line27)}"'.encode()

    assert link not in client.get(reverse("claims:detail", args=[line27.pk])).content
    decide(line27, bob)
    assert link in client.get(reverse("claims:detail", args=[line27.pk])).content


@pytest.mark.parametrize("sources", [1, 40])
def test_its_query_count_does_not_grow_with_the_sources(
    client, bob, db, sources, django_assert_max_num_queries
):
    markers = "".join(f"[{n + 1}]" for n in range(sources))
    document_import(name="many.txt", data=f"A sentence with sources.{markers}\n".encode())
    claim = decide(Claim.objects.get(), bob)
    client.force_login(bob)

    # session, user, permissions (2), the claim, the decided claim again, its citations
    with django_assert_max_num_queries(7):
        response = client.get(url(claim))

    assert response.status_code == 200
    assert "citation" not in json.loads(response.content)  # no source has a title or URL yet


def test_hostile_text_stays_intact_in_the_json(client, bob, db):
    hostile = (
        '"><img src=x onerror=alert(1)> <script>alert("x")</script> =HYPERLINK("x") Путин & co.'
    )
    document_import(name="hostile.txt", data=f"{hostile}[1]\n".encode())
    claim = decide(Claim.objects.get(), bob)
    client.force_login(bob)

    response = client.get(url(claim))

    # Parsed back, the text is exactly the claim's: not HTML-escaped, not formula-neutralised.
    assert json.loads(response.content)["claimReviewed"] == claim.text
    assert claim.text.startswith('"><img src=x onerror=alert(1)> <script>')
    assert "&lt;" not in response.content.decode()
