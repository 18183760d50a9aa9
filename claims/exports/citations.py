"""The citations CSV: one row per footnote of the exported claims, the analyst's join.

`export_claims --citations FILE` writes it beside the claims CSV, and the claim list's second
export link streams it, for the same claims. Join it to the claims CSV on `claim_id`; `order`
is the footnote's place in its claim (0-based). Detached footnotes are listed too (their
`attribution` says so), though the claims CSV's `footnotes` leaves them out.
"""

from collections.abc import Iterator

from claims.exports.rows import claim_batches, csv_line
from claims.models import Citation, ClaimQuerySet

CITATION_HEADER = [
    "claim_id",
    "document",
    "line",
    "order",
    "label",
    "position",
    "attribution",
    "page",
    "source_title",
    "source_url",
    "source_publisher",
    "source_author",
    "source_published_on",
    "source_reliability",
    "stance",
    "quote",
    "quote_page",
    "assessed_at",
]


def citation_row(claim, citation: Citation) -> list[str]:
    """Return the citations CSV row of `citation` (with source and assessment) on `claim`."""
    source, assessment = citation.source, citation.assessment
    return [
        str(claim.id),
        claim.document.name,
        str(claim.line),
        str(citation.order),
        source.label,
        citation.position,
        citation.attribution,
        citation.page,
        source.title,
        source.url,
        source.publisher,
        source.author,
        source.published_on.isoformat() if source.published_on else "",
        source.reliability,
        assessment.stance if assessment else "",
        assessment.quote if assessment else "",
        assessment.page if assessment else "",
        assessment.at.isoformat() if assessment else "",
    ]


def citations_csv(claims: ClaimQuerySet, *, bom: bool = False, raw: bool = False) -> Iterator[str]:
    """Yield the citations CSV of `claims`, in the claims CSV's order, footnotes in order.

    Two queries a batch of claims (the claims, then their footnotes with sources and
    assessments), whatever the number of footnotes.
    """
    if bom:
        yield "\ufeff"
    yield csv_line(CITATION_HEADER)
    for batch in claim_batches(claims):
        rows: dict[int, list[Citation]] = {claim.id: [] for claim in batch}
        for citation in (
            Citation.objects.filter(claim_id__in=list(rows))
            .select_related("source", "assessment")
            .order_by("claim_id", "order")
        ):
            rows[citation.claim_id].append(citation)
        for claim in batch:
            for citation in rows[claim.id]:
                yield csv_line(citation_row(claim, citation), raw=raw)
