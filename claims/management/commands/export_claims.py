"""manage.py export_claims: the claims CSV or JSON Lines, with the claim list's filters."""

from django.core.management.base import BaseCommand, CommandError

from claims.exports import citations_csv, claims_csv, claims_jsonl
from claims.management.options import add_filter_arguments, exported_claims
from workbench.output import write_lines


class Command(BaseCommand):
    help = (
        "Export claims (reviewed ones unless --all), filtered like the claim list: as CSV, or "
        "as JSON Lines with every field (--format jsonl). --citations FILE also writes one CSV "
        "row per footnote of the same claims. Files are written whole or not at all."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="every claim, reviewed or not")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument(
            "--format", choices=("csv", "jsonl"), default="csv", help="csv (default) or jsonl"
        )
        parser.add_argument("--bom", action="store_true", help="start with a UTF-8 BOM (Excel)")
        parser.add_argument(
            "--raw",
            action="store_true",
            help="CSV cells exactly as stored: no ' before a cell starting = + - @ tab or CR "
            "(for analysts' tools; a spreadsheet may run such a cell as a formula)",
        )
        parser.add_argument(
            "--citations",
            metavar="FILE",
            help="also write the citations CSV (one row per footnote, join on claim_id) to FILE",
        )
        add_filter_arguments(parser)

    def handle(self, *args, **options) -> None:
        claims = exported_claims(options, include_all=options["all"])
        if options["format"] == "jsonl":
            if options["bom"] or options["raw"]:
                raise CommandError("--bom and --raw are CSV options: JSON Lines have neither")
            lines = claims_jsonl(claims)
        else:
            lines = claims_csv(claims, bom=options["bom"], raw=options["raw"])
        write_lines(lines, output=options["output"], stdout=self.stdout)
        if options["citations"]:
            write_lines(
                citations_csv(claims, bom=options["bom"], raw=options["raw"]),
                output=options["citations"],
                stdout=self.stdout,
            )
