"""Background work, run by the database worker (`manage.py db_worker`, django-tasks-db).

Tasks take ids, never objects: they are stored as JSON and run later, in another process.
"""

from django.contrib.auth import get_user_model
from django_tasks import task

from claims.services.evidence import source_fetch
from sources.models import Source


@task()
def fetch_source_task(source_id: int, actor_id: int | None = None) -> dict:
    """Fetch one source and keep its snapshot; return how it went."""
    source = Source.objects.get(pk=source_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    snapshot = source_fetch(source=source, actor=actor)
    return {"snapshot": snapshot.pk, "outcome": snapshot.outcome, "message": snapshot.message}


@task()
def export_job_task(job_id: int) -> dict:
    """Write one long web export's file (claims/exports/jobs.py); return how it went."""
    from claims.exports.jobs import export_job_run

    job = export_job_run(job_id=job_id)
    return {"job": job.pk, "status": job.status, "rows": job.rows}
