"""What the exports share: keyset batches, citations by claim, HTML-safe JSON, the CSV rules."""

import csv
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
    "page",
    "source__label",
    "source__title",
    "source__url",
    "source__published_on",
    "assessment__stance",
    "assessment__quote",
    "assessment__page",
    "assessment__decision_id",
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


# `<`, `>` and `&` only ever occur inside JSON strings, where these escapes mean the same
# characters: the text parses back unchanged, and `</script>` or `<!--` in a claim cannot end
# the <script> element the JSON is embedded in (what Django's json_script escapes too).
_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def json_text(value, *, indent: int | None = None) -> str:
    """Return `value` as JSON safe to place in HTML: `<`, `>` and `&` escaped as `\\u003c` ….

    Every JSON output uses it: the review pages' JSON-LD, the ClaimReview view, and the JSON
    and JSON Lines exports. Non-ASCII stays readable UTF-8.
    """
    return json.dumps(value, ensure_ascii=False, indent=indent).translate(_HTML_SAFE)


def json_line(record: dict) -> str:
    # json.dumps escapes newlines, so one record is one line.
    return json_text(record) + "\n"


# --- CSV: one convention for every CSV file ---------------------------------------------------
#
# UTF-8 (a BOM on request), RFC 4180 quoting, rows ending in LF: PostgreSQL's COPY writes the
# claims CSV and can only end rows in LF, so every other CSV follows it. Cells a spreadsheet
# would run as a formula get a `'` prefix unless the export is asked for raw cells. Items of a
# `;`-joined cell have `%` and `;` percent-encoded, so splitting on `;` is always right.

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix `'` to a cell a spreadsheet would read as a formula (=, +, -, @, tab, CR)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


class _Line:
    """A file-like object whose write() returns what it was given: csv.writer → str."""

    def write(self, value: str) -> str:
        return value


# The writer ends rows with CRLF, which makes it quote any cell holding a CR as PostgreSQL's
# COPY does; csv_line then ends the row in LF as COPY's do, so both paths give the same bytes.
_WRITER = csv.writer(_Line(), lineterminator="\r\n")


def csv_line(row: list[str], *, raw: bool = False) -> str:
    """Return one CSV row ending in LF; formula cells neutralised unless `raw`."""
    cells = row if raw else [neutralise(cell) for cell in row]
    return _WRITER.writerow(cells)[:-2] + "\n"


def join_items(items) -> str:
    """Return `items` `;`-joined, each with `%` and `;` percent-encoded (urllib's unquote
    reverses it): a footnote label is printed text and could hold either."""
    return ";".join(item.replace("%", "%25").replace(";", "%3B") for item in items)
