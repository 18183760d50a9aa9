"""The claim list's filters as command-line options, shared by the export commands.

`export_claims`, `export_claimreview` and `export_fever` take every filter of the claim list
(claims.filters.ClaimFilter) as an option: `--verdict V` is the list's `?verdict=V`.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from claims.filters import ClaimFilter
from claims.models import ClaimQuerySet
from claims.selectors import InvalidFilters, claim_export_list

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


def add_filter_arguments(parser: ArgumentParser) -> None:
    """Add an option per filter of the claim list to `parser`."""
    for option, param, help_text in filter_options():
        parser.add_argument(
            f"--{option}", dest=f"filter_{param}", metavar=param.upper(), help=help_text
        )


def exported_claims(options: dict[str, Any], *, include_all: bool = False) -> ClaimQuerySet:
    """Return the claims an export of `options` holds (reviewed ones unless `include_all`).

    Raise CommandError naming the filters that do not validate.
    """
    filters = {
        param: options[f"filter_{param}"]
        for _, param, _ in filter_options()
        if options.get(f"filter_{param}") is not None
    }
    try:
        return claim_export_list(filters=filters, include_all=include_all)
    except InvalidFilters as exc:
        raise CommandError(str(exc)) from None
