"""The decision history as CSV (manage.py export_decisions, /decisions/export.csv).

Every decision, then every blind review anyone may see (double review: a review stays out
while it is the only one of its round), marked `kind` "review": an analyst can recompute
the reviewers' agreement from the file alone, pairing the review rows by their `reviews` cell.
A workbench without such reviews (single review) exports exactly the columns it always did;
with them, REVIEW_COLUMNS follow.
"""

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Exists, QuerySet

from claims.exports.rows import BATCH, csv_line, join_items
from claims.models import (
    Assessment,
    Decision,
    Review,
    ReviewAssessment,
)

DECISION_HEADER = [
    "decision_id",
    "claim_id",
    "document",
    "line",
    "claim",
    "verdict_from",
    "verdict_to",
    "suggested",
    "rationale",
    "evidence_url",
    "evidence_quote",
    "actor",
    "at",
    "assessments",
]
#: The columns added once the workbench holds reviews anyone may see (double review): what kind
#: of decision a row is, or that it is a review, and which reviews it settled or pairs.
REVIEW_COLUMNS = ["kind", "review_id", "reviews"]


def decisions_csv(
    decisions: QuerySet[Decision] | None = None,
    *,
    bom: bool = False,
    raw: bool = False,
    reviews: QuerySet[Review] | None = None,
) -> Iterator[str]:
    """Yield the CSV of every decision (or of `decisions`), oldest first, one line at a time,
    then the reviews anyone may see (or `reviews`), oldest first.

    Batches are keyset-paginated by id: two queries per batch of BATCH decisions, whatever
    the size of the history. `assessments` lists what the decision recorded of each source,
    `label:stance` in citation order. `kind` is "decision", "agreement" or "adjudication"
    (`reviews`: the ids of the two reviews it settled, `;`-joined), or "review" for a blind
    review (`review_id` its id, `decision_id` empty, `reviews` the ids of its pair, or its own
    alone). The CSV rules are rows.py's (formula cells neutralised unless `raw`).
    """
    base = Decision.objects.all() if decisions is None else decisions
    shown = Review.objects.visible() if reviews is None else reviews
    # Whether any review is shown rides on the decisions' own query: no query of its own.
    base = base.select_related("claim__document", "actor").order_by("id")
    batches = _decision_batches(base.annotate(any_review=Exists(shown)))
    first = next(batches, [])
    with_reviews = first[0].any_review if first else shown.exists()
    if bom:
        yield "\ufeff"
    yield csv_line(DECISION_HEADER + (REVIEW_COLUMNS if with_reviews else []))
    for batch in (first, *batches) if first else ():
        assessed: dict[int, list[str]] = defaultdict(list)
        for decision_id, label, stance in (
            Assessment.objects.filter(decision_id__in=[d.id for d in batch])
            .order_by("decision_id", "citation__order", "id")
            .values_list("decision_id", "citation__source__label", "stance")
        ):
            assessed[decision_id].append(f"{label}:{stance}")
        for decision in batch:
            claim = decision.claim
            row = [
                str(decision.id),
                str(claim.id),
                claim.document.name,
                str(claim.line),
                claim.text,
                decision.verdict_from,
                decision.verdict_to,
                decision.suggested,
                decision.rationale,
                decision.evidence_url,
                decision.evidence_quote,
                decision.actor.get_username(),
                decision.at.isoformat(),
                join_items(assessed[decision.id]),
            ]
            if with_reviews:
                settled = (decision.first_review_id, decision.second_review_id)
                row += [decision.kind, "", ";".join(str(pk) for pk in settled if pk)]
            yield csv_line(row, raw=raw)
    if with_reviews:
        yield from _reviews_csv(shown, raw=raw)


def _decision_batches(base: QuerySet[Decision]) -> Iterator[list[Decision]]:
    """Yield `base` in keyset batches of BATCH by id; the last query finds nothing."""
    after = 0
    while True:
        batch = list(base.filter(id__gt=after)[:BATCH])
        if not batch:
            return
        yield batch
        after = batch[-1].id


def _reviews_csv(reviews: QuerySet[Review], *, raw: bool) -> Iterator[str]:
    """Yield a row per review, in the decision rows' columns (three queries a batch)."""
    base = reviews.select_related("claim__document", "actor").order_by("id")
    after = 0
    while True:
        batch = list(base.filter(id__gt=after)[:BATCH])
        if not batch:
            return
        ids = [review.id for review in batch]
        assessed: dict[int, list[str]] = defaultdict(list)
        for review_id, label, stance in (
            ReviewAssessment.objects.filter(review_id__in=ids)
            .exclude(stance="")
            .order_by("review_id", "citation__order", "id")
            .values_list("review_id", "citation__source__label", "stance")
        ):
            assessed[review_id].append(f"{label}:{stance}")
        seconds = dict(
            Review.objects.filter(pairs_with_id__in=ids).values_list("pairs_with_id", "id")
        )
        for review in batch:
            claim = review.claim
            if review.pairs_with_id:
                pair = [review.pairs_with_id, review.id]
            else:
                pair = [review.id, *([seconds[review.id]] if review.id in seconds else [])]
            row = [
                "",
                str(claim.id),
                claim.document.name,
                str(claim.line),
                claim.text,
                "",
                review.verdict,
                review.suggested,
                review.rationale,
                review.evidence_url,
                review.evidence_quote,
                review.actor.get_username(),
                review.at.isoformat(),
                join_items(assessed[review.id]),
                "review",
                str(review.id),
                ";".join(map(str, pair)),
            ]
            yield csv_line(row, raw=raw)
        after = batch[-1].id
