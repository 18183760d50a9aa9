"""manage.py export_claimreview: schema.org ClaimReview JSON-LD of the published reviews."""

from django.core.management.base import BaseCommand

from claims.exports import claim_reviews_json
from claims.management.options import add_filter_arguments, exported_claims
from workbench.output import write_lines


class Command(BaseCommand):
    help = (
        "Export schema.org ClaimReview JSON-LD of the published reviews, as their public pages "
        "show them (a JSON array, or JSON Lines with --jsonl), filtered like the claim list. "
        "Ratings on a 1-5 scale: corroborated 5 (Corroborated), disputed 3 (Disputed), refuted "
        "1 (Refuted). Claims not published (or whose public page is down) are left out: a "
        "ClaimReview's url must be a page anyone can read."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument("--jsonl", action="store_true", help="one object per line")
        add_filter_arguments(parser)

    def handle(self, *args, **options) -> None:
        lines = claim_reviews_json(exported_claims(options), jsonl=options["jsonl"])
        write_lines(lines, output=options["output"], stdout=self.stdout)
