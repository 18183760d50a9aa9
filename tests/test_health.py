"""GET /healthz: database, migrations and the worker, each reported; 503 when one fails."""

import datetime

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from workbench.health import worker_heartbeat

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_it_answers_200_with_each_check_and_needs_no_sign_in(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"] == {"ok": True, "unapplied": 0}
    assert body["checks"]["worker"]["ok"] is True
    assert "no-store" in response["Cache-Control"]


def test_a_load_balancer_may_probe_with_head(client, db):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code in (403, 405)


def test_an_unapplied_migration_answers_503(client, db):
    # As after deploying code with a new migration, before `migrate`.
    (newest,) = MigrationLoader(connection).graph.leaf_nodes("claims")
    MigrationRecorder(connection).record_unapplied(*newest)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["migrations"]["ok"] is False
    assert body["checks"]["migrations"]["unapplied"] == 1
    assert body["checks"]["database"]["ok"] is True


def test_an_unreachable_database_answers_503_and_skips_the_rest(client, db, monkeypatch):
    # The one stand-in here: a database going away is outside the process.
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/healthz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": False, "error": "OperationalError"}
    assert checks["migrations"] == {"ok": False, "skipped": "database unreachable"}
    assert "connection refused" not in response.content.decode()


def test_a_probe_enqueues_one_heartbeat_a_minute(client, db, settings):
    settings.TASKS = DB_TASKS
    client.get("/healthz")
    client.get("/healthz")

    beats = DBTaskResult.objects.filter(task_path=worker_heartbeat.module_path)
    assert beats.count() == 1

    beats.update(enqueued_at=timezone.now() - datetime.timedelta(seconds=61))
    client.get("/healthz")
    assert beats.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_stalled_queue_answers_503_until_a_worker_runs_it(client, settings):
    settings.TASKS = DB_TASKS
    settings.WORKBENCH_WORKER_MAX_WAIT = 300
    assert client.get("/healthz").status_code == 200  # a heartbeat, just queued
    # No worker took it for ten minutes.
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=10))

    stalled = client.get("/healthz")

    assert stalled.status_code == 503
    worker = stalled.json()["checks"]["worker"]
    assert worker["ok"] is False
    assert worker["oldest_wait_seconds"] >= 600
    assert worker["last_heartbeat"] is None

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    recovered = client.get("/healthz")

    assert recovered.status_code == 200
    assert recovered.json()["checks"]["worker"]["last_heartbeat"] is not None


@pytest.mark.django_db(transaction=True)
def test_a_deferred_task_counts_as_waiting_only_from_when_it_is_due(client, settings):
    settings.TASKS = DB_TASKS
    # Enqueued an hour ago to run in a minute: it has not waited at all.
    worker_heartbeat.using(run_after=timezone.now() + datetime.timedelta(minutes=1)).enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(hours=1))

    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_deletes_finished_heartbeats_older_than_an_hour(settings):
    settings.TASKS = DB_TASKS
    worker_heartbeat.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    old = DBTaskResult.objects.get()
    DBTaskResult.objects.update(finished_at=timezone.now() - datetime.timedelta(hours=2))

    worker_heartbeat.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert not DBTaskResult.objects.filter(pk=old.pk).exists()
    assert DBTaskResult.objects.successful().count() == 1


def test_the_https_redirect_spares_the_probe(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
