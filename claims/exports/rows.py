"""What the exports share: keyset batches, citations by claim, JSON lines, formula-safe cells."""

import json
from collections import defaultdict
from collections.abc import Iterator

from claims.models import (
    Citation,
    ClaimQuerySet,
    Verdict,
)
from claims.selectors import claims_after

BATCH = 2000
#: The verdicts the JSON exports publish (unreviewed claims have none to publish).
PUBLISHED_VERDICTS = [Verdict.CORROBORATED, Verdict.DISPUTED, Verdict.REFUTED]


def claim_batches(claims: ClaimQuerySet, size: int = BATCH) -> Iterator[list]:
    """Yield `claims` in (document, line, id) order, `size` at a time, by keyset.

    Each batch starts with the row comparison of `claims_after`, an index range scan: the OR
    of three conditions it replaces made PostgreSQL walk the index from the start every batch.
    """
    ordered = claims.select_related("document", "last_decision__actor").order_by(
        "document_id", "line", "id"
    )
    last = None
    while True:
        page = ordered if last is None else ordered.filter(claims_after(last))
        batch = list(page[:size])
        if not batch:
            return
        yield batch
        last = batch[-1]


def citations_by_claim(ids: list[int]) -> dict[int, list[Citation]]:
    """Return the attached citations of the claims `ids`, with source and assessment, in order."""
    citations: dict[int, list[Citation]] = defaultdict(list)
    for citation in (
        Citation.objects.attached()
        .filter(claim_id__in=ids)
        .select_related("source", "assessment")
        # Only what the JSON exports read: building the rest (timestamps) doubles the time.
        .only(*CITATION_FIELDS)
        .order_by("claim_id", "order")
    ):
        citations[citation.claim_id].append(citation)
    return citations


CITATION_FIELDS = (
    "claim_id",
    "order",
    "attribution",
    "source__label",
    "source__title",
    "source__url",
    "source__published_on",
    "assessment__stance",
    "assessment__quote",
    "assessment__page",
)
CLAIM_FIELDS = (
    "id",
    "document_id",
    "line",
    "text",
    "verdict",
    "document__name",
    "document__title",
    "last_decision__at",
    "last_decision__actor__username",  # claim_batches follows last_decision to its actor
)


def decided(claims: ClaimQuerySet) -> ClaimQuerySet:
    """Narrow `claims` to those whose verdict the JSON exports can publish, fields they read.

    A claim whose footnotes changed since its decision (needs_rereview) has no verdict to
    publish until someone decides it again.
    """
    return claims.filter(verdict__in=PUBLISHED_VERDICTS, needs_rereview=False).only(*CLAIM_FIELDS)


def json_line(record: dict) -> str:
    # Non-ASCII stays readable UTF-8; json.dumps escapes newlines, so one record is one line.
    return json.dumps(record, ensure_ascii=False) + "\n"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix `'` to a cell a spreadsheet would read as a formula (=, +, -, @, tab, CR)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell
