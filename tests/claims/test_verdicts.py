"""The suggested-verdict rule, as a table (claims/verdicts.py)."""

import pytest

from claims.verdicts import suggest_verdict

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
