"""Long web exports: written to a file by the background worker, downloaded when ready.

Streaming a million-row CSV holds a web worker for as long as the slowest client reads it,
and a restart cuts it. Above `WORKBENCH_EXPORT_BACKGROUND_ROWS` claims the export button
asks for an ExportJob instead: the worker (`manage.py db_worker`) writes the same bytes the
stream would have sent, atomically (workbench.output), to `WORKBENCH_EXPORT_DIR`; the job's
page links to the file once it is there. Only the user who asked may download it, and only
for `WORKBENCH_EXPORT_TTL_HOURS`: every run, and `manage.py prune_exports`, deletes older
files.

Job rows are bookkeeping, not editorial changes: they are not audited.
"""

import csv
import datetime
import logging
import secrets
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone

from claims.exports.citations import citations_csv
from claims.exports.csv import claims_csv
from claims.models import ClaimQuerySet, ExportFormat, ExportJob, ExportStatus
from claims.selectors import VIEW, claim_export_for_user
from workbench.output import write_lines
from workbench.permissions import require_perm

logger = logging.getLogger(__name__)

DOWNLOAD_NAMES = {ExportFormat.CLAIMS_CSV: "claims", ExportFormat.CITATIONS_CSV: "citations"}


def export_is_large(claims: ClaimQuerySet) -> bool:
    """Return whether `claims` holds more than WORKBENCH_EXPORT_BACKGROUND_ROWS claims.

    Counts at most one more than the limit (a LIMITed subquery), never the whole table.
    """
    limit = settings.WORKBENCH_EXPORT_BACKGROUND_ROWS
    return claims.order_by().values("pk")[: limit + 1].count() > limit


def export_dir() -> Path:
    """Return the folder export files are written to (created when missing)."""
    folder = Path(settings.WORKBENCH_EXPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_job_request(
    *, user, filters: QueryDict, export_format: str, options: Mapping[str, bool]
) -> ExportJob:
    """Record an export job for `user` and hand it to the background worker once committed.

    The same export asked for again while it is being prepared (a reload, a double click) is
    the job already under way, not a second one.
    """
    from claims.tasks import export_job_task

    require_perm(user, VIEW, "export claims")
    job = ExportJob(
        user=user,
        filters={key: filters.getlist(key) for key in filters},
        options={key: bool(options.get(key)) for key in ("all", "bom", "raw")},
        format=export_format,
    )
    pending = ExportJob.objects.filter(
        user=user, format=export_format, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    )
    for other in pending:
        if (other.filters, other.options) == (job.filters, job.options):
            return other
    job.full_clean()
    job.save()
    # After the commit: a worker polling the queue must find the job it is told to run.
    transaction.on_commit(lambda: export_job_task.enqueue(job.pk))
    return job


def _lines(job: ExportJob):
    filters = QueryDict(mutable=True)
    for key, values in job.filters.items():
        filters.setlist(key, values)
    # As the requester, now: a user whose role was taken away meanwhile gets no file.
    claims = claim_export_for_user(
        user=job.user, filters=filters, include_all=job.options.get("all", False)
    )
    writer = citations_csv if job.format == ExportFormat.CITATIONS_CSV else claims_csv
    return writer(claims, bom=job.options.get("bom", False), raw=job.options.get("raw", False))


def _count_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as written:
        return sum(1 for _ in csv.reader(written)) - 1  # the header


def export_job_run(*, job_id: int) -> ExportJob:
    """Write job `job_id`'s file and mark it done (or failed, saying why); prune old files.

    A job runs once: one that is no longer queued is returned as it is.
    """
    export_jobs_prune()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, updated_at=timezone.now()
    )
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if not claimed:
        return job
    name = f"{job.pk}-{secrets.token_hex(8)}.csv"
    path = export_dir() / name
    try:
        write_lines(_lines(job), output=str(path), stdout=None)
        rows = _count_rows(path)
    except Exception as exc:  # the job must end failed, whatever stopped it
        logger.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED,
            error=str(exc) or type(exc).__name__,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    else:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.DONE,
            file_name=name,
            rows=rows,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def export_expiry() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.WORKBENCH_EXPORT_TTL_HOURS)


def export_jobs_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete export files older than the expiry; return how many jobs expired.

    Ready jobs past it become expired; jobs a killed worker left queued or running that long
    become failed; files of no ready job (a killed worker's `.part`) go too.
    """
    cutoff = (now or timezone.now()) - export_expiry()
    folder = export_dir()
    expired = ExportJob.objects.filter(status=ExportStatus.DONE, finished_at__lt=cutoff)
    names = list(expired.values_list("file_name", flat=True))
    count = expired.update(status=ExportStatus.EXPIRED, file_name="", updated_at=timezone.now())
    for name in names:
        (folder / name).unlink(missing_ok=True)
    ExportJob.objects.filter(
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING], created_at__lt=cutoff
    ).update(
        status=ExportStatus.FAILED,
        error="The worker never finished this export.",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    live = set(
        ExportJob.objects.filter(status=ExportStatus.DONE).values_list("file_name", flat=True)
    )
    for path in folder.iterdir():
        if path.is_file() and path.name not in live:
            modified = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
            if modified < cutoff:
                path.unlink(missing_ok=True)
    return count


def export_job_get_for_user(*, user, pk: int) -> ExportJob:
    """Return `user`'s export job `pk`: 404 for anyone else's, 403 without a role."""
    require_perm(user, VIEW, "export claims")
    return get_object_or_404(ExportJob, pk=pk, user=user)


def export_job_file(job: ExportJob) -> Path | None:
    """Return the path of a ready job's file, None if it is not ready, expired or gone."""
    if job.status != ExportStatus.DONE or not job.file_name:
        return None
    if job.finished_at < timezone.now() - export_expiry():
        return None
    path = Path(settings.WORKBENCH_EXPORT_DIR) / job.file_name
    return path if path.is_file() else None


def export_download_name(job: ExportJob) -> str:
    """Return the name the browser saves the file as: `claims-YYYY-MM-DD.csv`."""
    return f"{DOWNLOAD_NAMES[job.format]}-{timezone.localdate(job.created_at):%Y-%m-%d}.csv"
