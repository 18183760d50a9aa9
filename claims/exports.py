"""The claims CSV: one writer behind the export button and `manage.py export_claims`.

Rows stream from keyset-paginated batches (a fixed number of queries per batch, never the whole
table in memory). Cells that a spreadsheet would run as a formula are neutralised.
"""

import csv
from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, Q

from claims.models import Attribution, Citation, ClaimQuerySet, Decision, Position
from claims.verdicts import suggest_verdict

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
]
BATCH = 2000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix `'` to a cell a spreadsheet would read as a formula (=, +, -, @, tab, CR)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


class _Line:
    """A file-like object whose write() returns what it was given: csv.writer → str."""

    def write(self, value: str) -> str:
        return value


def claim_batches(claims: ClaimQuerySet, size: int = BATCH) -> Iterator[list]:
    """Yield `claims` in (document, line, id) order, `size` at a time, by keyset."""
    ordered = claims.select_related("document", "last_decision__actor").order_by(
        "document_id", "line", "id"
    )
    after = None
    while True:
        page = ordered
        if after is not None:
            doc, line, pk = after
            page = ordered.filter(
                Q(document_id__gt=doc)
                | Q(document_id=doc, line__gt=line)
                | Q(document_id=doc, line=line, id__gt=pk)
            )
        batch = list(page[:size])
        if not batch:
            return
        yield batch
        last = batch[-1]
        after = (last.document_id, last.line, last.id)


def _row(claim, citations: list[Citation], decision_count: int) -> list[str]:
    attached = [c for c in citations if c.attribution != Attribution.DETACHED]
    leading = [c for c in citations if c.position == Position.LEADING]
    if any(c.attribution == Attribution.AS_PRINTED for c in leading):
        attribution = "needs check"
    else:
        attribution = "settled" if leading else ""
    stances = [(c.assessment.stance if c.assessment else "") for c in attached]
    suggestion = suggest_verdict(
        (stance, c.source.reliability) for stance, c in zip(stances, attached, strict=True)
    )
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
    ]


def claims_csv(claims: ClaimQuerySet, *, bom: bool = False) -> Iterator[str]:
    """Yield the CSV of `claims`, header first, one line at a time (RFC 4180, CRLF)."""
    writer = csv.writer(_Line())
    if bom:
        yield "\ufeff"
    yield writer.writerow(HEADER)
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
            yield writer.writerow([neutralise(cell) for cell in row])
