"""Reads of claims: the querysets pages and exports start from."""

from collections.abc import Mapping
from typing import Any

from claims.filters import ClaimFilter
from claims.models import Claim, ClaimQuerySet


class InvalidFilters(ValueError):
    """Filters that do not validate; `errors` maps each filter to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = errors
        detail = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        super().__init__(f"invalid filters: {detail}")


def claim_filterset(filters: Mapping[str, Any]) -> ClaimFilter:
    return ClaimFilter(filters, queryset=Claim.objects.all())


def claim_list(*, filters: Mapping[str, Any]) -> ClaimQuerySet:
    """Return the claims matching `filters` (the claim list's query string), or raise."""
    filterset = claim_filterset(filters)
    if not filterset.is_valid():
        raise InvalidFilters(filterset.errors)
    return filterset.qs


def claim_export_list(*, filters: Mapping[str, Any], include_all: bool = False) -> ClaimQuerySet:
    """Return the claims an export holds: reviewed ones matching `filters`, or all of them."""
    claims = claim_list(filters=filters)
    return claims if include_all else claims.reviewed()
