"""schema.org ClaimReview (manage.py export_claimreview, /claims/<id>/claimreview.json)."""

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings

from claims.exports.rows import citations_by_claim, claim_batches, decided, json_line
from claims.models import (
    Attribution,
    Citation,
    Claim,
    ClaimQuerySet,
    Verdict,
)
from sources.models import Source


@dataclass(frozen=True)
class Rating:
    value: int
    name: str


#: The published rating of each verdict, on a 1 (worst) to 5 (best) scale. "Disputed" sits in
#: the middle: the sources disagree, so the claim is neither shown true nor shown false.
#: Unreviewed claims have no rating and are never exported.
RATINGS: dict[str, Rating] = {
    Verdict.CORROBORATED: Rating(5, "Corroborated"),
    Verdict.DISPUTED: Rating(3, "Disputed"),
    Verdict.REFUTED: Rating(1, "Refuted"),
}
BEST_RATING, WORST_RATING = 5, 1


def _creative_work(source: Source) -> dict:
    work: dict = {"@type": "CreativeWork", "url": source.url}
    if source.title:
        work["name"] = source.title
    if source.published_on:
        work["datePublished"] = source.published_on.isoformat()
    return work


def claim_review(claim, citations: list[Citation]) -> dict:
    """Return the schema.org ClaimReview JSON-LD of a decided claim.

    `claim` needs its document and last decision loaded; `citations` are its citations (with
    their sources), in order. Detached citations and sources without a URL are left out of
    `appearance`; `firstAppearance` is the earliest dated source with a URL, when there is one.
    Raises ValueError for a claim without a published verdict.
    """
    if claim.verdict not in RATINGS:
        raise ValueError(f"claim {claim.id} has no published verdict ({claim.verdict})")
    rating = RATINGS[claim.verdict]
    seen: set[str] = set()
    sources: list[Source] = []
    for citation in citations:
        source = citation.source
        if citation.attribution != Attribution.DETACHED and source.url and source.url not in seen:
            seen.add(source.url)
            sources.append(source)
    document = claim.document
    item: dict = {
        "@type": "Claim",
        "author": {"@type": "Organization", "name": document.title or document.name},
        "appearance": [_creative_work(source) for source in sources],
    }
    dated = [source for source in sources if source.published_on]
    if dated:
        item["firstAppearance"] = _creative_work(min(dated, key=lambda s: s.published_on))
    review: dict = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{settings.WORKBENCH_BASE_URL}/claims/{claim.id}/",
        "claimReviewed": claim.text,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": rating.value,
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            "alternateName": rating.name,
            "name": rating.name,
        },
        "itemReviewed": item,
        "author": {
            "@type": "Organization",
            "name": settings.WORKBENCH_ORGANISATION,
            "url": settings.WORKBENCH_BASE_URL,
        },
    }
    if claim.last_decision is not None:
        review["datePublished"] = claim.last_decision.at.astimezone(datetime.UTC).date().isoformat()
    return review


def claim_reviews(claims: ClaimQuerySet) -> Iterator[dict]:
    """Yield the ClaimReview of every decided claim in `claims`, two queries per batch."""
    for batch in claim_batches(decided(claims)):
        citations = citations_by_claim([claim.id for claim in batch])
        for claim in batch:
            yield claim_review(claim, citations[claim.id])


def claim_review_for_claim(claim) -> dict | None:
    """Return the ClaimReview of `claim`, or None while it has no published verdict."""
    claim = (
        decided(Claim.objects.filter(pk=claim.pk))
        .select_related("document", "last_decision__actor")
        .first()
    )
    if claim is None:
        return None
    return claim_review(claim, citations_by_claim([claim.id])[claim.id])


def claim_reviews_json(claims: ClaimQuerySet, *, jsonl: bool = False) -> Iterator[str]:
    """Yield the ClaimReviews of `claims` as one JSON array, or as JSON Lines with `jsonl`."""
    if jsonl:
        for review in claim_reviews(claims):
            yield json_line(review)
        return
    yield "["
    for n, review in enumerate(claim_reviews(claims)):
        yield ("\n" if n == 0 else ",\n") + json.dumps(review, ensure_ascii=False)
    yield "\n]\n"
