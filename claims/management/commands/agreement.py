"""manage.py agreement: how far blind reviewers agreed, per document and overall."""

from django.core.management.base import BaseCommand, CommandError

from claims import agreement
from claims.exports import csv_line
from claims.selectors import agreement_report
from sources.models import Document
from workbench.output import write_lines


class Command(BaseCommand):
    help = (
        "Print the agreement between the two blind reviews of each claim (double review): "
        "percent agreement, Cohen's kappa per pair of reviewers and Krippendorff's alpha on "
        "the verdicts, agreement on the stances per footnote, and the confusion matrix of the "
        "two reviews, with the number of claims behind each figure. --csv writes the same "
        "figures as CSV, one a row, to FILE or standard output."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--document", metavar="NAME", default="", help="one document only")
        parser.add_argument(
            "--csv",
            nargs="?",
            const="-",
            metavar="FILE",
            help="write CSV (to FILE, or standard output without one)",
        )

    def handle(self, *args, document: str, csv: str | None, **options) -> None:
        if document and not Document.objects.filter(name=document).exists():
            raise CommandError(f"no document named {document!r}")
        result = agreement_report(document=document)
        if csv is not None:
            lines = [
                csv_line(row) for row in [agreement.CSV_HEADER, *agreement.report_rows(result)]
            ]
            write_lines(lines, output=None if csv == "-" else csv, stdout=self.stdout)
            return
        self.stdout.write(
            "Agreement between the two blind reviews of each claim (a figure needs "
            f"{agreement.MIN_ITEMS} claims or footnotes behind it)."
        )
        scopes = [result.overall] if document else [result.overall, *result.documents]
        for scope in scopes:
            self.stdout.write("")
            self._scope(scope, document or scope.document or "All documents")

    def _scope(self, scope: agreement.Scope, title: str) -> None:
        write = self.stdout.write
        write(f"{title}: {scope.claims} claims reviewed twice")
        write(
            f"  verdicts: {scope.percent.percent} agree, Krippendorff's alpha {scope.alpha} "
            f"({scope.alpha.n} claims)"
        )
        write(
            f"  stances: {scope.stance_percent.percent} agree, alpha {scope.stance_alpha} "
            f"({scope.citations} footnotes assessed in both reviews)"
        )
        write("  Cohen's kappa per pair of reviewers:")
        for pair in scope.pairs:
            write(
                f"    {pair.reviewers[0]} & {pair.reviewers[1]}: kappa {pair.kappa}, "
                f"{pair.percent.percent} agree ({pair.kappa.n} claims)"
            )
        if not scope.pairs:
            write("    none yet")
        width = max(len(c) for c in scope.categories)
        write("  first review (rows) x second review (columns):")
        write("    " + " " * width + "".join(f" {c:>{width}}" for c in scope.categories))
        for first, counts in scope.matrix:
            write(f"    {first:<{width}}" + "".join(f" {n:>{width}}" for n in counts))
