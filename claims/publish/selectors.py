"""Reads of published reviews: what the public pages, the feed and the ClaimReview export show.

A review is public while its claim has a published decision, is still in its document, does not
need re-review, and still has exactly the footnotes it had when it was published. The last rule
is checked in Python (`published_citations` against the attached citations): a footnote added,
moved or detached after publication clears `needs_rereview` again once someone decides, and the
old review must not come back on its own.

What a review shows is the claim *as of its published decision*: that decision's verdict and
rationale, and for each footnote the latest stance and quote recorded for this claim up to that
decision. A newer decision changes nothing public until an editor publishes again.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse

from claims.models import Assessment, Citation, Claim, ClaimQuerySet, Decision, Stance, Verdict

#: The verdicts a review can publish (an unreviewed claim has nothing to say).
PUBLISHABLE = (Verdict.CORROBORATED, Verdict.DISPUTED, Verdict.REFUTED)
#: Published reviews per page of the public index, and entries in the feed.
PAGE_SIZE = 30
FEED_SIZE = 50

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def citation_signature(citation_ids: Iterable[int]) -> str:
    """Return the footnotes a review stands on as stored in `Claim.published_citations`."""
    return ",".join(str(pk) for pk in sorted(citation_ids))


def attached_signatures(claim_ids: list[int]) -> dict[int, str]:
    """Return the signature of the attached footnotes of each claim of `claim_ids` (one query)."""
    ids: dict[int, list[int]] = defaultdict(list)
    for claim_id, pk in (
        Citation.objects.attached().filter(claim_id__in=claim_ids).values_list("claim_id", "id")
    ):
        ids[claim_id].append(pk)
    return {claim_id: citation_signature(ids[claim_id]) for claim_id in claim_ids}


def published_claims() -> ClaimQuerySet:
    """Return the claims whose review may be public, as far as SQL can tell (see the module)."""
    return Claim.objects.filter(
        published_decision__isnull=False, withdrawn_at__isnull=True, needs_rereview=False
    )


def public_url(claim_id: int) -> str:
    """Return the absolute address of a claim's public review page."""
    return f"{settings.WORKBENCH_BASE_URL}{reverse('public:detail', args=[claim_id])}"


def internal_url(claim_id: int) -> str:
    """Return the absolute address of a claim's page in the workbench (sign-in needed)."""
    return f"{settings.WORKBENCH_BASE_URL}{reverse('claims:detail', args=[claim_id])}"


@dataclass(frozen=True)
class ReviewedSource:
    """One footnote of a reviewed claim with what was said of its source up to the decision."""

    citation: Citation
    assessment: Assessment | None

    @property
    def source(self):
        return self.citation.source

    @property
    def stance(self) -> str:
        return self.assessment.stance if self.assessment else ""

    @property
    def stance_label(self) -> str:
        return Stance(self.stance).label if self.stance else "Not assessed"


@dataclass(frozen=True)
class Review:
    """A claim as of one decision: the published one, or (for a preview) the latest."""

    claim: Claim
    decision: Decision
    sources: list[ReviewedSource]
    #: True for the review on the public page; False for a preview of the latest decision.
    published: bool

    @property
    def verdict(self) -> str:
        return self.decision.verdict_to

    @property
    def verdict_label(self) -> str:
        return Verdict(self.verdict).label

    @property
    def url(self) -> str:
        """The review's address: its public page once published, else the workbench's page."""
        return public_url(self.claim.id) if self.published else internal_url(self.claim.id)

    @property
    def date(self) -> datetime.datetime:
        """When the review was published, or (a preview) when it was decided."""
        return self.claim.published_at if self.published else self.decision.at


def reviews_of(claims: list[Claim], *, published: bool) -> list[Review]:
    """Return the review of each of `claims` (which need their document and decision loaded).

    `published=True` takes each claim's published decision, else its latest. Two queries: the
    attached footnotes with their sources, and the assessments recorded for these claims, of
    which each footnote gets the latest made at or before the decision.
    """
    decided = [c for c in claims if (c.published_decision if published else c.last_decision)]
    ids = [claim.id for claim in decided]
    citations: dict[int, list[Citation]] = defaultdict(list)
    for citation in (
        Citation.objects.attached()
        .filter(claim_id__in=ids)
        .select_related("source")
        .order_by("claim_id", "order")
    ):
        citations[citation.claim_id].append(citation)
    # Assessments made while a footnote was on another claim (before it was moved here) were
    # about another sentence: only this claim's decisions count.
    history: dict[tuple[int, int], list[Assessment]] = defaultdict(list)
    for assessment in (
        Assessment.objects.filter(decision__claim_id__in=ids)
        .annotate(claim_id=F("decision__claim_id"))
        .order_by("id")
    ):
        history[(assessment.claim_id, assessment.citation_id)].append(assessment)
    reviews = []
    for claim in decided:
        decision = claim.published_decision if published else claim.last_decision
        sources = []
        for citation in citations[claim.id]:
            made = [a for a in history[(claim.id, citation.id)] if a.decision_id <= decision.id]
            sources.append(ReviewedSource(citation=citation, assessment=made[-1] if made else None))
        reviews.append(Review(claim=claim, decision=decision, sources=sources, published=published))
    return reviews


def is_public(claim: Claim, signature: str) -> bool:
    """Return whether `claim` (from published_claims()) still stands on its published footnotes."""
    return claim.published_citations == signature


def public_review(pk: int) -> Review | None:
    """Return the public review of claim `pk`, or None while it has none (the page's 404)."""
    claim = (
        published_claims()
        .select_related("document", "published_decision__actor")
        .filter(pk=pk)
        .first()
    )
    if claim is None:
        return None
    (review,) = reviews_of([claim], published=True)
    current = citation_signature(source.citation.id for source in review.sources)
    return review if is_public(claim, current) else None


@dataclass(frozen=True)
class ReviewPage:
    reviews: list[Review]
    next_cursor: str  # "" on the last page


def _cursor_of(claim: Claim) -> str:
    return f"{(claim.published_at - _EPOCH) // _MICROSECOND}.{claim.id}"


def parse_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    """Return (published_at, claim id) of an index cursor, or raise ValueError.

    A cursor is "<microseconds since 1970>.<claim id>", ASCII digits only.
    """
    parts = cursor.split(".")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
        raise ValueError("a cursor is two numbers joined by a dot")
    micros, pk = (int(p) for p in parts)
    try:
        return _EPOCH + micros * _MICROSECOND, pk
    except OverflowError:
        raise ValueError("the cursor's time is out of range") from None


def public_reviews_page(*, after: str = "", size: int | None = None) -> ReviewPage:
    """Return one page of public reviews, the latest published first, after the cursor `after`.

    Keyset pagination on (published_at, id) over the `claim_published` index: no COUNT, no
    OFFSET. A claim whose footnotes changed since publication is skipped, so a page may hold
    fewer than `size` reviews; the cursor still moves past it. Raises ValueError for a bad cursor.
    """
    size = size or PAGE_SIZE
    claims = (
        published_claims()
        .select_related("document", "published_decision__actor")
        .order_by("-published_at", "-id")
    )
    if after:
        at, pk = parse_cursor(after)
        claims = claims.filter(Q(published_at__lt=at) | Q(published_at=at, id__lt=pk))
    rows = list(claims[: size + 1])
    next_cursor = _cursor_of(rows[size - 1]) if len(rows) > size else ""
    rows = rows[:size]
    signatures = attached_signatures([claim.id for claim in rows])
    shown = [claim for claim in rows if is_public(claim, signatures[claim.id])]
    return ReviewPage(reviews=reviews_of(shown, published=True), next_cursor=next_cursor)


@dataclass(frozen=True)
class Publication:
    """Where a claim stands with the public, for the editor's card on the claim page."""

    published: bool  # an editor published it and nobody has unpublished it since
    public: bool  # anyone can read its review page now
    newer_decision: bool  # decided again since: the public still sees the older review
    publishable: bool  # claim_publish would accept it now
    why_not: str  # why it cannot be published, or why its page is down
    url: str

    @property
    def stale(self) -> bool:
        return self.published and self.newer_decision


def publication_state(claim: Claim, citations: list[Citation]) -> Publication:
    """Return `claim`'s publication state; `citations` are its attached footnotes."""
    current = citation_signature(c.id for c in citations)
    published = claim.published_decision_id is not None
    why_not = ""
    if claim.withdrawn_at is not None:
        why_not = "it was withdrawn: its line is no longer in the document"
    elif claim.needs_rereview:
        why_not = "its footnotes changed after its decision: decide it again first"
    elif claim.last_decision_id is None or claim.verdict not in PUBLISHABLE:
        why_not = "it has no verdict to publish"
    up_to_date = claim.published_decision_id == claim.last_decision_id
    evidence_moved = published and claim.published_citations != current
    if not why_not and published and evidence_moved and up_to_date:
        why_not = "its footnotes changed after it was published: decide it again first"
    public = (
        published and claim.withdrawn_at is None and not claim.needs_rereview and not evidence_moved
    )
    return Publication(
        published=published,
        public=public,
        newer_decision=published and not up_to_date,
        publishable=not why_not and not (published and up_to_date and not evidence_moved),
        why_not=why_not,
        url=public_url(claim.id),
    )
