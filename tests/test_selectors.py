"""The audit trail's shared read (workbench/selectors.py)."""

from tests.factories import AuditEventFactory, ClaimFactory, SourceFactory
from workbench.actions import AuditAction
from workbench.selectors import audit_events_of


def test_an_objects_events_are_its_own_newest_first(db):
    source = SourceFactory()
    first = AuditEventFactory(subject=source, action=AuditAction.SOURCE_UPDATE)
    second = AuditEventFactory(subject=source, action=AuditAction.SOURCE_UPDATE)
    AuditEventFactory(subject=SourceFactory(), action=AuditAction.SOURCE_UPDATE)
    # A claim with the same id is another object.
    AuditEventFactory(subject=ClaimFactory(pk=source.pk))

    assert list(audit_events_of(source)) == [second, first]
    assert list(audit_events_of(SourceFactory())) == []
