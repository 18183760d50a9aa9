"""The page's script and the server apply one rule: checked over every combination.

The suggestion rule is claims/verdicts.py (suggest_verdict) and claims/services/rules.py
(rationale_required); static/workbench.js mirrors them over the constants the claim page ships.
Here the script runs in Chromium over every kind of citation (stance × reliability, "not
assessed" included) alone, in pairs and in threes, and over every (verdict, current verdict,
suggestion); each answer must be the Python function's, word for word.
"""

import itertools

import pytest

from claims.models import Claim, Stance, Verdict
from claims.services import rationale_required
from claims.verdicts import Suggestion, suggest_verdict
from sources.models import Reliability

pytestmark = pytest.mark.browser

KINDS = [
    (stance, reliability) for stance in ["", *Stance.values] for reliability in Reliability.values
]


def _python_table() -> list[dict]:
    rows = []
    for size in (0, 1, 2, 3):
        for pairs in itertools.product(KINDS, repeat=size):
            suggestion = suggest_verdict(pairs)
            rows.append(
                {
                    "pairs": [list(p) for p in pairs],
                    "verdict": suggestion.verdict,
                    "reason": suggestion.reason,
                }
            )
    return rows


def test_the_script_suggests_what_the_server_suggests_for_every_combination(
    sign_in, live_server, demo
):
    page = sign_in("reviewer")
    page.goto(f"{live_server.url}/claims/{Claim.objects.get(document=demo, line=6).pk}/")
    table = _python_table()
    assert len(table) == 1 + 30 + 30**2 + 30**3

    answers = page.evaluate(
        "rows => rows.map(row => window.workbenchRule.suggest(row.pairs))", table
    )

    differ = [
        (row["pairs"], (row["verdict"], row["reason"]), (got["verdict"], got["reason"]))
        for row, got in zip(table, answers, strict=True)
        if (row["verdict"], row["reason"]) != (got["verdict"], got["reason"])
    ]
    assert differ == [], differ[:5]


def test_the_script_requires_a_rationale_when_the_server_does(sign_in, live_server, demo):
    page = sign_in("reviewer")
    page.goto(f"{live_server.url}/claims/{Claim.objects.get(document=demo, line=6).pk}/")
    suggestions = [Suggestion(v, "") for v in (None, *Verdict.values[1:])]
    cases = [
        {
            "verdict": verdict,
            "current": current,
            "suggestion": {"verdict": suggestion.verdict},
            "python": rationale_required(verdict=verdict, current=current, suggestion=suggestion),
        }
        for verdict in Verdict.values
        for current in Verdict.values
        for suggestion in suggestions
    ]

    answers = page.evaluate(
        """cases => cases.map(c =>
            window.workbenchRule.rationaleRequired(c.verdict, c.current, c.suggestion))""",
        cases,
    )

    assert [c["python"] for c in cases] == answers
    assert any(answers) and not all(answers)  # both outcomes are covered
