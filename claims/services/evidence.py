"""The source beside the claim: snapshots in, passages and quote checks out.

A new snapshot of a source (uploaded, or fetched in the background by claims/tasks.py) is
written by sources/snapshots.py; then `evidence_for_snapshot` ranks its passages against every
live claim citing the source (claims/evidence.py, the pure ranking) and looks every current
assessment's quote up in it. Both are stored, so the claim page only reads them. A quote that
an earlier snapshot held and this one does not flags its claim `source_changed`.
"""

import bisect
from collections import defaultdict
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import transaction

from claims.evidence import RankedPassage, passages, quote_match, rank, sentence_spans
from claims.models import Assessment, Citation, Claim, Passage, QuoteCheck, QuoteStatus
from sources.fetch import fetch_source
from sources.models import SnapshotOrigin, Source, SourceSnapshot
from sources.snapshots import Upload, snapshot_from_fetch, snapshot_from_upload
from workbench.permissions import require_perm

#: Passages shown per cited source.
TOP = 3


def _segments(ranked: RankedPassage) -> list[list]:
    """Return the passage as [text, matched] pieces, from the ranker's matched spans."""
    text, pieces, position = ranked.passage.text, [], 0
    for start, end in ranked.spans:
        if start > position:
            pieces.append([text[position:start], False])
        pieces.append([text[start:end], True])
        position = end
    if position < len(text):
        pieces.append([text[position:], False])
    return pieces


class _Ranker:
    """Ranks claims against one snapshot, cutting its text into passages once."""

    def __init__(self, snapshot: SourceSnapshot) -> None:
        self.snapshot = snapshot
        self.candidates = passages(snapshot.text, pages=snapshot.page_offsets)

    def rows(self, claim: Claim) -> list[Passage]:
        return [
            Passage(
                claim_id=claim.pk,
                snapshot=self.snapshot,
                rank=number,
                text=ranked.passage.text,
                start=ranked.passage.start,
                end=ranked.passage.end,
                page=self.snapshot.page_label(ranked.passage.page),
                score=round(ranked.score, 4),
                segments=_segments(ranked),
            )
            for number, ranked in enumerate(rank(claim.text, self.candidates, k=TOP), start=1)
        ]


@lru_cache(maxsize=16)
def _sentence_starts(snapshot_id: int, text: str) -> list[int]:
    """Return where each sentence of a snapshot's text starts (kept for its next quote)."""
    return [start for start, _ in sentence_spans(text)]


def quote_check(assessment: Assessment, snapshot: SourceSnapshot) -> QuoteCheck:
    """Return (unsaved) where `assessment`'s quote is in `snapshot`, and in which sentence."""
    match = quote_match(assessment.quote, snapshot.text, pages=snapshot.page_offsets)
    sentence = None
    if match.span is not None:
        starts = _sentence_starts(snapshot.pk, snapshot.text)
        sentence = max(bisect.bisect_right(starts, match.span[0]) - 1, 0)
    return QuoteCheck(
        assessment=assessment,
        snapshot=snapshot,
        status=match.status,
        score=match.score,
        page=snapshot.page_label(match.page) if match.page is not None else "",
        sentence=sentence,
    )


def quotes_check(assessments: list[Assessment]) -> list[QuoteCheck]:
    """Check the quotes of new assessments against the snapshot each was made against."""
    snapshots = {
        s.pk: s
        for s in SourceSnapshot.objects.filter(
            pk__in={a.snapshot_id for a in assessments if a.snapshot_id and a.quote}
        )
    }
    checks = [
        quote_check(a, snapshots[a.snapshot_id])
        for a in assessments
        if a.quote and a.snapshot_id in snapshots
    ]
    return QuoteCheck.objects.bulk_create(checks)


def evidence_for_snapshot(snapshot: SourceSnapshot) -> int:
    """Rank `snapshot` against every live claim citing its source, and re-check their quotes.

    Returns the number of claims ranked. A snapshot without text (a dead link) changes neither:
    the passages of the last snapshot that had text stay. Runs in one transaction.
    """
    if snapshot.outcome != "ok" or not snapshot.text:
        return 0
    citations = list(
        Citation.objects.attached()
        .filter(source_id=snapshot.source_id, claim__withdrawn_at__isnull=True)
        .select_related("claim", "assessment")
    )
    claims = {c.claim_id: c.claim for c in citations}
    ranker = _Ranker(snapshot)
    with transaction.atomic():
        Passage.objects.filter(
            claim_id__in=list(claims), snapshot__source_id=snapshot.source_id
        ).delete()
        Passage.objects.bulk_create(
            [row for claim in claims.values() for row in ranker.rows(claim)], batch_size=1000
        )
        current = [c.assessment for c in citations if c.assessment and c.assessment.quote]
        _recheck(current, snapshot)
    return len(claims)


def _recheck(assessments: list[Assessment], snapshot: SourceSnapshot) -> None:
    """Check current quotes against a new snapshot; flag claims whose quote it lost."""
    if not assessments:
        return
    earlier = defaultdict(set)
    for assessment_id, status in QuoteCheck.objects.filter(assessment__in=assessments).values_list(
        "assessment_id", "status"
    ):
        earlier[assessment_id].add(status)
    checks = [quote_check(a, snapshot) for a in assessments]
    QuoteCheck.objects.bulk_create(checks, ignore_conflicts=True)
    held = {QuoteStatus.FOUND, QuoteStatus.CLOSE}
    lost = [
        check.assessment.citation.claim_id
        for check in checks
        if check.status == QuoteStatus.NOT_FOUND and earlier[check.assessment_id] & held
    ]
    if lost:
        Claim.objects.filter(pk__in=lost).update(source_changed=True)


def evidence_for_claim(claim: Claim) -> None:
    """Rank the latest snapshot of each source `claim` cites (after a footnote moved onto it)."""
    cited = Citation.objects.attached().filter(claim=claim).values("source_id")
    for source in Source.objects.filter(pk__in=cited).select_related("snapshot"):
        if source.snapshot is None:
            continue
        Passage.objects.filter(claim=claim, snapshot__source=source).delete()
        Passage.objects.bulk_create(_Ranker(source.snapshot).rows(claim))


def source_snapshot_upload(*, source: Source, upload: Upload, actor) -> SourceSnapshot:
    """Keep an uploaded file as the source's snapshot and rank it against its claims."""
    with transaction.atomic():
        snapshot = snapshot_from_upload(source=source, upload=upload, actor=actor)
        evidence_for_snapshot(snapshot)
    return snapshot


def source_fetch(*, source: Source, actor=None) -> SourceSnapshot:
    """Fetch the source's URL (its archive URL when the live one fails) and keep what came.

    The fetch runs outside any transaction (it may take a minute); the live URL's outcome is
    always recorded, so a dead link is known even when the archive served the text.
    """
    fetched = fetch_source(source.url, source.archive_url)
    snapshot = None
    if fetched.live is not None:
        snapshot = snapshot_from_fetch(
            source=source, result=fetched.live, origin=SnapshotOrigin.URL, actor=actor
        )
    if fetched.archive is not None and (fetched.used == "archive" or snapshot is None):
        snapshot = snapshot_from_fetch(
            source=source, result=fetched.archive, origin=SnapshotOrigin.ARCHIVE, actor=actor
        )
    evidence_for_snapshot(snapshot)
    return snapshot


def source_fetch_request(*, source: Source, actor) -> str:
    """Ask the background worker to fetch `source`; return the task's id (editors)."""
    from claims.tasks import fetch_source_task

    require_perm(actor, "sources.change_source", "fetch sources")
    if not (source.url or source.archive_url):
        raise ValidationError("This source has no URL to fetch: add one, or upload a file.")
    result = fetch_source_task.enqueue(source.pk, actor.pk)
    Source.objects.filter(pk=source.pk).update(fetch_task_id=str(result.id))
    return str(result.id)
