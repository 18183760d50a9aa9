"""manage.py import_sources DOCUMENT FILE.csv: fill in source details from a reference list."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from sources.imports import COLUMNS, SourceFileError, sources_import
from sources.models import Document


class Command(BaseCommand):
    help = (
        f"Set the details of a document's sources from a CSV file with the columns "
        f"{','.join(COLUMNS)}. An empty cell leaves the field as it is. The whole file is "
        "checked first: any bad row is reported with its line and nothing changes. Every "
        "change is audited under --actor."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("document", help="the document's name, e.g. 000_cd3426a0e815e9f2.txt")
        parser.add_argument("file", help="the CSV file (UTF-8)")
        parser.add_argument(
            "--actor",
            required=True,
            help="username the changes are recorded under (needs permission to edit sources)",
        )
        parser.add_argument(
            "--reason", help='kept in the audit trail (default "import_sources FILE")'
        )

    def handle(self, *args, document: str, file: str, actor: str, reason: str | None, **options):
        try:
            doc = Document.objects.get(name=document)
        except Document.DoesNotExist:
            raise CommandError(f"no document named {document!r}") from None
        try:
            user = get_user_model().objects.get_by_natural_key(actor)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user named {actor!r}") from None
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: cannot read ({exc.strerror})") from None
        try:
            report = sources_import(
                document=doc,
                data=data,
                actor=user,
                reason=reason if reason is not None else f"import_sources {path.name}",
            )
        except PermissionDenied:
            raise CommandError(f"{actor} may not edit sources (sources.change_source)") from None
        except SourceFileError as exc:
            for line, message in exc.errors:
                self.stderr.write(f"{file}:{line}: {message}")
            raise CommandError(f"{file}: {exc}") from None
        except ValidationError as exc:
            raise CommandError(f"{file}: {'; '.join(exc.messages)}; nothing imported") from None
        self.stdout.write(
            f"{doc.name}: {report.rows} rows, {report.changed} sources changed, "
            f"{report.unchanged} unchanged"
        )
