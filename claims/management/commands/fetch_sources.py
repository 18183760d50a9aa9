"""manage.py fetch_sources [--document NAME] [--stale DAYS]: queue fetches of sources' URLs."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from claims.tasks import fetch_source_task
from sources.models import Source


class Command(BaseCommand):
    help = (
        "Queue a background fetch of every source with a URL (of one document with "
        "--document), skipping those checked less than --stale DAYS ago. The worker "
        "(manage.py db_worker) fetches them; --now fetches here, one after the other."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--document", help="only the sources of this document")
        parser.add_argument(
            "--stale", type=int, default=None, help="only sources not checked for DAYS days"
        )
        parser.add_argument("--now", action="store_true", help="fetch here instead of queueing")

    def handle(self, *args, document: str | None, stale: int | None, now: bool, **options):
        sources = Source.objects.exclude(url="", archive_url="").order_by("id")
        if document:
            if not sources.filter(document__name=document).exists():
                raise CommandError(f"no source with a URL in a document named {document!r}")
            sources = sources.filter(document__name=document)
        if stale is not None:
            if stale < 0:
                raise CommandError("--stale is a number of days, 0 or more")
            since = timezone.now() - datetime.timedelta(days=stale)
            sources = sources.filter(Q(link_checked_at__isnull=True) | Q(link_checked_at__lt=since))
        count = 0
        for source_id in sources.values_list("id", flat=True).iterator():
            if now:
                outcome = fetch_source_task.call(source_id)
                self.stdout.write(
                    f"source {source_id}: {outcome['outcome']} ({outcome['message']})"
                )
            else:
                fetch_source_task.enqueue(source_id)
            count += 1
        verb = "fetched" if now else "queued for the worker (manage.py db_worker)"
        self.stdout.write(f"{count} source(s) {verb}")
