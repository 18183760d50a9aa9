"""manage.py source_snapshot DOCUMENT LABEL FILE --actor USER: keep a file as a source's copy."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims.services.evidence import source_snapshot_upload
from sources.models import Source
from sources.snapshots import Upload


class Command(BaseCommand):
    help = (
        "Keep FILE (HTML, PDF or plain text) as the newest snapshot of the source LABEL of "
        "DOCUMENT, and rank its passages against every claim citing it; audited under --actor."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("document", help="the document's name")
        parser.add_argument("label", help="the footnote label, e.g. 19")
        parser.add_argument("file")
        parser.add_argument("--actor", required=True, help="who keeps it (may edit sources)")

    def handle(self, *args, document: str, label: str, file: str, actor: str, **options):
        source = Source.objects.filter(document__name=document, label=label.strip("[]")).first()
        if source is None:
            raise CommandError(f"no source [{label}] in a document named {document!r}")
        user = get_user_model().objects.filter(username=actor).first()
        if user is None:
            raise CommandError(f"no user named {actor!r}")
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: cannot read ({exc.strerror})") from None
        try:
            snapshot = source_snapshot_upload(
                source=source, upload=Upload(path.name, data), actor=user
            )
        except PermissionDenied:
            raise CommandError(f"{actor} may not edit sources") from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        pages = f", {len(snapshot.pages)} pages" if snapshot.pages else ""
        self.stdout.write(
            f"[{source.label}] of {document}: snapshot {snapshot.pk}, "
            f"{len(snapshot.text):,} characters{pages}"
        )
