"""manage.py export_fever: the decided claims as FEVER JSON Lines the official scorer reads."""

from django.core.management.base import BaseCommand

from claims.exports import FeverReport, fever_jsonl
from claims.management.options import add_filter_arguments, exported_claims
from workbench.output import write_lines


class Command(BaseCommand):
    help = (
        "Export the decided claims as FEVER JSON Lines, filtered like the claim list: id, "
        "verifiable, label, claim, evidence (sets of [annotation_id, evidence_id, page, "
        "sentence], page = DOCUMENT#LABEL, sentence null until source snapshots exist) and "
        "workbench_evidence. corroborated -> SUPPORTS, refuted -> REFUTES; disputed claims "
        "only with --include-disputed, labelled DISPUTED (not a FEVER label). Claims decided "
        "without an assessment that supports or refutes them are left out and counted on "
        "standard error."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument(
            "--include-disputed",
            action="store_true",
            help="also export disputed claims, labelled DISPUTED (outside FEVER's labels)",
        )
        add_filter_arguments(parser)

    def handle(self, *args, **options) -> None:
        report = FeverReport()
        lines = fever_jsonl(
            exported_claims(options), include_disputed=options["include_disputed"], report=report
        )
        write_lines(lines, output=options["output"], stdout=self.stdout)
        self.stderr.write(report.summary())
