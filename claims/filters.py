"""The claim list's filters: the same FilterSet serves the page, the CSV export and the command."""

import datetime
import re

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django_filters.fields import ChoiceField
from django_filters.widgets import DateRangeWidget

from claims.formats.seed import CLEANUP_TAGS
from claims.models import Assignment, Claim, ClaimQuerySet, Decision, Verdict
from sources.models import Document, Reliability

BOOLEAN_CHOICES = [("true", "Yes"), ("false", "No")]
_DAYS_AGO = re.compile(r"^(\d{1,4}) days? ago$")


def relative_date(value: str | None) -> str | None:
    """Return "today", "yesterday" or "N days ago" as an ISO date; anything else unchanged."""
    if not value:
        return value
    words = " ".join(value.lower().split())
    today = datetime.date.today()
    if words == "today":
        return today.isoformat()
    if words == "yesterday":
        return (today - datetime.timedelta(days=1)).isoformat()
    match = _DAYS_AGO.match(words)
    if match:
        return (today - datetime.timedelta(days=int(match.group(1)))).isoformat()
    return value


class RelativeDateRangeWidget(DateRangeWidget):
    """The date range's two boxes, which also read "today", "yesterday" and "N days ago"."""

    def value_from_datadict(self, data, files, name):
        return [relative_date(value) for value in super().value_from_datadict(data, files, name)]


class UnlistedValueChoiceField(ChoiceField):
    """A choice field that also accepts values it does not list (`unlisted`)."""

    def __init__(self, *args, unlisted: tuple[str, ...] = (), **kwargs) -> None:
        self.unlisted = unlisted
        super().__init__(*args, **kwargs)

    def valid_value(self, value) -> bool:
        return value in self.unlisted or super().valid_value(value)


class UnlistedValueChoiceFilter(django_filters.ChoiceFilter):
    field_class = UnlistedValueChoiceField


class ClaimFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Text contains")
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices, empty_label="Any verdict")
    document = django_filters.ModelChoiceFilter(
        queryset=Document.objects.all(), to_field_name="name", empty_label="Any document"
    )
    section = django_filters.CharFilter(
        method="filter_section", label="Section contains", max_length=200
    )
    source = django_filters.CharFilter(method="filter_source", label="Cites footnote")
    reliability = django_filters.ChoiceFilter(
        choices=Reliability.choices,
        method="filter_reliability",
        label="Cites a source rated",
        empty_label="Any rating",
    )
    reviewer = django_filters.ModelChoiceFilter(
        field_name="last_decision__actor",
        to_field_name="username",
        # EXISTS probes the decision_actor index per user; a DISTINCT join would read every
        # decision to list a handful of reviewers.
        queryset=get_user_model()
        .objects.filter(Exists(Decision.objects.filter(actor=OuterRef("pk"))))
        .order_by("username"),
        label="Last decided by",
        empty_label="Anyone",
    )
    tag = django_filters.ChoiceFilter(
        choices=[(tag, tag) for tag in CLEANUP_TAGS],
        method="filter_tag",
        label="Cleanup tag",
        empty_label="Any tag",
    )
    attribution = django_filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES,
        method="filter_attribution",
        label="Needs attribution check",
        empty_label="Either",
    )
    unsourced = django_filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES, method="filter_unsourced", label="Unsourced", empty_label="Either"
    )
    rereview = django_filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES,
        method="filter_rereview",
        label="Needs re-review (footnotes changed)",
        empty_label="Either",
    )
    source_changed = django_filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES,
        method="filter_source_changed",
        label="A cited source changed since it was quoted",
        empty_label="Either",
    )
    locked = django_filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES, method="filter_locked", label="Locked", empty_label="Either"
    )
    withdrawn = UnlistedValueChoiceFilter(
        # "false" means what no choice means, live claims: listed once, accepted still.
        choices=[("true", "Withdrawn only"), ("any", "Both")],
        unlisted=("false",),
        method="filter_withdrawn",
        label="Withdrawn",
        empty_label="Live claims",
    )
    decided = django_filters.DateFromToRangeFilter(
        field_name="last_decision__at",
        label="Last decided between",
        widget=RelativeDateRangeWidget(),
        help_text='Dates as YYYY-MM-DD, or "today", "yesterday", "7 days ago".',
    )
    assignee = django_filters.ModelChoiceFilter(
        field_name="assignment__assignee",
        to_field_name="username",
        queryset=get_user_model()
        .objects.filter(Exists(Assignment.objects.filter(assignee=OuterRef("pk"))))
        .order_by("username"),
        label="Assigned to",
        empty_label="Anyone or no one",
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def filter_queryset(self, queryset: ClaimQuerySet) -> ClaimQuerySet:
        # Withdrawn claims stay out of every list unless asked for.
        if not self.form.cleaned_data.get("withdrawn"):
            queryset = queryset.live()
        return super().filter_queryset(queryset)

    def filter_text(self, queryset, name, value):
        return queryset.text_contains(value.strip())

    def filter_section(self, queryset, name, value):
        return queryset.filter(section__icontains=value.strip())

    def filter_source(self, queryset, name, value):
        return queryset.citing_label(value.strip().strip("[]"))

    def filter_reliability(self, queryset, name, value):
        return queryset.citing_reliability(value)

    def filter_tag(self, queryset, name, value):
        return queryset.with_tag(value)

    def filter_attribution(self, queryset, name, value):
        return queryset.attribution_pending(value == "true")

    def filter_unsourced(self, queryset, name, value):
        return queryset.unsourced(value == "true")

    def filter_rereview(self, queryset, name, value):
        return queryset.filter(needs_rereview=value == "true")

    def filter_source_changed(self, queryset, name, value):
        return queryset.filter(source_changed=value == "true")

    def filter_locked(self, queryset, name, value):
        return queryset.filter(locked=value == "true")

    def filter_withdrawn(self, queryset, name, value):
        if value == "true":
            return queryset.filter(withdrawn_at__isnull=False)
        if value == "false":
            return queryset.live()
        return queryset
