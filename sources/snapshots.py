"""Snapshots of a source: its content at one moment, from an upload or a fetch. Append-only.

`snapshot_from_upload` and `snapshot_from_fetch` write one SourceSnapshot (text extracted with
sources/extract.py), move the source's caches (`snapshot`, `link_status`) and audit it, in one
transaction. They never touch claims: what a new snapshot means for the claims citing the source
(passages, quote checks) is claims/services/evidence.py, which calls these.
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sources.extract import Extracted, ExtractError, extract
from sources.fetch import FetchResult
from sources.models import SnapshotOrigin, Source, SourceSnapshot
from workbench.audit import audit_log
from workbench.permissions import require_perm

#: Uploads larger than this are refused (a fetched body has its own cap in sources/fetch.py).
UPLOAD_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """A file an editor attaches to a source: its name, bytes and declared content type."""

    name: str
    data: bytes
    content_type: str = ""


_TYPES_BY_SUFFIX = {
    ".pdf": "application/pdf",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".txt": "text/plain",
}


def _content_type(upload: Upload) -> str:
    """Return the upload's type: its extension first (browsers often send octet-stream)."""
    for suffix, media_type in _TYPES_BY_SUFFIX.items():
        if upload.name.lower().endswith(suffix):
            return media_type
    return upload.content_type or "application/octet-stream"


def _metadata(extracted: Extracted) -> dict:
    return {
        "title": extracted.title,
        "author": extracted.author,
        "date": extracted.date.isoformat() if extracted.date else "",
        "site": extracted.sitename,
        "notes": list(extracted.notes),
        "page_count": extracted.page_count,
    }


def _pages(extracted: Extracted) -> list[list]:
    labels = extracted.page_labels or tuple("" for _ in extracted.pages)
    pairs = zip(extracted.pages, labels, strict=True)
    return [[start, number, label] for (start, number), label in pairs]


def _save(snapshot: SourceSnapshot, actor) -> SourceSnapshot:
    """Insert `snapshot`, move its source's caches and audit it (inside a transaction)."""
    source = Source.objects.select_for_update().get(pk=snapshot.source_id)
    snapshot.save()
    changes: dict = {"link_checked_at": snapshot.at}
    if snapshot.origin == SnapshotOrigin.URL:
        # The status of the source's own link: the archive serving the text does not revive it.
        changes["link_status"] = snapshot.outcome
    if snapshot.outcome == "ok":
        changes["snapshot"] = snapshot
    Source.objects.filter(pk=source.pk).update(**changes)
    audit_log(
        actor=actor,
        action="source.snapshot",
        obj=source,
        after={
            "snapshot": snapshot.pk,
            "origin": snapshot.origin,
            "url": snapshot.url,
            "outcome": snapshot.outcome,
            "http_status": snapshot.http_status,
            "sha256": snapshot.sha256,
            "size": snapshot.size,
            # The extracted text is covered too: a later edit of the row shows in verify_audit.
            "text_sha256": hashlib.sha256(snapshot.text.encode()).hexdigest(),
        },
    )
    return snapshot


def snapshot_from_upload(*, source: Source, upload: Upload, actor) -> SourceSnapshot:
    """Keep an uploaded file (HTML, PDF or plain text) as the source's newest snapshot.

    Raises ValidationError (nothing stored) for a file too large, empty, of another type or
    without text; PermissionDenied for a user who may not edit sources.
    """
    require_perm(actor, "sources.change_source", "add snapshots of sources")
    if len(upload.data) > UPLOAD_MAX_BYTES:
        raise ValidationError(
            f"The file is {len(upload.data) / 1e6:.1f} MB; the limit is "
            f"{UPLOAD_MAX_BYTES // (1024 * 1024)} MB."
        )
    content_type = _content_type(upload)
    try:
        extracted = extract(upload.data, content_type, url=source.url)
    except ExtractError as exc:
        raise ValidationError(f"{upload.name}: {exc}") from None
    snapshot = SourceSnapshot(
        source=source,
        origin=SnapshotOrigin.UPLOAD,
        url=upload.name[:2000],
        outcome="ok",
        content_type=content_type,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        text=extracted.text,
        pages=_pages(extracted),
        metadata=_metadata(extracted),
        message=f"Uploaded {upload.name} ({len(upload.data):,} bytes).",
        actor=actor,
        at=timezone.now(),
    )
    with transaction.atomic():
        return _save(snapshot, actor)


def snapshot_from_fetch(
    *, source: Source, result: FetchResult, origin: str, actor=None
) -> SourceSnapshot:
    """Keep what a fetch of the source's URL (or archive URL) found, whatever its outcome.

    A dead or failed fetch is a snapshot without text: it records when the link was checked
    and what it answered. A body that yields no text is kept the same way, with the reason.
    """
    outcome, message = str(result.outcome), result.message
    extracted = None
    if result.ok:
        try:
            extracted = extract(result.content or b"", result.content_type, url=result.final_url)
        except ExtractError as exc:
            outcome, message = "error", f"{message}; but no text could be read: {exc}"
    snapshot = SourceSnapshot(
        source=source,
        origin=origin,
        url=result.final_url or result.url,
        outcome=outcome,
        http_status=result.status,
        content_type=result.content_type[:100],
        size=result.size,
        sha256=result.sha256,
        text=extracted.text if extracted else "",
        pages=_pages(extracted) if extracted else [],
        metadata=_metadata(extracted) if extracted else {},
        message=message,
        actor=actor,
        at=result.fetched_at,
    )
    with transaction.atomic():
        return _save(snapshot, actor)
