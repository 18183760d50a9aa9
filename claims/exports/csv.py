"""The claims CSV: one writer behind the export button, the admin action and `export_claims`.

Rows stream in keyset batches (a fixed number of queries per batch, never the whole table in
memory), or on PostgreSQL from one COPY (copy_sql.py). Cells a spreadsheet would run as a
formula are neutralised.
"""

import csv
from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from django.db.models import Count

from claims.exports.copy_sql import claims_csv_copy
from claims.exports.rows import claim_batches, neutralise
from claims.models import (
    Attribution,
    Citation,
    ClaimQuerySet,
    Decision,
    Position,
)
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
    "source_titles",
    "source_urls",
    "source_reliability",
    "decision_count",
    "claim_url",
    "needs_rereview",
]


class _Line:
    """A file-like object whose write() returns what it was given: csv.writer → str."""

    def write(self, value: str) -> str:
        return value


def _row(claim, citations: list[Citation], decision_count: int) -> list[str]:
    attached = [c for c in citations if c.attribution != Attribution.DETACHED]
    leading = [c for c in citations if c.position == Position.LEADING]
    if any(c.attribution == Attribution.AS_PRINTED for c in leading):
        attribution = "needs check"
    else:
        attribution = "settled" if leading else ""
    stances = [(c.assessment.stance if c.assessment else "") for c in attached]
    suggestion = suggest_for_citations(attached)
    decision = claim.last_decision
    return [
        str(claim.id),
        claim.document.name,
        str(claim.line),
        claim.text,
        ";".join(c.source.label for c in attached),
        claim.tags,
        claim.verdict,
        decision.rationale if decision else "",
        decision.actor.get_username() if decision else "",
        decision.at.isoformat() if decision else "",
        suggestion.verdict or "",
        attribution,
        ";".join(
            f"{c.source.label}:{stance or 'unassessed'}"
            for c, stance in zip(attached, stances, strict=True)
        ),
        ";".join(c.source.title for c in attached),
        ";".join(c.source.url for c in attached),
        ";".join(c.source.reliability for c in attached),
        str(decision_count),
        f"{settings.WORKBENCH_BASE_URL}/claims/{claim.id}/",
        "true" if claim.needs_rereview else "false",
    ]


def _csv_line(writer, row: list[str]) -> str:
    # The writer ends rows with CRLF, which makes it quote any cell holding a CR as PostgreSQL's
    # COPY does; the row then ends in LF as COPY's do, so both paths give the same bytes.
    return writer.writerow(row)[:-2] + "\n"


def claims_csv(
    claims: ClaimQuerySet, *, bom: bool = False, engine: str | None = None
) -> Iterator[str]:
    """Yield the CSV of `claims`, header first, then a row per claim (RFC 4180 quoting, LF).

    On PostgreSQL the database writes the rows (COPY … TO STDOUT, formula cells neutralised in
    SQL); elsewhere Python does, in keyset batches (`engine="python"` asks for
    it anywhere). tests/claims/test_export_copy.py proves both give the same bytes.
    """
    writer = csv.writer(_Line(), lineterminator="\r\n")
    if bom:
        yield "\ufeff"
    yield _csv_line(writer, HEADER)
    if (engine or connection.vendor) == "postgresql":
        yield from claims_csv_copy(claims)
    else:
        yield from _claims_csv_python(claims, writer)


def _claims_csv_python(claims: ClaimQuerySet, writer) -> Iterator[str]:
    for batch in claim_batches(claims):
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
            row = _row(claim, citations[claim.id], counts.get(claim.id, 0))
            yield _csv_line(writer, [neutralise(cell) for cell in row])
