"""GET /healthz: is this deployment able to serve? For load balancers and monitoring.

Three checks, each reported in the JSON answer; 200 when all pass, 503 otherwise:

- database: a `SELECT 1` answers;
- migrations: no migration of the code is left unapplied to the database (code deployed
  before `migrate` ran would fail on the first page that reads a new column);
- worker: the background worker (`manage.py db_worker`) takes work off the queue. The worker
  keeps no heartbeat of its own, so the probe gives it one: at most once a minute it enqueues
  a tiny `worker_heartbeat` task, and the check fails when any task due to run has waited
  longer than `WORKBENCH_WORKER_MAX_WAIT` seconds (default 300). A dead or stuck worker is
  seen within that time even when nobody asks for work, and a worker busy with a long export
  is not taken for dead unless the queue really stalls. (A self-re-enqueueing periodic task
  was the alternative: it stops for good when a worker is killed mid-run, and something has to
  start it; counting on the probe needs neither.)

No sign-in, no CSRF (it is a GET), exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT), and
the answer names no host, user or error text beyond an exception's class.
"""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Min, Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks import task, task_backends
from django_tasks_db.backend import DatabaseBackend

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = datetime.timedelta(minutes=1)
# Finished heartbeats are only evidence of the last few minutes: older ones are deleted.
HEARTBEAT_KEEP = datetime.timedelta(hours=1)


@task()
def worker_heartbeat() -> str:
    """Prove the worker runs tasks; delete the finished heartbeats older than an hour."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    DBTaskResult.objects.finished().filter(
        task_path=worker_heartbeat.module_path, finished_at__lt=now - HEARTBEAT_KEEP
    ).delete()
    return now.isoformat()


def check_database() -> dict[str, Any]:
    """Return whether the database answers a trivial query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_migrations() -> dict[str, Any]:
    """Return whether every migration the code holds is applied, and how many are not."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {"ok": not plan, "unapplied": len(plan)}


def check_worker(now: datetime.datetime | None = None) -> dict[str, Any]:
    """Return whether queued tasks are being taken, enqueueing a heartbeat when one is due."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    backend = task_backends[worker_heartbeat.backend]
    if not isinstance(backend, DatabaseBackend):
        # An in-process backend (the tests' ImmediateBackend) runs each task as it is enqueued.
        return {"ok": True, "backend": type(backend).__name__}
    now = now or timezone.now()
    mine = DBTaskResult.objects.filter(backend_name=backend.alias)
    beats = mine.filter(task_path=worker_heartbeat.module_path)
    if not beats.filter(enqueued_at__gt=now - HEARTBEAT_EVERY).exists():
        worker_heartbeat.enqueue()
    date_max = get_date_max()
    # A task is due from when it was enqueued, or from its run_after if it was deferred.
    due = mine.ready().aggregate(
        now_tasks=Min("enqueued_at", filter=Q(run_after=date_max)),
        deferred=Min("run_after", filter=~Q(run_after=date_max)),
    )
    oldest = min((t for t in due.values() if t is not None), default=None)
    waited = (now - oldest).total_seconds() if oldest else 0.0
    last_beat = (
        beats.successful().order_by("-finished_at").values_list("finished_at", flat=True).first()
    )
    return {
        "ok": waited <= settings.WORKBENCH_WORKER_MAX_WAIT,
        "oldest_wait_seconds": round(max(waited, 0.0), 1),
        "max_wait_seconds": settings.WORKBENCH_WORKER_MAX_WAIT,
        "last_heartbeat": last_beat.isoformat() if last_beat else None,
    }


CHECKS = {"database": check_database, "migrations": check_migrations, "worker": check_worker}


def health() -> dict[str, dict[str, Any]]:
    """Run every check; one that raises fails with its exception's class, and the ones after a
    failed database check are skipped (they would only fail the same way, slowly)."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        if name != "database" and not results["database"]["ok"]:
            results[name] = {"ok": False, "skipped": "database unreachable"}
            continue
        try:
            results[name] = check()
        except (DatabaseError, OSError) as exc:
            logger.exception("health check %s failed", name)
            results[name] = {"ok": False, "error": type(exc).__name__}
    return results


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 with each check when all pass, 503 with each check otherwise."""
    checks = health()
    ok = all(result["ok"] for result in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "failing", "checks": checks}, status=200 if ok else 503
    )
