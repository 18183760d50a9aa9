"""manage.py export_decisions: every decision ever recorded, as CSV."""

from django.core.management.base import BaseCommand

from claims.exports import decisions_csv
from workbench.output import write_lines


class Command(BaseCommand):
    help = (
        "Export every decision (the review history), oldest first, as CSV: claim, verdict "
        "from and to, suggestion, rationale, evidence, actor, time and the assessments recorded."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument("--bom", action="store_true", help="start with a UTF-8 BOM (Excel)")
        parser.add_argument(
            "--raw",
            action="store_true",
            help="cells exactly as stored: no ' before a cell starting = + - @ tab or CR",
        )

    def handle(self, *args, **options) -> None:
        lines = decisions_csv(bom=options["bom"], raw=options["raw"])
        write_lines(lines, output=options["output"], stdout=self.stdout)
