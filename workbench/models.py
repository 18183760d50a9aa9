"""Models every app shares: the timestamped base and the append-only audit trail."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    """Abstract base: when a row was created (indexed) and last saved."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


# Which fields an event's hash covers (workbench.audit.event_payload). 1: at, actor, action,
# object_type, object_id, before, after, reason. 2: those, and id, v and actor_name, i.e.
# every field export_audit writes but prev_hash and hash.
PAYLOAD_VERSION = 2


class AuditEvent(models.Model):
    """One editorial change to any object, chained to the previous event by a SHA-256 hash.

    Rows are never updated, deleted or truncated: triggers in the database refuse it
    (workbench.db), and `hash = sha256(prev_hash + canonical JSON of the event)` lets
    `verify_audit` find a row that someone with database access altered, removed or inserted
    out of order.
    """

    v = models.SmallIntegerField(
        "payload version",
        default=PAYLOAD_VERSION,
        help_text="Which fields the hash covers: 1 for events written before version 2, "
        "which added the id, this version and the actor's name.",
    )
    at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        help_text="Who made the change; empty for the system (imports run from the command line).",
    )
    actor_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="The actor's username when the event was written (hashed from version 2; "
        "empty for the system and for version 1 events).",
    )
    action = models.CharField(max_length=64, help_text='What was done, e.g. "claim.decide".')
    object_type = models.CharField(
        max_length=64, help_text='The model changed, e.g. "claims.claim".'
    )
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "audit event"
        ordering = ["-id"]
        indexes = [
            # The history of one object (claim page timeline, admin history link).
            models.Index(fields=["object_type", "object_id", "id"], name="audit_object"),
            # The admin's date hierarchy and "latest changes".
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"
