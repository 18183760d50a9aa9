"""The public review pages (/reviews/, /reviews/<id>/, /reviews/feed.atom) and the editor's
publish and unpublish buttons on the claim page."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, Stance, Verdict
from claims.publish import selectors
from claims.services import (
    AssessmentInput,
    claim_decide,
    claim_publish,
    claim_withdraw,
    document_import,
)
from tests.claims.publish_data import (
    ARTICLE_TITLE,
    ARTICLE_URL,
    DW,
    DW_QUOTE,
    RATIONALE,
    SECTION,
    WAPO,
    WAPO_QUOTE,
    decide_line27,
    publish_line27,
)

HOSTILE = "</script><script>alert(1)</script> & <!-- the claim"
ATOM = "{http://www.w3.org/2005/Atom}"


def page(claim: Claim) -> str:
    return reverse("public:detail", args=[claim.pk])


def json_ld_blocks(html: str) -> list[str]:
    return re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)


# --- /reviews/<id>/ ------------------------------------------------------------------------


def test_anyone_reads_a_published_review_without_signing_in(client, seed, alice, bob):
    claim = publish_line27(seed, bob, alice)

    response = client.get(page(claim))

    assert response.status_code == 200
    html = response.content.decode()
    assert claim.text in html
    assert "Our verdict: Corroborated" in html
    assert RATIONALE in html
    assert SECTION in html
    assert f'href="{ARTICLE_URL}"' in html and ARTICLE_TITLE in html
    for details, quote in ((DW, DW_QUOTE), (WAPO, WAPO_QUOTE)):
        assert f'href="{details["url"]}"' in html and details["title"] in html
        assert f"<q>{quote}</q>" in html
    assert html.count('class="stance">Supports</strong>') == 2
    assert 'class="stance">Not in source</strong>' in html
    assert 'class="stance">Not assessed</strong>' in html  # [177]-[181]
    # No navigation of the workbench, no sign-in links, nothing fetched from elsewhere.
    assert reverse("claims:review-next") not in html and "/accounts/" not in html
    assert "src=" not in html.replace('src="data:', "") and "stylesheet" not in html


def test_reviewer_names_are_shown_only_when_the_setting_says_so(client, seed, alice, bob, settings):
    claim = publish_line27(seed, bob, alice)

    settings.WORKBENCH_PUBLISH_REVIEWERS = False
    assert "bob" not in client.get(page(claim)).content.decode()
    settings.WORKBENCH_PUBLISH_REVIEWERS = True
    assert "Reviewed on" in (html := client.get(page(claim)).content.decode())
    assert " by bob;" in html


def test_the_page_embeds_its_claim_review(client, seed, alice, bob, settings):
    settings.WORKBENCH_BASE_URL = "https://checks.example.org"
    claim = publish_line27(seed, bob, alice)

    (block,) = json_ld_blocks(client.get(page(claim)).content.decode())

    review = json.loads(block)
    assert review["@type"] == "ClaimReview"
    assert review["url"] == f"https://checks.example.org/reviews/{claim.pk}/"
    assert review["claimReviewed"] == claim.text
    assert review["reviewBody"] == RATIONALE


def test_script_in_a_claim_or_rationale_cannot_break_out_of_the_json_ld(client, seed, alice, bob):
    claim = publish_line27(seed, bob, alice, text=HOSTILE, rationale=HOSTILE)

    html = client.get(page(claim)).content.decode()

    assert "<script>alert(1)" not in html
    (block,) = json_ld_blocks(html)  # the </script> in the text did not end the block early
    review = json.loads(block)
    assert review["claimReviewed"] == HOSTILE and review["reviewBody"] == HOSTILE
    assert "\\u003c/script\\u003e" in block and "\\u0026" in block


@pytest.mark.parametrize("state", ["undecided", "unpublished", "withdrawn"])
def test_a_claim_that_is_not_public_is_404_with_the_public_page(client, seed, alice, bob, state):
    claim = Claim.objects.get(document=seed, line=27)
    if state != "undecided":
        claim = decide_line27(seed, bob, alice)
    if state == "withdrawn":
        claim_publish(claim=claim, actor=alice, version=claim.version)
        admin = type(bob).objects.create_superuser("root", "root@example.org", "x")
        claim_withdraw(claim=claim, actor=admin, reason="Gone from the article.")

    response = client.get(page(claim))

    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no published fact check at this address" in html
    assert reverse("claims:review-next") not in html and claim.text not in html


def test_an_unknown_review_is_404(client, db):
    assert client.get(reverse("public:detail", args=[999_999])).status_code == 404


def test_the_public_pages_refuse_post(client, seed, alice, bob):
    claim = publish_line27(seed, bob, alice)

    assert client.post(page(claim)).status_code == 405
    assert client.post(reverse("public:index")).status_code == 405


@pytest.mark.parametrize("sources", [1, 30])
def test_a_review_page_takes_a_fixed_number_of_queries(
    client, db, bob, alice, sources, django_assert_max_num_queries
):
    markers = "".join(f"[{n + 1}]" for n in range(sources))
    document_import(name="many.txt", data=f"A sentence with sources.{markers}\n".encode())
    claim = Claim.objects.get()
    claim_decide(
        claim=claim,
        actor=bob,
        verdict=Verdict.REFUTED,
        version=1,
        rationale="No source says so.",
        assessments={c.pk: AssessmentInput(Stance.REFUTES) for c in claim.citations.all()},
    )
    claim.refresh_from_db()
    claim_publish(claim=claim, actor=alice, version=claim.version)

    # The claim with its document and decision, its footnotes, their assessments. No session.
    with django_assert_max_num_queries(3):
        response = client.get(page(claim))

    assert response.content.decode().count('class="stance">Refutes</strong>') == sources


# --- /reviews/ -----------------------------------------------------------------------------


@pytest.fixture
def many_published(db, bob, alice) -> list[Claim]:
    """Seven published claims of one document, published in line order (newest: line 7)."""
    lines = "\n".join(f"Sentence {n} is checked.[{n}]" for n in range(1, 8))
    document_import(name="many.txt", data=lines.encode())
    claims = list(Claim.objects.order_by("line"))
    for claim in claims:
        claim_decide(
            claim=claim, actor=bob, verdict=Verdict.CORROBORATED, version=1, rationale="Read it."
        )
        claim.refresh_from_db()
        claim_publish(claim=claim, actor=alice, version=claim.version)
    return claims


def index_texts(html: str) -> list[str]:
    return re.findall(r'<a href="/reviews/\d+/">(Sentence \d is checked\.)</a>', html)


def test_the_index_lists_the_latest_published_first_by_keyset_pages(
    client, many_published, monkeypatch
):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    seen, url = [], reverse("public:index")
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
        html = response.content.decode()
        seen.append(index_texts(html))
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = found.group(1).replace("&amp;", "&") if found else ""

    assert seen == [
        ["Sentence 7 is checked.", "Sentence 6 is checked.", "Sentence 5 is checked."],
        ["Sentence 4 is checked.", "Sentence 3 is checked.", "Sentence 2 is checked."],
        ["Sentence 1 is checked."],
    ]


def test_the_index_leaves_out_unpublished_claims(client, many_published, alice):
    from claims.services import claim_unpublish

    claim = many_published[3]
    claim.refresh_from_db()
    claim_unpublish(claim=claim, actor=alice, version=claim.version)

    texts = index_texts(client.get(reverse("public:index")).content.decode())

    assert "Sentence 4 is checked." not in texts and len(texts) == 6


@pytest.mark.parametrize("after", ["x", "1.2.3", "²3.4", "99999999999999999999.1", "-5.1"])
def test_a_bad_cursor_is_400(client, db, after):
    assert client.get(reverse("public:index"), {"after": after}).status_code == 400


def test_the_index_takes_the_same_queries_whatever_its_length(client, many_published):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("public:index"))
        return len(queries.captured_queries)

    before = count()
    Claim.objects.filter(pk=many_published[0].pk).update(published_decision=None)
    assert count() == before <= 4


# --- /reviews/feed.atom --------------------------------------------------------------------


def test_the_feed_is_atom_with_the_latest_reviews(client, many_published, settings):
    settings.WORKBENCH_BASE_URL = "https://checks.example.org"

    response = client.get(reverse("public:feed"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own response, in a test
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries][:2] == [
        "Corroborated: Sentence 7 is checked.",
        "Corroborated: Sentence 6 is checked.",
    ]
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert links[0] == f"https://checks.example.org/reviews/{many_published[-1].pk}/"
    assert len(entries) == 7


def test_hostile_text_in_the_feed_stays_text(client, seed, alice, bob):
    publish_line27(seed, bob, alice, text=HOSTILE, rationale=HOSTILE)

    feed = ET.fromstring(client.get(reverse("public:feed")).content)  # noqa: S314

    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == f"Corroborated: {HOSTILE}"
    summary = entry.findtext(f"{ATOM}summary")  # HTML, as the feed declares it
    assert "<script>" not in summary and "&lt;/script&gt;&lt;script&gt;" in summary


# --- The editor's buttons on /claims/<id>/ ---------------------------------------------------


def detail(claim: Claim) -> str:
    return reverse("claims:detail", args=[claim.pk])


def test_an_editor_publishes_from_the_claim_page(client, seed, alice, bob):
    claim = decide_line27(seed, bob, alice)
    client.force_login(alice)
    html = client.get(detail(claim)).content.decode()
    assert f'action="{reverse("claims:publish", args=[claim.pk])}"' in html
    assert "Not published" in html

    response = client.post(
        reverse("claims:publish", args=[claim.pk]),
        {"version": claim.version, "reason": "Ready."},
    )

    assert response.status_code == 302 and response["Location"] == detail(claim)
    claim.refresh_from_db()
    assert claim.published_decision_id == claim.last_decision_id
    html = client.get(detail(claim)).content.decode()
    assert f"{reverse('public:detail', args=[claim.pk])}" in html and "Public at" in html
    assert client.get(page(claim)).status_code == 200


def test_the_editor_is_told_when_the_published_review_is_older(client, seed, alice, bob):
    claim = publish_line27(seed, bob, alice)
    claim_decide(
        claim=claim,
        actor=bob,
        verdict=Verdict.DISPUTED,
        version=claim.version,
        rationale="A third report disagrees.",
    )
    client.force_login(alice)

    html = client.get(detail(claim)).content.decode()

    assert "The published review is older than the latest decision: publish again." in html
    assert "Publish again" in html


def test_publishing_from_a_stale_page_is_409(client, seed, alice, bob):
    claim = decide_line27(seed, bob, alice)
    seen = claim.version
    claim_decide(
        claim=claim, actor=bob, verdict=Verdict.DISPUTED, version=seen, rationale="Changed."
    )
    client.force_login(alice)

    response = client.post(reverse("claims:publish", args=[claim.pk]), {"version": seen})

    assert response.status_code == 409
    assert "bob" in response.content.decode()
    claim.refresh_from_db()
    assert claim.published_decision_id is None


def test_an_editor_unpublishes_from_the_claim_page(client, seed, alice, bob):
    claim = publish_line27(seed, bob, alice)
    client.force_login(alice)

    response = client.post(
        reverse("claims:unpublish", args=[claim.pk]), {"version": claim.version, "reason": ""}
    )

    assert response.status_code == 302
    assert client.get(page(claim)).status_code == 404


def test_publishing_an_undecided_claim_is_400(client, seed, alice):
    claim = Claim.objects.get(document=seed, line=27)
    client.force_login(alice)

    html = client.get(detail(claim)).content.decode()
    assert "It cannot be published: it has no verdict to publish." in html
    response = client.post(reverse("claims:publish", args=[claim.pk]), {"version": claim.version})
    assert response.status_code == 400


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_reviewers_and_viewers_cannot_publish(client, seed, alice, bob, charlie, action):
    claim = decide_line27(seed, bob, alice)
    for user in (bob, charlie):
        client.force_login(user)
        html = client.get(detail(claim)).content.decode()
        assert reverse(f"claims:{action}", args=[claim.pk]) not in html
        response = client.post(reverse(f"claims:{action}", args=[claim.pk]), {"version": 9})
        assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.published_decision_id is None


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_the_buttons_refuse_get(client, seed, alice, action):
    client.force_login(alice)
    claim = Claim.objects.get(document=seed, line=27)

    assert client.get(reverse(f"claims:{action}", args=[claim.pk])).status_code == 405


def test_search_engines_may_ask_for_the_headers_alone(client, seed, alice, bob):
    claim = publish_line27(seed, bob, alice)

    assert client.head(page(claim)).status_code == 200
    assert client.head(reverse("public:index")).status_code == 200
