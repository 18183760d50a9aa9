"""schema.org ClaimReview JSON-LD: claim_review(), claim_review_for_claim() and the command."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command

from claims.exports import claim_review_for_claim, claim_reviews
from claims.models import Claim
from claims.services import AssessmentInput, citation_detach, claim_decide
from sources.models import Source
from sources.services import source_update

# Google's ClaimReview documentation (developers.google.com/search/docs/appearance/
# structured-data/factcheck): what must be there, and what is recommended.
REQUIRED = {"claimReviewed", "reviewRating", "url"}
RECOMMENDED = {"author", "datePublished", "itemReviewed"}
RATING_REQUIRED = {"alternateName"}
RATING_RECOMMENDED = {"bestRating", "worstRating", "ratingValue", "name"}
CLAIM_RECOMMENDED = {"appearance", "author", "firstAppearance"}


def decide(claim: Claim, actor, verdict: str, stance: str | None = None) -> None:
    claim.refresh_from_db()
    assessments = (
        {
            c.pk: AssessmentInput(stance, quote="quoted", page="4")
            for c in claim.citations.attached()
        }
        if stance
        else None
    )
    claim_decide(
        claim=claim,
        actor=actor,
        verdict=verdict,
        version=claim.version,
        rationale="Checked against the sources.",
        assessments=assessments,
    )


def set_source(seed, alice, label: str, **changes) -> None:
    source_update(source=Source.objects.get(document=seed, label=label), actor=alice, **changes)


def assert_valid_claim_review(review: dict) -> None:
    """Check a ClaimReview against Google's required and recommended fields."""
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
    assert item["author"]["@type"] == "Organization"
    assert item["author"]["name"].strip()
    for work in item["appearance"] + [item.get("firstAppearance", {"url": "http://x"})]:
        assert work.get("@type", "CreativeWork") == "CreativeWork"
        assert work["url"].startswith(("http://", "https://"))
    json.dumps(review)  # plain JSON all the way down


@pytest.fixture
def sourced(seed, alice):
    """Line 27 ([174]..[181]) with URLs and dates on some of its sources."""
    set_source(
        seed,
        alice,
        "174",
        url="https://example.org/174",
        title="Later",
        published_on=datetime.date(2022, 9, 27),
    )
    set_source(
        seed, alice, "175", url="https://example.org/175", published_on=datetime.date(2022, 9, 26)
    )
    set_source(seed, alice, "176", url="https://example.org/176")
    # The earliest date, but no URL: it cannot be an appearance.
    set_source(seed, alice, "177", published_on=datetime.date(2020, 1, 1))
    return Claim.objects.get(document=seed, line=27)


def test_a_decided_claim_has_the_required_and_recommended_fields(sourced, bob, settings):
    settings.WORKBENCH_BASE_URL = "https://checks.example.org"
    settings.WORKBENCH_ORGANISATION = "Example Fact Checks"
    decide(sourced, bob, "corroborated", "supports")

    review = claim_review_for_claim(sourced)

    assert_valid_claim_review(review)
    assert review["claimReviewed"] == sourced.text
    assert review["url"] == f"https://checks.example.org/claims/{sourced.id}/"
    assert review["author"] == {
        "@type": "Organization",
        "name": "Example Fact Checks",
        "url": "https://checks.example.org",
    }
    assert review["datePublished"] == sourced.decisions.get().at.date().isoformat()
    assert review["itemReviewed"]["author"] == {
        "@type": "Organization",
        "name": "000_cd3426a0e815e9f2.txt",
    }


def test_appearances_are_the_sources_with_urls_and_the_first_is_the_earliest_dated(sourced, bob):
    decide(sourced, bob, "corroborated", "supports")

    item = claim_review_for_claim(sourced)["itemReviewed"]

    assert [work["url"] for work in item["appearance"]] == [
        "https://example.org/174",
        "https://example.org/175",
        "https://example.org/176",
    ]
    assert item["appearance"][0] == {
        "@type": "CreativeWork",
        "url": "https://example.org/174",
        "name": "Later",
        "datePublished": "2022-09-27",
    }
    assert item["firstAppearance"] == {
        "@type": "CreativeWork",
        "url": "https://example.org/175",
        "datePublished": "2022-09-26",
    }


def test_without_dated_sources_there_is_no_first_appearance(seed, bob):
    claim = Claim.objects.get(document=seed, line=15)
    decide(claim, bob, "corroborated", "supports")

    item = claim_review_for_claim(claim)["itemReviewed"]

    assert item["appearance"] == []
    assert "firstAppearance" not in item


def test_a_detached_footnote_is_not_an_appearance(seed, alice, bob):
    set_source(seed, alice, "31", url="https://example.org/31")
    set_source(seed, alice, "32", url="https://example.org/32")
    claim = Claim.objects.get(document=seed, line=6)
    citation_detach(citation=claim.citations.get(source__label="31"), actor=bob)
    decide(claim, bob, "refuted", "refutes")

    item = claim_review_for_claim(claim)["itemReviewed"]

    assert [work["url"] for work in item["appearance"]] == ["https://example.org/32"]


@pytest.mark.parametrize(
    ("verdict", "stance", "value", "name"),
    [
        ("corroborated", "supports", 5, "Corroborated"),
        ("disputed", "disputes", 3, "Disputed"),
        ("refuted", "refutes", 1, "Refuted"),
    ],
)
def test_the_rating_follows_the_verdict(sourced, bob, verdict, stance, value, name):
    decide(sourced, bob, verdict, stance)

    rating = claim_review_for_claim(sourced)["reviewRating"]

    assert rating == {
        "@type": "Rating",
        "ratingValue": value,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": name,
        "name": name,
    }


def test_unreviewed_claims_have_no_claim_review(seed, bob):
    claim = Claim.objects.get(document=seed, line=27)

    assert claim_review_for_claim(claim) is None
    decide(claim, bob, "corroborated", "supports")
    decide(claim, bob, "unreviewed")  # back to unreviewed: nothing to publish
    assert claim_review_for_claim(claim) is None


def test_one_claim_takes_two_queries(sourced, bob, django_assert_max_num_queries):
    decide(sourced, bob, "corroborated", "supports")

    with django_assert_max_num_queries(2):
        claim_review_for_claim(sourced)


def export(*args) -> str:
    out = StringIO()
    call_command("export_claimreview", *args, stdout=out)
    return out.getvalue()


def test_the_command_writes_a_json_array_of_the_decided_claims_only(sourced, seed, bob):
    decide(sourced, bob, "corroborated", "supports")
    decide(Claim.objects.get(document=seed, line=1), bob, "refuted")

    reviews = json.loads(export())

    assert [r["url"].rsplit("/", 2)[1] for r in reviews] == [
        str(Claim.objects.get(document=seed, line=1).id),
        str(sourced.id),
    ]
    for review in reviews:
        assert_valid_claim_review(review)
    assert reviews[1] == claim_review_for_claim(sourced)


def test_the_command_writes_json_lines_and_takes_the_claim_list_filters(
    sourced, seed, bob, tmp_path
):
    decide(sourced, bob, "corroborated", "supports")
    decide(Claim.objects.get(document=seed, line=1), bob, "refuted")
    path = tmp_path / "reviews.jsonl"

    call_command("export_claimreview", "--jsonl", "--verdict", "refuted", "--output", str(path))

    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["reviewRating"]["alternateName"] == "Refuted"
    assert json.loads(export("--verdict", "disputed")) == []


def test_an_empty_export_is_an_empty_array(seed):
    assert json.loads(export()) == []


def test_hostile_text_stays_text(db, bob):
    from claims.services import document_import

    document_import(
        name="hostile.txt", data=b'=HYPERLINK("x") <script>alert(1)</script> \xd0\x9f.\n'
    )
    claim = Claim.objects.get()
    decide(claim, bob, "refuted")

    review = json.loads(export())[0]

    assert review["claimReviewed"] == '=HYPERLINK("x") <script>alert(1)</script> П.'


@pytest.mark.parametrize("count", [3, 30])
def test_many_claims_take_a_fixed_number_of_queries(db, bob, count, django_assert_max_num_queries):
    from claims.services import document_import

    lines = "\n".join(f"Sentence {n} is here.[{n % 7 + 1}]" for n in range(count))
    document = document_import(name="many.txt", data=lines.encode()).document
    for claim in Claim.objects.filter(document=document):
        decide(claim, bob, "corroborated", "supports")

    with django_assert_max_num_queries(3):  # claims, citations, then the empty next batch
        reviews = list(claim_reviews(Claim.objects.all()))

    assert len(reviews) == count
