"""The suggested verdict: the one rule that turns source assessments into a suggestion.

    any source refutes, none supports          -> refuted
    a source refutes and another supports      -> disputed
    any source disputes (and none refutes)     -> disputed
    a source rated above "generally unreliable"
      supports, and none refutes or disputes   -> corroborated
    only unreliable/deprecated sources support -> no suggestion (they never corroborate alone)
    no source says anything                    -> no suggestion

"Not in source" and "source unavailable" say nothing about the claim; they count as silence.
Unrated sources count as above "generally unreliable": a rating only ever takes weight away.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from claims.models import Stance, Verdict
from sources.models import UNRELIABLE

if TYPE_CHECKING:
    from claims.models import Citation


@dataclass(frozen=True)
class Suggestion:
    verdict: str | None  # a Verdict value, or None when the sources say nothing usable
    reason: str

    @property
    def label(self) -> str:
        return Verdict(self.verdict).label if self.verdict else "No suggestion"


def suggest_verdict(assessments: Iterable[tuple[str, str]]) -> Suggestion:
    """Return the suggestion for a claim from its (stance, source reliability) pairs."""
    pairs = list(assessments)
    supports = [rel for stance, rel in pairs if stance == Stance.SUPPORTS]
    credible_supports = [rel for rel in supports if rel not in UNRELIABLE]
    refutes = sum(1 for stance, _ in pairs if stance == Stance.REFUTES)
    disputes = sum(1 for stance, _ in pairs if stance == Stance.DISPUTES)

    if refutes and not supports:
        return Suggestion(Verdict.REFUTED, f"{_n(refutes, 'refute')} it and none supports it")
    if refutes and supports:
        return Suggestion(
            Verdict.DISPUTED, f"{_n(len(supports), 'support')} it but {_n(refutes, 'refute')} it"
        )
    if disputes:
        return Suggestion(Verdict.DISPUTED, f"{_n(disputes, 'dispute')} it")
    if credible_supports:
        return Suggestion(
            Verdict.CORROBORATED,
            f"{_n(len(credible_supports), 'support', ' not rated unreliable')} it and none "
            "refutes it",
        )
    if supports:
        return Suggestion(
            None,
            "only generally unreliable or deprecated sources support it, and they never "
            "corroborate on their own",
        )
    return Suggestion(None, "no source has been assessed as saying anything about it")


def suggest_for_citations(
    citations: Iterable["Citation"], stances: Mapping[int, str] | None = None
) -> Suggestion:
    """Return the suggestion for a claim from its attached `citations`.

    Each citation counts with its latest assessment's stance, or with `stances[citation.pk]`
    where given (the assessments a reviewer is about to record). Citations need their
    `source` and `assessment` loaded; detached ones must already be left out.
    """
    stances = stances or {}
    return suggest_verdict(
        (
            stances.get(c.pk) or (c.assessment.stance if c.assessment else ""),
            c.source.reliability,
        )
        for c in citations
    )


def _n(count: int, verb: str, which: str = "") -> str:
    """Return "1 source refutes" or "2 sources refute": the subject and its verb agree."""
    if count == 1:
        return f"1 source{which} {verb}s"
    return f"{count} sources{which} {verb}"


def suggest_verdict_sql(*, stance: str, reliability: str, among: str = "TRUE") -> str:
    """Return suggest_verdict as one SQL expression over aggregated rows.

    `stance` and `reliability` name the columns, `among` which rows count (an unassessed
    citation's stance is NULL or ''). The PostgreSQL CSV export computes the suggestion in the
    database this way; the expression is portable (aggregate FILTER needs SQLite 3.30+), and
    tests/claims/test_verdicts.py checks on both databases that it agrees with suggest_verdict.
    """
    unreliable = ", ".join(f"'{value}'" for value in sorted(UNRELIABLE))

    def count(condition: str) -> str:
        return f"count(*) FILTER (WHERE ({among}) AND {condition})"

    supports = count(f"{stance} = '{Stance.SUPPORTS.value}'")
    credible = count(
        f"{stance} = '{Stance.SUPPORTS.value}' AND {reliability} NOT IN ({unreliable})"
    )
    refutes = count(f"{stance} = '{Stance.REFUTES.value}'")
    disputes = count(f"{stance} = '{Stance.DISPUTES.value}'")
    return (
        f"CASE WHEN {refutes} > 0 AND {supports} = 0 THEN '{Verdict.REFUTED.value}' "
        f"WHEN {refutes} > 0 THEN '{Verdict.DISPUTED.value}' "
        f"WHEN {disputes} > 0 THEN '{Verdict.DISPUTED.value}' "
        f"WHEN {credible} > 0 THEN '{Verdict.CORROBORATED.value}' END"
    )
