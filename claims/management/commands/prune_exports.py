"""manage.py prune_exports: delete long exports' files once they have expired."""

from django.core.management.base import BaseCommand

from claims.exports.jobs import export_jobs_prune


class Command(BaseCommand):
    help = (
        "Delete the files of web exports older than WORKBENCH_EXPORT_TTL_HOURS, and files in "
        "WORKBENCH_EXPORT_DIR that belong to no ready export (each export run does it too)."
    )

    def handle(self, *args, **options) -> None:
        expired = export_jobs_prune()
        self.stdout.write(f"{expired} export{'s' if expired != 1 else ''} expired")
