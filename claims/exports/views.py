"""A long export's page and its download, for the user who asked for it (jobs.py)."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from claims.exports.jobs import (
    export_download_name,
    export_expiry,
    export_job_file,
    export_job_get_for_user,
)
from claims.models import ExportStatus

# How often the page of an export being prepared reloads itself, in seconds (no script needed).
REFRESH_SECONDS = 5


@login_required
@require_GET
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    """Show how the requester's long export is going, with its download link once ready."""
    job = export_job_get_for_user(user=request.user, pk=pk)
    ready = export_job_file(job) is not None
    pending = job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
    ctx = {
        "job": job,
        "ready": ready,
        "pending": pending,
        "expired": job.status == ExportStatus.EXPIRED
        or (job.status == ExportStatus.DONE and not ready),
        "expires_at": job.finished_at + export_expiry() if job.finished_at else None,
        "refresh": REFRESH_SECONDS,
        "query": urlencode(job.filters, doseq=True),
    }
    response = render(request, "claims/export_job.html", ctx)
    if pending:
        # The browser reloads the page by itself: no script, nothing for the CSP to allow.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@login_required
@require_GET
def export_job_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the requester's export file (404 for anyone else's; 410 once it has expired)."""
    job = export_job_get_for_user(user=request.user, pk=pk)
    path = export_job_file(job)
    if path is None:
        if job.status in (ExportStatus.DONE, ExportStatus.EXPIRED):
            return HttpResponse(
                "This export has expired: export again from the claim list.\n",
                status=410,
                content_type="text/plain; charset=utf-8",
            )
        raise Http404("This export is not ready.")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=export_download_name(job),
        content_type="text/csv; charset=utf-8",
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
