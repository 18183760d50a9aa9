"""The claims as JSON Lines (`export_claims --format jsonl`): every field, nothing to unpick.

One object per claim, in the claims CSV's order. Lists are JSON lists (tags, notes, footnotes)
and nothing is formula-neutralised: JSON readers do not run formulas. Text is HTML-safe JSON
(rows.json_text).
"""

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count

from claims.exports.csv import attribution_state
from claims.exports.rows import claim_batches, json_line
from claims.models import Attribution, Citation, ClaimQuerySet, Decision
from claims.publish.selectors import internal_url
from claims.verdicts import suggest_verdict


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _citation(citation: Citation) -> dict:
    source, assessment = citation.source, citation.assessment
    return {
        "order": citation.order,
        "label": source.label,
        "position": citation.position,
        "attribution": citation.attribution,
        "page": citation.page,
        "source": {
            "id": source.id,
            "title": source.title,
            "url": source.url,
            "publisher": source.publisher,
            "author": source.author,
            "published_on": _date(source.published_on),
            "accessed_on": _date(source.accessed_on),
            "archive_url": source.archive_url,
            "archive_date": _date(source.archive_date),
            "doi": source.doi,
            "isbn": source.isbn,
            "pages": source.pages,
            "reliability": source.reliability,
            "reference": source.reference,
        },
        "assessment": None
        if assessment is None
        else {
            "stance": assessment.stance,
            "quote": assessment.quote,
            "page": assessment.page,
            "at": assessment.at.isoformat(),
            "decision_id": assessment.decision_id,
        },
    }


def claim_record(claim, citations: list[Citation], decision_count: int) -> dict:
    """Return the JSON Lines record of `claim` (with its document and last decision loaded)."""
    attached = [c for c in citations if c.attribution != Attribution.DETACHED]
    suggestion = suggest_verdict(
        ((c.assessment.stance if c.assessment else ""), c.source.reliability) for c in attached
    )
    document, decision = claim.document, claim.last_decision
    return {
        "claim_id": claim.id,
        "document": {
            "name": document.name,
            "title": document.title,
            "origin_url": document.origin_url,
            "author": document.author,
            "revised_on": _date(document.revised_on),
            "format": document.format,
        },
        "line": claim.line,
        "section": claim.section,
        "claim": claim.text,
        "raw": claim.raw,
        "tags": claim.tag_list,
        "notes": claim.note_list,
        "footnotes": [c.source.label for c in attached],
        "verdict": claim.verdict,
        "suggested_verdict": suggestion.verdict,
        "attribution": attribution_state(citations),
        "needs_rereview": claim.needs_rereview,
        "locked": claim.locked,
        "withdrawn_at": _date(claim.withdrawn_at),
        "version": claim.version,
        "decision": None
        if decision is None
        else {
            "id": decision.id,
            "verdict_from": decision.verdict_from,
            "verdict_to": decision.verdict_to,
            "suggested": decision.suggested,
            "rationale": decision.rationale,
            "evidence_url": decision.evidence_url,
            "evidence_quote": decision.evidence_quote,
            "reviewer": decision.actor.get_username(),
            "at": decision.at.isoformat(),
        },
        "decision_count": decision_count,
        "published_decision_id": claim.published_decision_id,
        "published_at": _date(claim.published_at),
        "claim_url": internal_url(claim.id),
        "citations": [_citation(c) for c in citations],
    }


def claims_jsonl(claims: ClaimQuerySet) -> Iterator[str]:
    """Yield one JSON line per claim of `claims`: three queries a batch, as the CSV."""
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
            yield json_line(claim_record(claim, citations[claim.id], counts.get(claim.id, 0)))
