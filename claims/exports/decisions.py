"""The decision history as CSV (manage.py export_decisions, /decisions/export.csv)."""

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import QuerySet

from claims.exports.rows import BATCH, csv_line, join_items
from claims.models import (
    Assessment,
    Decision,
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


def decisions_csv(
    decisions: QuerySet[Decision] | None = None, *, bom: bool = False, raw: bool = False
) -> Iterator[str]:
    """Yield the CSV of every decision (or of `decisions`), oldest first, one line at a time.

    Batches are keyset-paginated by id: two queries per batch of BATCH decisions, whatever
    the size of the history. `assessments` lists what the decision recorded of each source,
    `label:stance` in citation order. The CSV rules are rows.py's (formula cells neutralised
    unless `raw`).
    """
    base = Decision.objects.all() if decisions is None else decisions
    base = base.select_related("claim__document", "actor").order_by("id")
    if bom:
        yield "\ufeff"
    yield csv_line(DECISION_HEADER)
    after = 0
    while True:
        batch = list(base.filter(id__gt=after)[:BATCH])
        if not batch:
            return
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
            yield csv_line(row, raw=raw)
        after = batch[-1].id
