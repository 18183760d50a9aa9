"""manage.py export_claimreview: schema.org ClaimReview JSON-LD of the published reviews."""

from django.core.management.base import BaseCommand, CommandError

from claims.exports import claim_reviews_json
from claims.management.commands.export_claims import filter_options
from claims.selectors import InvalidFilters, claim_export_list
from workbench.output import write_lines


def add_filter_arguments(parser) -> None:
    """Add the claim list's filters as options, exactly as export_claims takes them."""
    for option, param, help_text in filter_options():
        parser.add_argument(
            f"--{option}", dest=f"filter_{param}", metavar=param.upper(), help=help_text
        )


def decided_claims(options: dict):
    """Return the reviewed claims matching the filter options, or raise CommandError."""
    filters = {
        param: options[f"filter_{param}"]
        for _, param, _ in filter_options()
        if options.get(f"filter_{param}") is not None
    }
    try:
        return claim_export_list(filters=filters)
    except InvalidFilters as exc:
        raise CommandError(str(exc)) from None


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
        lines = claim_reviews_json(decided_claims(options), jsonl=options["jsonl"])
        write_lines(lines, output=options["output"], stdout=self.stdout)
