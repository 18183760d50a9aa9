"""Reads of the audit trail that every app's pages share."""

from django.db.models import Model, QuerySet

from workbench.models import AuditEvent


def audit_events_of(obj: Model) -> QuerySet[AuditEvent]:
    """Return the audit events about `obj`, newest first, with their actors."""
    return (
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .select_related("actor")
        .order_by("-id")
    )
