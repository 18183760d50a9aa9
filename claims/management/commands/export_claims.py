"""manage.py export_claims: the claims CSV, with the claim list's filters as options."""

from django.core.management.base import BaseCommand

from claims.exports import claims_csv
from claims.management.options import add_filter_arguments, exported_claims
from workbench.output import write_lines


class Command(BaseCommand):
    help = "Export claims as CSV (reviewed claims unless --all), filtered like the claim list."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="every claim, reviewed or not")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument("--bom", action="store_true", help="start with a UTF-8 BOM (Excel)")
        add_filter_arguments(parser)

    def handle(self, *args, **options) -> None:
        claims = exported_claims(options, include_all=options["all"])
        write_lines(
            claims_csv(claims, bom=options["bom"]), output=options["output"], stdout=self.stdout
        )
