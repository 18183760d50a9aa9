"""manage.py export_claims: the claims CSV, with the claim list's filters as options."""

from django.core.management.base import BaseCommand, CommandError

from claims.exports import claims_csv
from claims.filters import ClaimFilter
from claims.selectors import InvalidFilters, claim_export_list
from workbench.output import write_lines

# DateFromToRangeFilter reads two parameters; every other filter one.
_RANGE_SUFFIXES = ("after", "before")


def filter_options() -> list[tuple[str, str, str]]:
    """Return (option, query parameter, help) for every filter of the claim list."""
    options = []
    for name, flt in ClaimFilter.base_filters.items():
        label = str(flt.label or name)
        if flt.__class__.__name__ == "DateFromToRangeFilter":
            for suffix in _RANGE_SUFFIXES:
                param = f"{name}_{suffix}"
                options.append((param.replace("_", "-"), param, f"{label} ({suffix}, YYYY-MM-DD)"))
        else:
            options.append((name.replace("_", "-"), name, label))
    return options


class Command(BaseCommand):
    help = "Export claims as CSV (reviewed claims unless --all), filtered like the claim list."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="every claim, reviewed or not")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument("--bom", action="store_true", help="start with a UTF-8 BOM (Excel)")
        for option, param, help_text in filter_options():
            parser.add_argument(
                f"--{option}", dest=f"filter_{param}", metavar=param.upper(), help=help_text
            )

    def handle(self, *args, **options) -> None:
        filters = {
            param: options[f"filter_{param}"]
            for _, param, _ in filter_options()
            if options.get(f"filter_{param}") is not None
        }
        try:
            claims = claim_export_list(filters=filters, include_all=options["all"])
        except InvalidFilters as exc:
            raise CommandError(str(exc)) from None
        write_lines(
            claims_csv(claims, bom=options["bom"]), output=options["output"], stdout=self.stdout
        )
