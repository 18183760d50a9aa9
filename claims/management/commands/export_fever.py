"""manage.py export_fever: the decided claims as FEVER-style JSON Lines."""

from django.core.management.base import BaseCommand

from claims.exports import fever_jsonl
from claims.management.options import add_filter_arguments, exported_claims
from workbench.output import write_lines


class Command(BaseCommand):
    help = (
        "Export the decided claims as FEVER-style JSON Lines, filtered like the claim list: "
        "id, claim, label, and evidence (label, url, stance, quote, page of each assessed "
        "source). Labels: corroborated -> SUPPORTS, refuted -> REFUTES, disputed (the sources "
        "disagree) -> NOT ENOUGH INFO; unreviewed claims are left out."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        add_filter_arguments(parser)

    def handle(self, *args, **options) -> None:
        write_lines(
            fever_jsonl(exported_claims(options)), output=options["output"], stdout=self.stdout
        )
