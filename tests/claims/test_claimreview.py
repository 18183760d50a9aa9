"""schema.org ClaimReview JSON-LD: what it means, the export of published reviews, the preview."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from claims.exports import claim_review_preview, claim_reviews
from claims.models import Claim, Stance, Verdict
from claims.services import (
    AssessmentInput,
    citation_detach,
    claim_decide,
    claim_publish,
    document_import,
    document_publish,
)
from sources.models import Document
from tests.claims.publish_data import (
    ARTICLE_TITLE,
    ARTICLE_URL,
    DW,
    DW_QUOTE,
    RATIONALE,
    REVISED_ON,
    WAPO,
    WAPO_QUOTE,
    decide_line27,
    describe_article,
    publish_line27,
)

# Google's ClaimReview documentation (developers.google.com/search/docs/appearance/
# structured-data/factcheck): what must be there, and what is recommended.
REQUIRED = {"claimReviewed", "reviewRating", "url"}
RECOMMENDED = {"author", "datePublished", "itemReviewed"}
RATING_REQUIRED = {"alternateName"}
RATING_RECOMMENDED = {"bestRating", "worstRating", "ratingValue", "name"}
CLAIM_RECOMMENDED = {"author", "datePublished"}  # and appearance or firstAppearance
HOSTILE = "</script><script>alert(1)</script> & <!--"


def assert_valid_claim_review(review: dict) -> None:
    """Check a ClaimReview against every field Google lists as required or recommended."""
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review.keys() >= REQUIRED | RECOMMENDED
    assert review["claimReviewed"].strip()
    assert review["url"].startswith(("http://", "https://"))
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating"
    assert rating.keys() >= RATING_REQUIRED | RATING_RECOMMENDED
    assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    assert rating["alternateName"].strip()
    assert review["author"]["@type"] == "Organization"
    assert review["author"]["name"].strip()
    datetime.date.fromisoformat(review["datePublished"])
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item.keys() >= CLAIM_RECOMMENDED
    assert "appearance" in item or "firstAppearance" in item
    assert item["author"]["@type"] in ("Organization", "Person")
    assert item["author"]["name"].strip()
    datetime.date.fromisoformat(item["datePublished"])
    for work in (item.get("appearance"), item.get("firstAppearance")):
        if work is not None:
            assert work["@type"] == "CreativeWork"
            assert work["url"].startswith(("http://", "https://"))
    json.dumps(review)  # plain JSON all the way down


def export(*args) -> str:
    out = StringIO()
    call_command("export_claimreview", *args, stdout=out)
    return out.getvalue()


def test_a_published_review_has_every_required_and_recommended_field(seed, alice, bob, settings):
    settings.WORKBENCH_BASE_URL = "https://checks.example.org"
    settings.WORKBENCH_ORGANISATION = "Example Fact Checks"
    claim = publish_line27(seed, bob, alice)

    (review,) = claim_reviews(Claim.objects.all())

    assert_valid_claim_review(review)
    assert review["claimReviewed"] == claim.text  # the whole sentence
    assert review["url"] == f"https://checks.example.org/reviews/{claim.id}/"
    assert review["author"] == {
        "@type": "Organization",
        "name": "Example Fact Checks",
        "url": "https://checks.example.org",
    }
    assert review["datePublished"] == claim.published_at.astimezone(datetime.UTC).date().isoformat()
    assert review["reviewBody"] == RATIONALE


def test_the_item_reviewed_is_the_claim_where_it_appeared_the_article(seed, alice, bob):
    publish_line27(seed, bob, alice)

    (review,) = claim_reviews(Claim.objects.all())

    article = {
        "@type": "CreativeWork",
        "url": ARTICLE_URL,
        "name": ARTICLE_TITLE,
        "datePublished": REVISED_ON.isoformat(),
    }
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Organization", "name": "Wikipedia contributors", "url": ARTICLE_URL},
        "datePublished": REVISED_ON.isoformat(),
        "appearance": article,
        "firstAppearance": article,
    }
    # The cited sources are not where the claim appeared, and the seed's file name is no author.
    assert DW["url"] not in json.dumps(review["itemReviewed"])
    assert seed.name not in json.dumps(review)


def test_the_cited_sources_are_citations_saying_what_each_says(seed, alice, bob):
    publish_line27(seed, bob, alice)

    (review,) = claim_reviews(Claim.objects.all())

    assert review["citation"] == [
        {
            "@type": "CreativeWork",
            "name": DW["title"],
            "url": DW["url"],
            "datePublished": "2022-09-26",
            "publisher": {"@type": "Organization", "name": "DW"},
            "description": f"Footnote [174]: Supports the claim. “{DW_QUOTE}”",
        },
        {
            "@type": "CreativeWork",
            "name": WAPO["title"],
            "url": WAPO["url"],
            "datePublished": "2022-09-26",
            "publisher": {"@type": "Organization", "name": "The Washington Post"},
            "description": f"Footnote [175]: Supports the claim. “{WAPO_QUOTE}” (p. 1)",
        },
    ]


@pytest.mark.parametrize(
    ("author", "fmt", "origin", "expected"),
    [
        ("", "seed", "https://example.org/report", None),
        ("Jane Doe", "seed", "https://example.org/report", {"@type": "Person", "name": "Jane Doe"}),
        (
            "Jane Doe; John Roe",
            "seed",
            "",
            [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "John Roe"}],
        ),
        ("", "wikitext", "", {"@type": "Organization", "name": "Wikipedia contributors"}),
        (
            "",
            "seed",
            "https://fr.wikipedia.org/wiki/Mobilisation",
            {
                "@type": "Organization",
                "name": "Wikipedia contributors",
                "url": "https://fr.wikipedia.org/wiki/Mobilisation",
            },
        ),
    ],
)
def test_the_claims_author_is_the_articles(seed, alice, bob, author, fmt, origin, expected):
    claim = decide_line27(seed, bob, alice)
    describe_article(seed, author=author, format=fmt, origin_url=origin)
    claim_publish(claim=claim, actor=alice, version=claim.version)

    (review,) = claim_reviews(Claim.objects.all())

    assert review["itemReviewed"].get("author") == expected


def test_without_a_revision_date_or_an_address_the_item_says_less(seed, alice, bob):
    claim = decide_line27(seed, bob, alice)
    describe_article(seed, revised_on=None)
    claim_publish(claim=claim, actor=alice, version=claim.version)

    (review,) = claim_reviews(Claim.objects.all())
    item = review["itemReviewed"]
    assert item["appearance"]["url"] == ARTICLE_URL
    assert "datePublished" not in item and "firstAppearance" not in item

    Document.objects.filter(pk=seed.pk).update(origin_url="")
    (review,) = claim_reviews(Claim.objects.all())
    assert "appearance" not in review["itemReviewed"]


def test_a_detached_footnote_is_not_cited(seed, alice, bob):
    describe_article(seed)
    claim = Claim.objects.get(document=seed, line=6)
    for label in ("31", "32"):
        from sources.models import Source
        from sources.services import source_update

        source_update(
            source=Source.objects.get(document=seed, label=label),
            actor=alice,
            url=f"https://example.org/{label}",
        )
    citation_detach(citation=claim.citations.get(source__label="31"), actor=bob)
    claim.refresh_from_db()
    claim_decide(
        claim=claim, actor=bob, verdict=Verdict.REFUTED, version=claim.version, rationale="No."
    )
    document_publish(document=seed, actor=alice)

    (review,) = claim_reviews(Claim.objects.all())

    assert [work["url"] for work in review["citation"]] == ["https://example.org/32"]


@pytest.mark.parametrize(
    ("verdict", "value", "name"),
    [("corroborated", 5, "Corroborated"), ("disputed", 3, "Disputed"), ("refuted", 1, "Refuted")],
)
def test_the_rating_follows_the_verdict(seed, alice, bob, verdict, value, name):
    describe_article(seed)
    claim = Claim.objects.get(document=seed, line=15)
    claim_decide(claim=claim, actor=bob, verdict=verdict, version=1, rationale="Read it.")
    document_publish(document=seed, actor=alice)

    (review,) = claim_reviews(Claim.objects.all())

    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": value,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": name,
        "name": name,
    }


def test_only_published_reviews_are_exported_as_published(seed, alice, bob):
    claim = decide_line27(seed, bob, alice)
    assert json.loads(export()) == []  # decided, not published: its page is not public

    claim_publish(claim=claim, actor=alice, version=claim.version)
    claim.refresh_from_db()
    claim_decide(
        claim=claim, actor=bob, verdict=Verdict.REFUTED, version=claim.version, rationale="Now."
    )

    (review,) = json.loads(export())
    assert review["reviewRating"]["alternateName"] == "Corroborated"  # what the page shows
    assert review["reviewBody"] == RATIONALE


def test_the_command_writes_json_lines_and_takes_the_claim_list_filters(seed, alice, bob, tmp_path):
    publish_line27(seed, bob, alice)
    other = Claim.objects.get(document=seed, line=1)
    claim_decide(claim=other, actor=bob, verdict=Verdict.REFUTED, version=1, rationale="No.")
    document_publish(document=seed, actor=alice)
    path = tmp_path / "reviews.jsonl"

    call_command("export_claimreview", "--jsonl", "--verdict", "refuted", "--output", str(path))

    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["reviewRating"]["alternateName"] == "Refuted"
    assert [r["claimReviewed"] for r in json.loads(export())] == [
        other.text,
        Claim.objects.get(document=seed, line=27).text,
    ]
    assert json.loads(export("--verdict", "disputed")) == []


def test_an_empty_export_is_an_empty_array(seed):
    assert json.loads(export()) == []


@pytest.mark.parametrize("args", [[], ["--jsonl"]])
def test_script_in_a_claim_cannot_break_out_of_the_exported_json(seed, alice, bob, args):
    publish_line27(seed, bob, alice, text=HOSTILE, rationale=HOSTILE)

    text = export(*args)

    assert "<" not in text and ">" not in text and "&" not in text
    parsed = json.loads(text) if not args else [json.loads(line) for line in text.splitlines()]
    assert parsed[0]["claimReviewed"] == HOSTILE and parsed[0]["reviewBody"] == HOSTILE


@pytest.mark.parametrize("count", [3, 30])
def test_many_claims_take_a_fixed_number_of_queries(
    db, bob, alice, count, django_assert_max_num_queries
):
    lines = "\n".join(f"Sentence {n} is here.[{n % 7 + 1}]" for n in range(count))
    document = document_import(name="many.txt", data=lines.encode()).document
    for claim in Claim.objects.filter(document=document):
        claim_decide(
            claim=claim,
            actor=bob,
            verdict=Verdict.CORROBORATED,
            version=1,
            assessments={c.pk: AssessmentInput(Stance.SUPPORTS) for c in claim.citations.all()},
        )
    document_publish(document=document, actor=alice)

    # Per batch: the claims, their footnotes (for the check), footnotes with sources,
    # assessments; then the empty batch.
    with django_assert_max_num_queries(5):
        reviews = list(claim_reviews(Claim.objects.all()))

    assert len(reviews) == count


# --- The editor's preview, /claims/<id>/claimreview.json ------------------------------------


def test_the_preview_of_an_unpublished_claim_points_at_the_workbench(seed, alice, bob, settings):
    settings.WORKBENCH_BASE_URL = "https://checks.example.org"
    claim = decide_line27(seed, bob, alice)

    review = claim_review_preview(Claim.objects.select_related("document").get(pk=claim.pk))

    assert_valid_claim_review(review)
    assert review["url"] == f"https://checks.example.org/claims/{claim.id}/"
    claim_publish(claim=claim, actor=alice, version=claim.version)
    review = claim_review_preview(Claim.objects.select_related("document").get(pk=claim.pk))
    assert review["url"] == f"https://checks.example.org/reviews/{claim.id}/"


def test_script_in_a_claim_cannot_break_out_of_the_json_view(client, seed, alice, bob):
    claim = decide_line27(seed, bob, alice, text=HOSTILE, rationale=HOSTILE)
    client.force_login(bob)

    response = client.get(reverse("claims:claimreview", args=[claim.pk]))

    text = response.content.decode()
    assert response["Content-Type"] == "application/ld+json"
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["claimReviewed"] == HOSTILE
