"""Long web exports: the worker writes them, the requester alone downloads them, they expire."""

import csv
import datetime
import io
import os
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.exports.jobs import export_is_large, export_job_request, export_jobs_prune
from claims.models import Claim, ExportFormat, ExportJob, ExportStatus
from tests.conftest import SEED, member
from workbench.roles import REVIEWERS

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def exports(settings, tmp_path):
    """Exports of more than 5 claims go to the worker; files go to a scratch folder."""
    settings.WORKBENCH_EXPORT_BACKGROUND_ROWS = 5
    settings.WORKBENCH_EXPORT_DIR = tmp_path / "exports"
    return tmp_path / "exports"


def streamed(client, settings, url: str) -> bytes:
    """Return what the same export streams when it is under the limit."""
    limit = settings.WORKBENCH_EXPORT_BACKGROUND_ROWS
    settings.WORKBENCH_EXPORT_BACKGROUND_ROWS = 10**9
    try:
        response = client.get(url)
        assert response.streaming
        return b"".join(response.streaming_content)
    finally:
        settings.WORKBENCH_EXPORT_BACKGROUND_ROWS = limit


def downloaded(client, job_url: str) -> bytes:
    response = client.get(f"{job_url}download/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_small_export_still_streams(client, bob, seed, settings, exports):
    settings.WORKBENCH_EXPORT_BACKGROUND_ROWS = Claim.objects.count()
    client.force_login(bob)

    response = client.get("/claims/export.csv?all=1")

    assert response.status_code == 200 and response.streaming
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/claims/export.csv?all=1",
        "/claims/export.csv?all=1&bom=1&raw=1&attribution=false",
        "/claims/export-citations.csv?all=1",
    ],
)
def test_a_long_export_is_written_by_the_worker_with_the_streams_bytes(
    client, bob, seed, settings, exports, django_capture_on_commit_callbacks, url
):
    client.force_login(bob)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url)

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:export-job", args=[job.pk])
    page = client.get(response["Location"])
    assert "Your export is ready" in page.content.decode()
    assert reverse("claims:export-job-download", args=[job.pk]) in page.content.decode()
    assert "Refresh" not in page
    body = downloaded(client, response["Location"])
    assert body == streamed(client, settings, url)
    job.refresh_from_db()
    records = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert job.rows == len(records) - 1 > 5
    assert [p.name for p in exports.iterdir()] == [job.file_name]  # no temporary left


def test_the_download_is_private_and_named_like_the_stream(
    client, bob, seed, exports, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        job_url = client.get("/claims/export.csv?all=1")["Location"]

    response = client.get(f"{job_url}download/")

    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="claims-{timezone.localdate():%Y-%m-%d}.csv"'
    )


def test_nobody_else_sees_or_downloads_an_export(
    client, bob, charlie, seed, exports, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        job_url = client.get("/claims/export.csv?all=1")["Location"]

    client.force_login(charlie)
    assert client.get(job_url).status_code == 404
    assert client.get(f"{job_url}download/").status_code == 404
    client.logout()
    assert client.get(f"{job_url}download/").status_code == 302  # to the sign-in page


def test_the_size_is_counted_with_a_limit_never_over_the_whole_table(seed, settings):
    claims = Claim.objects.all()
    total = claims.count()
    settings.WORKBENCH_EXPORT_BACKGROUND_ROWS = total
    with CaptureQueriesContext(connection) as ctx:
        assert export_is_large(claims) is False
    (query,) = ctx.captured_queries
    assert f"LIMIT {total + 1}" in query["sql"]

    settings.WORKBENCH_EXPORT_BACKGROUND_ROWS = total - 1
    assert export_is_large(claims) is True


def test_asking_again_while_it_is_prepared_is_the_same_job(client, bob, seed, settings, exports):
    settings.TASKS = DB_TASKS
    client.force_login(bob)

    first = client.get("/claims/export.csv?all=1")["Location"]
    again = client.get("/claims/export.csv?all=1")["Location"]
    other = client.get("/claims/export.csv?all=1&bom=1")["Location"]

    assert first == again != other
    assert ExportJob.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_page_waits_for_the_worker(client, settings, exports):
    from claims.services import document_import

    settings.TASKS = DB_TASKS
    document_import(name=SEED.name, data=SEED.read_bytes())
    client.force_login(member("bob", REVIEWERS))

    job_url = client.get("/claims/export.csv?all=1")["Location"]
    waiting = client.get(job_url)

    assert "being prepared" in waiting.content.decode()
    assert waiting["Refresh"] == "5"
    assert client.get(f"{job_url}download/").status_code == 404

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    ready = client.get(job_url)
    assert "Your export is ready" in ready.content.decode()
    assert ExportJob.objects.get().status == ExportStatus.DONE
    body = downloaded(client, job_url)
    assert body.startswith(b"claim_id,document,line,claim,")
    assert body.count(b"\n") == Claim.objects.count() + 1


@pytest.mark.django_db(transaction=True)
def test_a_user_who_lost_the_role_before_the_run_gets_no_file(client, settings, exports):
    from claims.services import document_import

    settings.TASKS = DB_TASKS
    document_import(name=SEED.name, data=SEED.read_bytes())
    bob = member("bob", REVIEWERS)
    client.force_login(bob)
    job_url = client.get("/claims/export.csv?all=1")["Location"]
    bob.groups.clear()

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    job = ExportJob.objects.get()
    assert job.status == ExportStatus.FAILED
    assert job.error == "You may not export claims."
    assert not list(exports.iterdir())
    assert client.get(f"{job_url}download/").status_code == 403


def _finish_long_ago(job: ExportJob, settings) -> None:
    long_ago = timezone.now() - datetime.timedelta(hours=settings.WORKBENCH_EXPORT_TTL_HOURS + 1)
    ExportJob.objects.filter(pk=job.pk).update(finished_at=long_ago, created_at=long_ago)


def test_an_export_expires_and_prune_exports_deletes_its_file(
    client, bob, seed, settings, exports, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        job_url = client.get("/claims/export.csv?all=1")["Location"]
    job = ExportJob.objects.get()
    _finish_long_ago(job, settings)

    # Past its time, before any prune: already refused.
    assert client.get(f"{job_url}download/").status_code == 410
    call_command("prune_exports", stdout=open(os.devnull, "w"))  # noqa: SIM115

    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and job.file_name == ""
    assert not list(exports.iterdir())
    assert client.get(f"{job_url}download/").status_code == 410
    assert "has expired" in client.get(job_url).content.decode()


def test_each_export_run_prunes_the_old_ones(
    client, bob, seed, settings, exports, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/claims/export.csv?all=1")
    old = ExportJob.objects.get()
    _finish_long_ago(old, settings)

    with django_capture_on_commit_callbacks(execute=True):
        client.get("/claims/export-citations.csv?all=1")

    old.refresh_from_db()
    new = ExportJob.objects.exclude(pk=old.pk).get()
    assert old.status == ExportStatus.EXPIRED
    assert [p.name for p in exports.iterdir()] == [new.file_name]


def test_prune_deletes_a_killed_workers_leftovers_and_fails_its_job(bob, seed, settings, exports):
    exports.mkdir()
    stale = exports / ".9-abc.csv.deadbeef.part"
    stale.write_text("claim_id,doc")
    fresh = exports / ".10-abc.csv.cafebabe.part"
    fresh.write_text("claim_id,doc")
    long_ago = time.time() - (settings.WORKBENCH_EXPORT_TTL_HOURS + 1) * 3600
    os.utime(stale, (long_ago, long_ago))
    stuck = ExportJob.objects.create(
        user=bob, format=ExportFormat.CLAIMS_CSV, status=ExportStatus.RUNNING
    )
    _finish_long_ago(stuck, settings)

    export_jobs_prune()

    assert not stale.exists() and fresh.exists()  # the fresh one may be a running export's
    stuck.refresh_from_db()
    assert stuck.status == ExportStatus.FAILED
    assert stuck.error == "The worker never finished this export."


def test_a_viewer_may_ask_for_a_long_export_and_nobody_without_a_role(seed, charlie, db):
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied
    from django.http import QueryDict

    job = export_job_request(
        user=charlie, filters=QueryDict(""), export_format=ExportFormat.CLAIMS_CSV, options={}
    )
    assert job.user == charlie and job.status == ExportStatus.QUEUED

    nobody = get_user_model().objects.create_user("nobody")
    with pytest.raises(PermissionDenied):
        export_job_request(
            user=nobody, filters=QueryDict(""), export_format=ExportFormat.CLAIMS_CSV, options={}
        )
