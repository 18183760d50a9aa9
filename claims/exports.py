"""The claims CSV: one writer behind the export button and `manage.py export_claims`.

Rows stream from keyset-paginated batches (a fixed number of queries per batch, never the whole
table in memory). Cells that a spreadsheet would run as a formula are neutralised.
"""

import codecs
import csv
import datetime
import json
import os
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Q, QuerySet

from claims.models import (
    Assessment,
    Attribution,
    Citation,
    Claim,
    ClaimQuerySet,
    Decision,
    Position,
    Verdict,
)
from claims.verdicts import suggest_verdict, suggest_verdict_sql
from sources.models import Source

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


def _csv_line(writer, row: list[str]) -> str:
    # The writer ends rows with CRLF, which makes it quote any cell holding a CR as PostgreSQL's
    # COPY does; the row then ends in LF as COPY's do, so both paths give the same bytes.
    return writer.writerow(row)[:-2] + "\n"


def claims_csv(claims: ClaimQuerySet, *, bom: bool = False) -> Iterator[str]:
    """Yield the CSV of `claims`, header first, then a row per claim (RFC 4180 quoting, LF).

    On PostgreSQL the database writes the rows (COPY … TO STDOUT, formula cells neutralised in
    SQL); elsewhere Python does, in keyset batches. tests/claims/test_export_copy.py proves
    both give the same bytes.
    """
    writer = csv.writer(_Line(), lineterminator="\r\n")
    if bom:
        yield "\ufeff"
    yield _csv_line(writer, HEADER)
    if connection.vendor == "postgresql":
        yield from _claims_csv_copy(claims)
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


def _sql_cell(expression: str) -> str:
    """Return `expression` as a CSV cell: neutralised like neutralise(), empty as NULL.

    COPY writes NULL as an empty field and '' as "", Python's csv writes '' as an empty field.
    """
    starts = ", ".join(f"'{c}'" if c.isprintable() else f"chr({ord(c)})" for c in _FORMULA_STARTS)
    return (
        f"NULLIF(CASE WHEN left({expression}, 1) IN ({starts}) "
        f"THEN '''' || {expression} ELSE {expression} END, '')"
    )


def _iso_utc(column: str) -> str:
    """Return SQL for datetime.isoformat() of a UTC timestamp (no fraction when it is zero)."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN mod(date_part('microseconds', {utc})::bigint, 1000000) = 0 THEN '' "
        f"ELSE to_char({utc}, '.US') END || '+00:00'"
    )


def claims_csv_select(*, neutralised: bool = True) -> str:
    """Return the SELECT of the claims CSV rows for the claim ids `{ids}` (PostgreSQL).

    `neutralised=False` gives the bare columns: the benchmark's COPY anchor.
    """
    attached = "ci.attribution <> 'detached'"

    def joined(expression: str) -> str:
        return f"string_agg({expression}, ';' ORDER BY ci.\"order\") FILTER (WHERE {attached})"

    suggested = suggest_verdict_sql(stance="a.stance", reliability="s.reliability", among=attached)
    cells = [
        "c.id::text",
        "d.name",
        "c.line::text",
        "c.text",
        joined("s.label"),
        "c.tags",
        "c.verdict",
        "dec.rationale",
        "u.username",
        _iso_utc("dec.at"),
        suggested,
        "CASE WHEN bool_or(ci.position = 'leading' AND ci.attribution = 'as_printed') "
        "THEN 'needs check' WHEN bool_or(ci.position = 'leading') THEN 'settled' END",
        joined("s.label || ':' || coalesce(a.stance, 'unassessed')"),
        joined("s.title"),
        joined("s.url"),
        joined("s.reliability"),
        "(SELECT count(*) FROM claims_decision x WHERE x.claim_id = c.id)::text",
        "{base} || '/claims/' || c.id || '/'",
    ]
    inner = ", ".join(f"{cell} AS cell{n}" for n, cell in enumerate(cells))
    wrap = _sql_cell if neutralised else (lambda name: name)
    outer = ", ".join(wrap(f"cell{n}") for n in range(len(cells)))
    return (
        f"SELECT {outer} FROM (SELECT c.document_id, c.line, c.id, {inner} "
        "FROM claims_claim c "
        "JOIN sources_document d ON d.id = c.document_id "
        "LEFT JOIN claims_decision dec ON dec.id = c.last_decision_id "
        "LEFT JOIN auth_user u ON u.id = dec.actor_id "
        "LEFT JOIN claims_citation ci ON ci.claim_id = c.id "
        "LEFT JOIN sources_source s ON s.id = ci.source_id "
        "LEFT JOIN claims_assessment a ON a.id = ci.assessment_id "
        "WHERE c.id IN ({ids}) "
        "GROUP BY c.id, d.id, dec.id, u.id) AS row "
        "ORDER BY row.document_id, row.line, row.id"
    )


def claims_copy_statement(claims: ClaimQuerySet, *, neutralised: bool = True) -> tuple[str, list]:
    """Return the `COPY (SELECT …) TO STDOUT` statement and parameters for `claims`' CSV rows."""
    ids_sql, params = claims.order_by().values("id").query.sql_with_params()
    base = "'" + settings.WORKBENCH_BASE_URL.replace("'", "''") + "'"
    select = claims_csv_select(neutralised=neutralised).replace("{base}", base)
    return f"COPY ({select.replace('{ids}', ids_sql)}) TO STDOUT WITH (FORMAT csv)", list(params)


def _claims_csv_copy(claims: ClaimQuerySet) -> Iterator[str]:
    statement, params = claims_copy_statement(claims)
    decoder = codecs.getincrementaldecoder("utf-8")()
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        for chunk in copy:
            yield decoder.decode(bytes(chunk))
    yield decoder.decode(b"", final=True)


# --- Shared by the JSON and history exports ------------------------------------------------


def write_lines(lines: Iterable[str], *, output: str | None, stdout) -> None:
    """Write `lines` to the file `output`, or to a command's `stdout` when it is None.

    Raises CommandError for a file that cannot be written. A reader that stops early
    (`export_fever | head`) is not an error: it has what it wanted.
    """
    if output:
        try:
            with open(output, "w", encoding="utf-8", newline="") as out:
                out.writelines(lines)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from None
        return
    if stdout._out is sys.stdout:
        sys.stdout.reconfigure(encoding="utf-8", newline="")
    try:
        for line in lines:
            stdout.write(line, ending="")
        stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _citations_by_claim(ids: list[int]) -> dict[int, list[Citation]]:
    """Return the attached citations of the claims `ids`, with source and assessment, in order."""
    citations: dict[int, list[Citation]] = defaultdict(list)
    for citation in (
        Citation.objects.attached()
        .filter(claim_id__in=ids)
        .select_related("source", "assessment")
        # Only what the JSON exports read: building the rest (timestamps) doubles the time.
        .only(*_CITATION_FIELDS)
        .order_by("claim_id", "order")
    ):
        citations[citation.claim_id].append(citation)
    return citations


_CITATION_FIELDS = (
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
_CLAIM_FIELDS = (
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


def _decided(claims: ClaimQuerySet) -> ClaimQuerySet:
    """Narrow `claims` to those whose verdict the JSON exports can publish, fields they read."""
    return claims.filter(verdict__in=list(RATINGS)).only(*_CLAIM_FIELDS)


def _json_line(record: dict) -> str:
    # Non-ASCII stays readable UTF-8; json.dumps escapes newlines, so one record is one line.
    return json.dumps(record, ensure_ascii=False) + "\n"


# --- Decision history (manage.py export_decisions) -----------------------------------------

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
    decisions: QuerySet[Decision] | None = None, *, bom: bool = False
) -> Iterator[str]:
    """Yield the CSV of every decision (or of `decisions`), oldest first, one line at a time.

    Batches are keyset-paginated by id: two queries per batch of BATCH decisions, whatever
    the size of the history. `assessments` lists what the decision recorded of each source,
    `label:stance` in citation order.
    """
    base = Decision.objects.all() if decisions is None else decisions
    base = base.select_related("claim__document", "actor").order_by("id")
    writer = csv.writer(_Line())
    if bom:
        yield "\ufeff"
    yield writer.writerow(DECISION_HEADER)
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
                ";".join(assessed[decision.id]),
            ]
            yield writer.writerow([neutralise(cell) for cell in row])
        after = batch[-1].id


# --- schema.org ClaimReview (manage.py export_claimreview, /claims/<id>/claimreview.json) --


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
    for batch in claim_batches(_decided(claims)):
        citations = _citations_by_claim([claim.id for claim in batch])
        for claim in batch:
            yield claim_review(claim, citations[claim.id])


def claim_review_for_claim(claim) -> dict | None:
    """Return the ClaimReview of `claim`, or None while it has no published verdict."""
    claim = (
        _decided(Claim.objects.filter(pk=claim.pk))
        .select_related("document", "last_decision__actor")
        .first()
    )
    if claim is None:
        return None
    return claim_review(claim, _citations_by_claim([claim.id])[claim.id])


def claim_reviews_json(claims: ClaimQuerySet, *, jsonl: bool = False) -> Iterator[str]:
    """Yield the ClaimReviews of `claims` as one JSON array, or as JSON Lines with `jsonl`."""
    if jsonl:
        for review in claim_reviews(claims):
            yield _json_line(review)
        return
    yield "["
    for n, review in enumerate(claim_reviews(claims)):
        yield ("\n" if n == 0 else ",\n") + json.dumps(review, ensure_ascii=False)
    yield "\n]\n"


# --- FEVER-style JSON Lines (manage.py export_fever) ---------------------------------------

#: The FEVER label of each verdict. A disputed claim is one its sources disagree on: the
#: evidence does not settle it, which is what FEVER's NOT ENOUGH INFO means.
FEVER_LABELS: dict[str, str] = {
    Verdict.CORROBORATED: "SUPPORTS",
    Verdict.REFUTED: "REFUTES",
    Verdict.DISPUTED: "NOT ENOUGH INFO",
}


def fever_record(claim, citations: list[Citation]) -> dict:
    """Return the FEVER-style record of a decided claim.

    `evidence` holds the current assessment of each attached citation that has one, in
    citation order: the source's label and URL, the stance, and the quoted passage and page.
    """
    if claim.verdict not in FEVER_LABELS:
        raise ValueError(f"claim {claim.id} has no published verdict ({claim.verdict})")
    return {
        "id": claim.id,
        "claim": claim.text,
        "label": FEVER_LABELS[claim.verdict],
        "evidence": [
            {
                "label": citation.source.label,
                "url": citation.source.url,
                "stance": citation.assessment.stance,
                "quote": citation.assessment.quote,
                "page": citation.assessment.page,
            }
            for citation in citations
            if citation.attribution != Attribution.DETACHED and citation.assessment is not None
        ],
    }


def fever_jsonl(claims: ClaimQuerySet) -> Iterator[str]:
    """Yield one FEVER-style JSON line per decided claim of `claims`, two queries per batch."""
    for batch in claim_batches(_decided(claims)):
        citations = _citations_by_claim([claim.id for claim in batch])
        for claim in batch:
            yield _json_line(fever_record(claim, citations[claim.id]))
