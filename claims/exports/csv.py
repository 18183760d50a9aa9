"""The claims CSV: one writer behind the export button, the admin action and `export_claims`.

Rows stream in keyset batches (a fixed number of queries per batch, never the whole table in
memory), or on PostgreSQL from one COPY (copy_sql.py). The CSV rules (LF, quoting, formula
cells, `;`-joined cells) are rows.py's. Per-footnote detail that does not fit one cell (source
titles and URLs, positions, pages, quotes) is in the citations CSV (citations.py), one row per
footnote: join it on `claim_id`.
"""

from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from django.db.models import Count

from claims.exports.copy_sql import claims_csv_copy
from claims.exports.rows import claim_batches, csv_line, join_items
from claims.models import (
    Attribution,
    Citation,
    ClaimQuerySet,
    Decision,
    DecisionKind,
    Position,
)
from claims.selectors import with_review_round
from claims.verdicts import suggest_for_citations

HEADER = [
    "claim_id",
    "document",
    "line",
    "claim",
    "footnotes",
    "tags",
    "verdict",
    "rationale",
    "reviewer",
    "decided_at",
    "suggested_verdict",
    "attribution",
    "assessments",
    "source_reliability",
    "section",
    "notes",
    "raw",
    "published_at",
    "decision_count",
    "claim_url",
    "reviews",
    "adjudicated",
    "needs_rereview",
]


def attribution_state(citations: list[Citation]) -> str:
    """Return "needs check", "settled" or "" for the leading footnotes among `citations`."""
    leading = [c for c in citations if c.position == Position.LEADING]
    if any(c.attribution == Attribution.AS_PRINTED for c in leading):
        return "needs check"
    return "settled" if leading else ""


def reviews_behind(claim, in_round: int) -> int:
    """Return the blind reviews behind the claim now: those of its open round (1, or 2 waiting
    for an editor), else the two its latest decision settled, else 0 (single review)."""
    if in_round:
        return in_round
    decision = claim.last_decision
    return 2 if decision is not None and decision.kind != DecisionKind.DECISION else 0


def _row(claim, citations: list[Citation], decision_count: int, in_round: int = 0) -> list[str]:
    attached = [c for c in citations if c.attribution != Attribution.DETACHED]
    stances = [(c.assessment.stance if c.assessment else "") for c in attached]
    suggestion = suggest_for_citations(attached)
    decision = claim.last_decision
    return [
        str(claim.id),
        claim.document.name,
        str(claim.line),
        claim.text,
        join_items(c.source.label for c in attached),
        claim.tags,
        claim.verdict,
        decision.rationale if decision else "",
        decision.actor.get_username() if decision else "",
        decision.at.isoformat() if decision else "",
        suggestion.verdict or "",
        attribution_state(citations),
        join_items(
            f"{c.source.label}:{stance or 'unassessed'}"
            for c, stance in zip(attached, stances, strict=True)
        ),
        join_items(c.source.reliability for c in attached),
        claim.section,
        claim.notes,
        claim.raw,
        claim.published_at.isoformat() if claim.published_at else "",
        str(decision_count),
        f"{settings.WORKBENCH_BASE_URL}/claims/{claim.id}/",
        str(reviews_behind(claim, in_round)),
        "true" if decision and decision.kind == DecisionKind.ADJUDICATION else "false",
        "true" if claim.needs_rereview else "false",
    ]


def claims_csv(
    claims: ClaimQuerySet, *, bom: bool = False, engine: str | None = None, raw: bool = False
) -> Iterator[str]:
    """Yield the CSV of `claims`, header first, then a row per claim (RFC 4180 quoting, LF).

    Formula cells get a `'` prefix unless `raw`. On PostgreSQL the database writes the rows
    (COPY … TO STDOUT, the prefix added in SQL); elsewhere Python does, in keyset batches
    (`engine="python"` asks for it anywhere). tests/claims/test_export_copy.py proves both give
    the same bytes.
    """
    if bom:
        yield "\ufeff"
    yield csv_line(HEADER)
    if (engine or connection.vendor) == "postgresql":
        yield from claims_csv_copy(claims, raw=raw)
    else:
        yield from _claims_csv_python(claims, raw=raw)


def _claims_csv_python(claims: ClaimQuerySet, *, raw: bool) -> Iterator[str]:
    # The reviews of each claim's open round ride on the claims' own query (a subquery).
    for batch in claim_batches(with_review_round(claims)):
        ids = [claim.id for claim in batch]
        citations: dict[int, list[Citation]] = defaultdict(list)
        for citation in (
            Citation.objects.filter(claim_id__in=ids)
            .select_related("source", "assessment")
            .order_by("claim_id", "order")
        ):
            citations[citation.claim_id].append(citation)
        counts = dict(
            Decision.objects.filter(claim_id__in=ids)
            .values_list("claim_id")
            .annotate(n=Count("id"))
            .values_list("claim_id", "n")
        )
        for claim in batch:
            row = _row(claim, citations[claim.id], counts.get(claim.id, 0), claim.round_reviews)
            yield csv_line(row, raw=raw)
