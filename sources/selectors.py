"""Reads of sources: the register's filters and a source's page.

The sources *models* never depend on claims (claims point at sources, not back); the pages and
admin of sources do show the claims citing a source, so this read layer imports claims' models.
"""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

import django_filters
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Length
from django.shortcuts import get_object_or_404

from claims.models import Citation, Verdict
from sources.models import Document, Reliability, Source, SourceSnapshot
from workbench.models import AuditEvent
from workbench.permissions import require_perm
from workbench.selectors import audit_events_of


class SourceFilter(django_filters.FilterSet):
    """The sources register's filters (the claim list's FilterSet lives in claims.filters)."""

    q = django_filters.CharFilter(method="filter_text", label="Title, publisher or URL")
    document = django_filters.ModelChoiceFilter(
        queryset=Document.objects.all(), to_field_name="name", empty_label="Any document"
    )
    reliability = django_filters.ChoiceFilter(choices=Reliability.choices, empty_label="Any rating")
    cited_by = django_filters.ChoiceFilter(
        choices=[
            ("disputed", "Disputed claims"),
            ("refuted", "Refuted claims"),
            ("contested", "Disputed or refuted claims"),
        ],
        method="filter_cited_by",
        label="Cited by",
        empty_label="Any claim",
    )

    class Meta:
        model = Source
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(title__icontains=value) | Q(publisher__icontains=value) | Q(url__icontains=value)
        )

    def filter_cited_by(self, queryset, name, value):
        verdicts = {
            "disputed": [Verdict.DISPUTED],
            "refuted": [Verdict.REFUTED],
            "contested": [Verdict.DISPUTED, Verdict.REFUTED],
        }[value]
        citing = Citation.objects.attached().filter(
            source=OuterRef("pk"), claim__verdict__in=verdicts, claim__withdrawn_at__isnull=True
        )
        return queryset.filter(Exists(citing))


def source_filterset(filters: Mapping[str, Any]) -> SourceFilter:
    return SourceFilter(filters, queryset=Source.objects.all())


def source_list(*, filters: Mapping[str, Any]) -> QuerySet[Source] | None:
    """Return the sources matching `filters`, None if invalid.

    In documents' import order, then footnotes in numeric order of digit labels: the order of
    the index `source_register`, so a page deep in a large register is an index range scan.
    How often each is cited is counted for the page shown only (source_cited_counts).
    """
    filterset = source_filterset(filters)
    if not filterset.is_valid():
        return None
    return filterset.qs.select_related("document").order_by(
        "document_id", Length("label"), "label", "id"
    )


def source_cited_counts(sources: Iterable[Source]) -> None:
    """Set `cited` on each of `sources`: its citations, counted in one query for them all."""
    sources = list(sources)
    rows = (
        Citation.objects.filter(source_id__in=[s.pk for s in sources])
        .order_by()
        .values_list("source_id")
        .annotate(n=Count("id"))
    )
    cited = dict(rows)
    for source in sources:
        source.cited = cited.get(source.pk, 0)


def source_list_for_user(*, user, filters: Mapping[str, Any]) -> QuerySet[Source] | None:
    """Return the sources matching `filters` for `user` (403 without a role); None if invalid."""
    require_perm(user, "sources.view_source", "read sources")
    return source_list(filters=filters)


def source_get_for_user(*, user, pk: int, permission: str = "sources.view_source") -> Source:
    """Return source `pk` for `user`: 404 if there is none, 403 without `permission`."""
    require_perm(user, permission, "see this source")
    return get_object_or_404(Source.objects.select_related("document"), pk=pk)


def source_citations(source: Source) -> QuerySet[Citation]:
    """Return the ids of the citations of `source`, in the order the source page lists them:
    the order the claims were imported (a source belongs to one document, whose lines are
    imported in order), read from the index `citation_source_claims`.

    Paginate these, then read the page's rows with source_citation_rows: a single query that
    joined the claims was planned as a merge join over every claim (30 ms at 30k claims for a
    source cited 10,000 times, growing with the table).
    """
    return (
        Citation.objects.filter(source=source)
        .order_by("claim_id", "order")
        .values_list("pk", flat=True)
    )


def source_citation_rows(ids: Iterable[int]) -> list[Citation]:
    """Return the citations `ids` in that order, with their claims, verdicts and assessments."""
    ids = list(ids)
    rows = Citation.objects.filter(pk__in=ids).select_related(
        "claim__document", "claim__last_decision__actor", "assessment__actor"
    )
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def source_snapshots(source: Source, limit: int = 10) -> list[SourceSnapshot]:
    """Return the source's latest snapshots, newest first, without their text."""
    return list(
        SourceSnapshot.objects.filter(source=source)
        .defer("text", "pages")
        .select_related("actor")
        .order_by("-id")[:limit]
    )


def source_fetch_status(source: Source) -> dict:
    """Return how the background fetch last asked for is going ({} if none was asked)."""
    if not source.fetch_task_id:
        return {}
    from django_tasks import default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    try:
        result = default_task_backend.get_result(source.fetch_task_id)
    except (TaskResultDoesNotExist, ValueError, NotImplementedError):
        return {}
    return {
        "status": str(result.status),
        "label": result.status.label,
        "finished": result.is_finished,
        "enqueued_at": result.enqueued_at,
    }


#: Snapshot metadata that may fill an empty source field: metadata key -> source field.
FILLABLE = {"title": "title", "author": "author", "date": "published_on"}


def source_fill_offer(source: Source) -> dict[str, tuple[Any, str]]:
    """Return {field: (value, shown)} the latest snapshot can fill among the empty fields."""
    if source.snapshot_id is None:
        return {}
    metadata = (
        SourceSnapshot.objects.filter(pk=source.snapshot_id)
        .values_list("metadata", flat=True)
        .first()
        or {}
    )
    offer: dict[str, tuple[Any, str]] = {}
    for key, name in FILLABLE.items():
        value = (metadata.get(key) or "").strip()
        if not value or getattr(source, name):
            continue
        if name == "published_on":
            try:
                offer[name] = (datetime.date.fromisoformat(value), value)
            except ValueError:
                continue
        else:
            limit = Source._meta.get_field(name).max_length
            offer[name] = (value[:limit], value[:limit])
    return offer


def source_history(source: Source, limit: int = 20) -> list[AuditEvent]:
    """Return the source's audit events (edits, snapshots), newest first."""
    return list(audit_events_of(source)[:limit])
