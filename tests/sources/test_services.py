"""source_update: the one way a source's details and reliability change."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sources.models import Source
from sources.services import source_update
from tests.factories import SourceFactory
from workbench.models import AuditEvent


def test_an_editor_updates_a_source_and_the_change_is_audited_before_and_after(db, alice):
    source = SourceFactory(label="19")

    source_update(
        source=source,
        actor=alice,
        reason="From the reference list.",
        title="Mobilization decree",
        url="https://example.org/decree",
        published_on=datetime.date(2022, 9, 21),
        reliability="generally_reliable",
    )

    source.refresh_from_db()
    assert source.title == "Mobilization decree"
    assert source.reliability == "generally_reliable"
    event = AuditEvent.objects.get(action="source.update")
    assert (event.actor, event.object_type, event.object_id) == (
        alice,
        "sources.source",
        str(source.pk),
    )
    assert event.before == {"title": "", "url": "", "published_on": None, "reliability": "unrated"}
    assert event.after == {
        "title": "Mobilization decree",
        "url": "https://example.org/decree",
        "published_on": "2022-09-21",
        "reliability": "generally_reliable",
    }
    assert event.reason == "From the reference list."


def test_an_update_that_changes_nothing_writes_nothing(db, alice):
    source = SourceFactory(title="Same")

    source_update(source=source, actor=alice, title="Same")

    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"url": "not a url"},
        {"reliability": "excellent"},
        {"label": "20"},
        {"document": None},
    ],
)
def test_it_refuses_bad_values_and_changes_nothing(db, alice, changes):
    source = SourceFactory(title="Kept")

    with pytest.raises(ValidationError):
        source_update(source=source, actor=alice, title="Changed", **changes)

    source.refresh_from_db()
    assert source.title == "Kept"
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("persona", ["bob", "charlie"])
def test_only_editors_update_sources(db, request, persona):
    source = SourceFactory()

    with pytest.raises(PermissionDenied):
        source_update(source=source, actor=request.getfixturevalue(persona), title="Nope")

    assert Source.objects.get().title == ""
