"""manage.py verify_audit: walk the audit trail's hash chain and name the first broken event."""

from django.core.management.base import BaseCommand, CommandError

from workbench.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit non-zero naming the first broken event."

    def handle(self, *args, **options) -> None:
        report = audit_verify()
        if not report.ok:
            event = report.broken
            raise CommandError(
                f"audit chain broken at event #{event.pk} ({event.action} on "
                f"{event.object_type}:{event.object_id}, {event.at:%Y-%m-%d %H:%M:%S} UTC): "
                f"{report.problem}; {report.checked} events before it verified"
            )
        self.stdout.write(
            self.style.SUCCESS(f"audit chain intact: {report.checked} events checked")
        )
