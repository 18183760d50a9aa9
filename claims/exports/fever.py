"""FEVER JSON Lines (manage.py export_fever), in the shape the official scorer reads.

Each record is FEVER's: `id`, `verifiable`, `label`, `claim`, and `evidence`, a list of
evidence sets, each set a list of `[annotation_id, evidence_id, page, sentence]`. Any one whole
set is evidence for the label (as in FEVER), so every assessment that bears the label out is a
set of its own:

- `annotation_id` is the decision that recorded the assessment, `evidence_id` the assessment;
- `page` is the source's stable identifier, `DOCUMENT#LABEL` (the document's name and the
  footnote label): every source has one, it never changes, and it names the one source (and
  its snapshot) the sentence index counts in. A URL would not do: many sources have none, an
  editor may change it, and two footnotes can share one;
- `sentence` is the index of the sentence of the source's snapshot in which the quote was found
  (evidence_sentence()). Until snapshots are stored it is `null`, as FEVER writes it where no
  sentence is known: the scorer then scores labels, not evidence retrieval.

Labels: corroborated is SUPPORTS, refuted is REFUTES (both VERIFIABLE). A disputed claim (the
sources disagree) has no FEVER label (NOT ENOUGH INFO means no evidence was found, not
conflicting evidence): it is left out unless asked for, then labelled DISPUTED, outside FEVER's
three labels, with its supporting, refuting and disputing assessments as evidence. A claim
decided SUPPORTS or REFUTES without any assessment that supports or refutes it has no FEVER
evidence: it is left out and counted (FeverReport).

`workbench_evidence` keeps the richer evidence: every attached footnote's stance, quote, page
and source (scorers ignore fields they do not know).
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from claims.exports.rows import citations_by_claim, claim_batches, decided, json_line
from claims.models import Citation, ClaimQuerySet, QuoteCheck, QuoteStatus, Stance, Verdict

#: The FEVER label of each verdict FEVER has a label for.
FEVER_LABELS: dict[str, str] = {
    Verdict.CORROBORATED: "SUPPORTS",
    Verdict.REFUTED: "REFUTES",
}
#: The label of a disputed claim, exported only when asked: it is not one of FEVER's labels.
DISPUTED_LABEL = "DISPUTED"
#: The stances that are evidence for each label.
EVIDENCE_STANCES: dict[str, frozenset[str]] = {
    "SUPPORTS": frozenset({Stance.SUPPORTS}),
    "REFUTES": frozenset({Stance.REFUTES}),
    DISPUTED_LABEL: frozenset({Stance.SUPPORTS, Stance.REFUTES, Stance.DISPUTES}),
}


def evidence_page(document_name: str, citation: Citation) -> str:
    """Return the FEVER `page` of a cited source: `DOCUMENT#LABEL`."""
    return f"{document_name}#{citation.source.label}"


def evidence_sentence(citation: Citation) -> int | None:
    """Return the index of the sentence of the source's snapshot where `citation`'s quote was
    found (or closely matched), or None when it has no quote or no snapshot holds it.

    Read from the quote checks `attach_quote_sentences` put on the citation (one query a batch).
    """
    return getattr(citation, "quote_sentence", None)


def attach_quote_sentences(citations: list[Citation]) -> None:
    """Set `quote_sentence` on each citation from its assessment's newest quote that held."""
    ids = [c.assessment_id for c in citations if c.assessment_id]
    sentences: dict[int, int] = {}
    for assessment_id, sentence in (
        QuoteCheck.objects.filter(
            assessment_id__in=ids,
            status__in=[QuoteStatus.FOUND, QuoteStatus.CLOSE],
            sentence__isnull=False,
        )
        .order_by("id")
        .values_list("assessment_id", "sentence")
    ):
        sentences[assessment_id] = sentence  # the newest wins
    for citation in citations:
        citation.quote_sentence = sentences.get(citation.assessment_id)


@dataclass
class FeverReport:
    """What the export left out, for the command to say on stderr."""

    written: int = 0
    #: Claims decided SUPPORTS/REFUTES with no assessment bearing the label out, by label.
    without_evidence: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        left_out = sum(self.without_evidence.values())
        text = f"{self.written} FEVER records written"
        if left_out:
            by_label = ", ".join(
                f"{n} {label}" for label, n in sorted(self.without_evidence.items())
            )
            text += (
                f"; {left_out} claims left out: decided without any assessment that supports "
                f"or refutes them ({by_label})"
            )
        return text


def fever_record(claim, citations: list[Citation], *, include_disputed: bool = False) -> dict:
    """Return the FEVER record of a decided claim (`citations`: its attached footnotes, with
    source and current assessment). Raises ValueError for a verdict without a label."""
    if claim.verdict in FEVER_LABELS:
        label = FEVER_LABELS[claim.verdict]
    elif claim.verdict == Verdict.DISPUTED and include_disputed:
        label = DISPUTED_LABEL
    else:
        raise ValueError(f"claim {claim.id} has no FEVER label ({claim.verdict})")
    document = claim.document.name
    evidence = [
        [
            [
                c.assessment.decision_id,
                c.assessment.id,
                evidence_page(document, c),
                evidence_sentence(c),
            ]
        ]
        for c in citations
        if c.assessment is not None and c.assessment.stance in EVIDENCE_STANCES[label]
    ]
    return {
        "id": claim.id,
        "verifiable": "VERIFIABLE",
        "label": label,
        "claim": claim.text,
        "evidence": evidence,
        "workbench_evidence": [
            {
                "page": evidence_page(document, c),
                "label": c.source.label,
                "url": c.source.url,
                "title": c.source.title,
                "cited_page": c.page,
                "stance": c.assessment.stance if c.assessment else None,
                "quote": c.assessment.quote if c.assessment else "",
                "quote_page": c.assessment.page if c.assessment else "",
                "sentence": evidence_sentence(c) if c.assessment else None,
            }
            for c in citations
        ],
    }


def fever_jsonl(
    claims: ClaimQuerySet, *, include_disputed: bool = False, report: FeverReport | None = None
) -> Iterator[str]:
    """Yield one FEVER line per decided claim of `claims` with evidence for its label.

    Disputed claims only with `include_disputed`. Two queries a batch. `report` (if given)
    counts what was written and what was left out.
    """
    report = report if report is not None else FeverReport()
    verdicts = list(FEVER_LABELS) + ([Verdict.DISPUTED] if include_disputed else [])
    for batch in claim_batches(decided(claims).filter(verdict__in=verdicts)):
        citations = citations_by_claim([claim.id for claim in batch])
        attach_quote_sentences([c for cited in citations.values() for c in cited])
        for claim in batch:
            record = fever_record(claim, citations[claim.id], include_disputed=include_disputed)
            if record["label"] in ("SUPPORTS", "REFUTES") and not record["evidence"]:
                report.without_evidence[record["label"]] += 1
                continue
            report.written += 1
            yield json_line(record)
