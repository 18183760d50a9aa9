"""schema.org ClaimReview: the public review pages, manage.py export_claimreview, and the
editor's preview at /claims/<id>/claimreview.json.

Meaning of the fields (Google's ClaimReview documentation lists `claimReviewed`, `reviewRating`
and `url` as required; `author`, `datePublished`, `itemReviewed` and the rating's bounds and
names as recommended):

- `claimReviewed` is the claim's whole sentence; `url` its public review page.
- `itemReviewed` is the claim *where it appeared*: `appearance` is the article (the document's
  origin URL and title), `author` the article's author (`Document.author`; a Wikipedia article's
  is "Wikipedia contributors", an Organization, with the article's URL), `datePublished` and
  `firstAppearance` the document's revision date where it is known. The file name a document
  was imported under is never an author.
- The cited sources are the review's `citation`s: one CreativeWork each, its `description`
  saying what the source says of the claim (and quoting it) as assessed up to the decision.
- `reviewBody` is the decision's rationale; `datePublished` the day it was published.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from claims.exports.rows import claim_batches, json_line, json_text
from claims.models import Claim, ClaimQuerySet, Stance, Verdict
from claims.publish.selectors import (
    Review,
    ReviewedSource,
    attached_signatures,
    is_public,
    published_claims,
    reviews_of,
)
from sources.models import Document


@dataclass(frozen=True)
class Rating:
    value: int
    name: str


#: The published rating of each verdict, on a 1 (worst) to 5 (best) scale. "Disputed" sits in
#: the middle: the sources disagree, so the claim is neither shown true nor shown false.
#: Unreviewed claims have no rating and are never published.
RATINGS: dict[str, Rating] = {
    Verdict.CORROBORATED: Rating(5, "Corroborated"),
    Verdict.DISPUTED: Rating(3, "Disputed"),
    Verdict.REFUTED: Rating(1, "Refuted"),
}
BEST_RATING, WORST_RATING = 5, 1
WIKIPEDIA_AUTHOR = "Wikipedia contributors"
#: The import formats whose documents are Wikipedia articles.
WIKIPEDIA_FORMATS = ("wikitext", "html")

#: What each stance says, as the cited work's `description` begins.
STANCE_SENTENCES = {
    Stance.SUPPORTS: "Supports the claim",
    Stance.DISPUTES: "Disputes the claim",
    Stance.REFUTES: "Refutes the claim",
    Stance.NOT_IN_SOURCE: "Does not say anything about the claim",
    Stance.UNAVAILABLE: "Could not be consulted",
}


def is_wikipedia(document: Document) -> bool:
    """Return whether `document` is a Wikipedia article (by its address, or its format)."""
    host = (urlsplit(document.origin_url).hostname or "").lower()
    return (
        host == "wikipedia.org"
        or host.endswith(".wikipedia.org")
        or (document.format in WIKIPEDIA_FORMATS)
    )


def article_author(document: Document) -> dict | list[dict] | None:
    """Return the schema.org author of the article `document` is, or None when unknown.

    A Wikipedia article's author is "Wikipedia contributors", an Organization, with the
    article's URL. Any other author the document names is a Person (several, "; "-joined, are
    several Persons): the import records who wrote an article, not who published it.
    """
    if is_wikipedia(document) and document.author in ("", WIKIPEDIA_AUTHOR):
        author = {"@type": "Organization", "name": WIKIPEDIA_AUTHOR}
        if document.origin_url:
            author["url"] = document.origin_url
        return author
    names = [name.strip() for name in document.author.split(";") if name.strip()]
    if not names:
        return None
    people = [{"@type": "Person", "name": name} for name in names]
    return people[0] if len(people) == 1 else people


def _article(document: Document) -> dict | None:
    """Return the article as a CreativeWork, or None when it has no address."""
    if not document.origin_url:
        return None
    work: dict = {"@type": "CreativeWork", "url": document.origin_url}
    if document.title:
        work["name"] = document.title
    if document.revised_on:
        work["datePublished"] = document.revised_on.isoformat()
    return work


def _cited(source: ReviewedSource) -> dict | None:
    """Return a cited source as a CreativeWork, or None when it has neither title nor URL."""
    work = source.source
    if not (work.url or work.title):
        return None
    cited: dict = {"@type": "CreativeWork"}
    if work.title:
        cited["name"] = work.title
    if work.url:
        cited["url"] = work.url
    if work.published_on:
        cited["datePublished"] = work.published_on.isoformat()
    if work.publisher:
        cited["publisher"] = {"@type": "Organization", "name": work.publisher}
    said = STANCE_SENTENCES.get(source.stance, "Not assessed")
    description = f"Footnote [{work.label}]: {said}."
    if source.assessment and source.assessment.quote:
        description += f" “{source.assessment.quote}”"
        if source.assessment.page:
            description += f" (p. {source.assessment.page})"
    cited["description"] = description
    return cited


def claim_review(review: Review) -> dict:
    """Return the schema.org ClaimReview JSON-LD of `review` (see the module for the meaning).

    Raises ValueError for a review whose decision has no rating (unreviewed).
    """
    if review.verdict not in RATINGS:
        raise ValueError(f"claim {review.claim.id} has no published verdict ({review.verdict})")
    rating = RATINGS[review.verdict]
    document = review.claim.document
    item: dict = {"@type": "Claim"}
    author = article_author(document)
    if author is not None:
        item["author"] = author
    if document.revised_on:
        item["datePublished"] = document.revised_on.isoformat()
    article = _article(document)
    if article is not None:
        item["appearance"] = article
        if document.revised_on:
            item["firstAppearance"] = article
    result: dict = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": review.url,
        "claimReviewed": review.claim.text,
        "datePublished": review.date.astimezone(datetime.UTC).date().isoformat(),
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
    if review.decision.rationale:
        result["reviewBody"] = review.decision.rationale
    cited = [work for work in map(_cited, review.sources) if work is not None]
    if cited:
        result["citation"] = cited
    return result


def claim_reviews(claims: ClaimQuerySet) -> Iterator[dict]:
    """Yield the ClaimReview of every public review among `claims`, as it is published.

    A ClaimReview is a statement to the public whose `url` anyone must be able to read: claims
    that are decided but not published (or whose page is down) are left out. Three queries a
    batch: claims, their footnotes, their assessments.
    """
    public = published_claims().filter(pk__in=claims.order_by().values("pk"))
    for batch in claim_batches(public.select_related("published_decision")):
        signatures = attached_signatures([claim.id for claim in batch])
        shown = [claim for claim in batch if is_public(claim, signatures[claim.id])]
        for review in reviews_of(shown, published=True):
            yield claim_review(review)


def claim_review_preview(claim: Claim) -> dict | None:
    """Return the ClaimReview publishing `claim` now would publish, or None if it has no verdict.

    `claim` needs its document and last decision loaded. Its `url` is the public page while the
    latest decision is the published one, else the workbench's own page (sign-in needed).
    """
    if claim.verdict not in RATINGS or claim.last_decision is None:
        return None
    (review,) = reviews_of([claim], published=False)
    if claim.published_decision_id == claim.last_decision_id:
        review = Review(
            claim=claim, decision=review.decision, sources=review.sources, published=True
        )
    return claim_review(review)


def claim_reviews_json(claims: ClaimQuerySet, *, jsonl: bool = False) -> Iterator[str]:
    """Yield the ClaimReviews of `claims` as one JSON array, or as JSON Lines with `jsonl`."""
    if jsonl:
        for review in claim_reviews(claims):
            yield json_line(review)
        return
    yield "["
    for n, review in enumerate(claim_reviews(claims)):
        yield ("\n" if n == 0 else ",\n") + json_text(review)
    yield "\n]\n"
