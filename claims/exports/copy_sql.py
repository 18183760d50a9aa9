"""The claims CSV written by PostgreSQL: one COPY (SELECT …) TO STDOUT, neutralised in SQL.

tests/claims/test_export_copy.py proves it gives the same bytes as the Python writer.
"""

import codecs
from collections.abc import Iterator

from django.conf import settings
from django.db import connection

from claims.exports.rows import FORMULA_STARTS
from claims.models import (
    ClaimQuerySet,
)
from claims.verdicts import suggest_verdict_sql


def _sql_cell(expression: str, *, neutralised: bool = True) -> str:
    """Return `expression` as a CSV cell: neutralised like neutralise() unless told not to,
    empty as NULL.

    COPY writes NULL as an empty field and '' as "", Python's csv writes '' as an empty field.
    """
    if not neutralised:
        return f"NULLIF({expression}, '')"
    starts = ", ".join(f"'{c}'" if c.isprintable() else f"chr({ord(c)})" for c in FORMULA_STARTS)
    return (
        f"NULLIF(CASE WHEN left({expression}, 1) IN ({starts}) "
        f"THEN '''' || {expression} ELSE {expression} END, '')"
    )


def _item(expression: str) -> str:
    """Return SQL for one item of a `;`-joined cell, percent-encoded like rows.join_items()."""
    return f"replace(replace({expression}, '%%', '%%25'), ';', '%%3B')"


def _iso_utc(column: str) -> str:
    """Return SQL for datetime.isoformat() of a UTC timestamp (no fraction when it is zero)."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN mod(date_part('microseconds', {utc})::bigint, 1000000) = 0 THEN '' "
        f"ELSE to_char({utc}, '.US') END || '+00:00'"
    )


#: The reviews of claim `c`'s current round (models.ReviewQuerySet.in_round_of in SQL): made
#: since its latest decision, on exactly the footnotes it has now.
ROUND_REVIEWS = (
    "(SELECT count(*) FROM claims_review r "
    "WHERE r.claim_id = c.id AND coalesce(r.follows_id, 0) = coalesce(c.last_decision_id, 0) "
    "AND NOT EXISTS (SELECT 1 FROM claims_citation x "
    "WHERE x.claim_id = c.id AND x.attribution <> 'detached' AND NOT EXISTS ("
    "SELECT 1 FROM claims_reviewassessment ra WHERE ra.review_id = r.id AND ra.citation_id = x.id)) "
    "AND NOT EXISTS (SELECT 1 FROM claims_reviewassessment ra "
    "JOIN claims_citation y ON y.id = ra.citation_id "
    "WHERE ra.review_id = r.id AND (y.claim_id <> c.id OR y.attribution = 'detached')))"
)


def claims_csv_select(*, neutralised: bool = True) -> str:
    """Return the SELECT of the claims CSV rows for the claim ids `{ids}` (PostgreSQL).

    `neutralised=False` gives the cells without the formula prefix: the `--raw` export, and the
    benchmark's COPY anchor. `%%` is a literal percent sign (the statement takes parameters).
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
        joined(_item("s.label")),
        "c.tags",
        "c.verdict",
        "dec.rationale",
        "u.username",
        _iso_utc("dec.at"),
        suggested,
        "CASE WHEN bool_or(ci.position = 'leading' AND ci.attribution = 'as_printed') "
        "THEN 'needs check' WHEN bool_or(ci.position = 'leading') THEN 'settled' END",
        joined(_item("s.label || ':' || coalesce(a.stance, 'unassessed')")),
        joined(_item("s.reliability")),
        "c.section",
        "c.notes",
        "c.raw",
        _iso_utc("c.published_at"),
        "(SELECT count(*) FROM claims_decision x WHERE x.claim_id = c.id)::text",
        "{base} || '/claims/' || c.id || '/'",
        f"coalesce(nullif({ROUND_REVIEWS}, 0), "
        "CASE WHEN dec.kind IN ('agreement', 'adjudication') THEN 2 ELSE 0 END)::text",
        "CASE WHEN dec.kind = 'adjudication' THEN 'true' ELSE 'false' END",
        "CASE WHEN c.needs_rereview THEN 'true' ELSE 'false' END",
    ]
    inner = ", ".join(f"{cell} AS cell{n}" for n, cell in enumerate(cells))
    outer = ", ".join(_sql_cell(f"cell{n}", neutralised=neutralised) for n in range(len(cells)))
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
    # The site's address is a parameter, never SQL text: a "%" or "'" in it is just a character.
    select = claims_csv_select(neutralised=neutralised).replace("{base}", "%s::text")
    statement = f"COPY ({select.replace('{ids}', ids_sql)}) TO STDOUT WITH (FORMAT csv)"
    return statement, [settings.WORKBENCH_BASE_URL, *params]


def claims_csv_copy(claims: ClaimQuerySet, *, raw: bool = False) -> Iterator[str]:
    """Yield the claims CSV rows COPY writes (formula cells neutralised unless `raw`)."""
    statement, params = claims_copy_statement(claims, neutralised=not raw)
    decoder = codecs.getincrementaldecoder("utf-8")()
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        for chunk in copy:
            yield decoder.decode(bytes(chunk))
    yield decoder.decode(b"", final=True)
