"""Paging through tables that grow with the corpus without counting every row.

The admin's changelists and the sources register share EstimatedCountPaginator: an unfiltered
list of a large PostgreSQL table is counted from the planner's estimate, a filtered one no
further than COUNT_CAP rows.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


def table_estimate(queryset: QuerySet) -> int | None:
    """Return PostgreSQL's planner estimate of the rows in `queryset`'s table, if it has one."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    # -1 means "never analysed" (PostgreSQL 14+): no estimate to trust.
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


class EstimatedCountPaginator(Paginator):
    """A paginator that does not COUNT(*) a large table to draw one page.

    An unfiltered list of a large PostgreSQL table is counted from the planner's estimate
    (pg_class.reltuples, kept fresh by autovacuum). Anything else is counted exactly, but no
    further than COUNT_CAP rows: a filter matching more shows "more than COUNT_CAP", and its
    last pages are reached by narrowing the filter, not by paging.
    """

    #: Below this estimate an exact count is cheap, and exact is better.
    EXACT_BELOW = 50_000
    #: Filtered lists are counted this far at most.
    COUNT_CAP = 10_000

    #: How the count was made: "exact", "estimate" or "capped" (the pagination template says).
    count_kind = "exact"

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        if not queryset.query.where:
            estimate = table_estimate(queryset)
            if estimate is not None and estimate >= self.EXACT_BELOW:
                self.count_kind = "estimate"
                return estimate
        # COUNT over a LIMITed subquery: stops after COUNT_CAP + 1 rows.
        counted = queryset.order_by()[: self.COUNT_CAP + 1].count()
        if counted > self.COUNT_CAP:
            self.count_kind = "capped"
            return self.COUNT_CAP
        return counted
