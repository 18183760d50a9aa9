"""The suggested-verdict rule (claims/verdicts.py): as a table, and its SQL twin against it."""

import itertools

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.models import Assessment, Citation, Stance
from claims.verdicts import suggest_for_citations, suggest_verdict, suggest_verdict_sql
from sources.models import Reliability, Source

S, D, R, N, U = "supports", "disputes", "refutes", "not_in_source", "unavailable"
OK, NC, UNR, DEP, UNRATED = (
    "generally_reliable",
    "no_consensus",
    "generally_unreliable",
    "deprecated",
    "unrated",
)

TABLE = [
    # (stance, reliability) pairs                       -> suggested verdict
    ([], None),
    ([("", UNRATED)], None),  # not assessed yet
    ([(N, OK), (U, OK)], None),  # silence
    ([(S, OK)], "corroborated"),
    ([(S, UNRATED)], "corroborated"),  # a rating only takes weight away
    ([(S, NC)], "corroborated"),
    ([(S, UNR)], None),  # never corroborates on its own
    ([(S, DEP)], None),
    ([(S, DEP), (S, UNR)], None),
    ([(S, UNR), (S, OK)], "corroborated"),
    ([(S, OK), (N, OK)], "corroborated"),
    ([(S, OK), (U, UNRATED)], "corroborated"),
    ([(R, OK)], "refuted"),
    ([(R, DEP)], "refuted"),  # "a source refutes it and none supports it"
    ([(R, OK), (N, OK)], "refuted"),
    ([(R, OK), (D, OK)], "refuted"),
    ([(R, OK), (S, OK)], "disputed"),
    ([(R, OK), (S, DEP)], "disputed"),  # they disagree, whatever the weight
    ([(D, OK)], "disputed"),
    ([(D, OK), (S, OK)], "disputed"),
    ([(D, UNR), (S, UNR)], "disputed"),
]


@pytest.mark.parametrize(("pairs", "expected"), TABLE)
def test_it_suggests(pairs, expected):
    suggestion = suggest_verdict(pairs)

    assert suggestion.verdict == expected
    assert suggestion.reason  # every suggestion, even none, says why


def test_it_explains_why_unreliable_support_is_not_enough():
    suggestion = suggest_verdict([(S, DEP)])

    assert "never corroborate on their own" in suggestion.reason
    assert suggestion.label == "No suggestion"


# --- The SQL twin, on whichever database the suite runs ----------------------------------------

STANCES = ["", *Stance.values]  # "" is a citation nobody has assessed yet
#: Every (stance, reliability) a citation can have.
KINDS = list(itertools.product(STANCES, Reliability.values))


def sql_suggestions(cases: list[list[tuple[str, str]]]) -> list[str | None]:
    """Return suggest_verdict_sql's answer for each case, all computed in one query.

    Each case is a group of VALUES rows; a row with counted = 0 gives a case without rows its
    group. Unassessed stances are NULL, as the export's LEFT JOIN gives them.
    """
    rows: list[list] = []
    for n, pairs in enumerate(cases):
        rows.append([n, 0, None, Reliability.UNRATED.value])
        rows.extend([n, 1, stance or None, reliability] for stance, reliability in pairs)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    case = suggest_verdict_sql(stance="stance", reliability="reliability", among="counted = 1")
    sql = (
        f"SELECT n, {case} FROM (SELECT column1 AS n, column2 AS counted, column3 AS stance, "
        f"column4 AS reliability FROM (VALUES {values}) AS v) AS t GROUP BY n ORDER BY n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
        return [verdict for _, verdict in cursor.fetchall()]


def test_the_sql_twin_agrees_on_the_table(db):
    assert sql_suggestions([pairs for pairs, _ in TABLE]) == [expected for _, expected in TABLE]


def test_the_sql_twin_agrees_on_every_pair_of_citations(db):
    # No source, each kind of citation alone, and every two kinds together (496 cases).
    cases = [[], *([kind] for kind in KINDS)]
    cases += [list(pair) for pair in itertools.combinations_with_replacement(KINDS, 2)]

    assert sql_suggestions(cases) == [suggest_verdict(pairs).verdict for pairs in cases]


@settings(
    max_examples=150,
    deadline=None,
    # The database is only read: one `db` transaction may serve every example.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.sampled_from(KINDS), max_size=8))
def test_the_sql_twin_agrees_on_any_citations(db, pairs):
    assert sql_suggestions([pairs]) == [suggest_verdict(pairs).verdict]


# --- From citations -----------------------------------------------------------------------------


def citation(pk: int, reliability: str, stance: str | None) -> Citation:
    """Return an unsaved citation of a source rated `reliability`, assessed as `stance`."""
    assessment = Assessment(stance=stance) if stance is not None else None
    return Citation(pk=pk, source=Source(reliability=reliability), assessment=assessment)


def test_citations_count_with_their_latest_assessment():
    citations = [citation(1, OK, S), citation(2, UNRATED, None)]

    assert suggest_for_citations(citations).verdict == "corroborated"


def test_stances_about_to_be_recorded_replace_the_latest_ones():
    citations = [citation(1, OK, S), citation(2, UNRATED, None)]

    assert suggest_for_citations(citations, {1: R}).verdict == "refuted"
    assert suggest_for_citations(citations, {2: D}).verdict == "disputed"
