"""FEVER-style JSON Lines (manage.py export_fever)."""

from collections.abc import Iterator

from claims.exports.rows import citations_by_claim, claim_batches, decided, json_line
from claims.models import (
    Attribution,
    Citation,
    ClaimQuerySet,
    Verdict,
)

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
    for batch in claim_batches(decided(claims)):
        citations = citations_by_claim([claim.id for claim in batch])
        for claim in batch:
            yield json_line(fever_record(claim, citations[claim.id]))
