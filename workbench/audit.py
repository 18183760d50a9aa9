"""The audit trail: append an event to the hash chain, and verify the chain.

Every service calls `audit_log` inside its own transaction, so an editorial change and its
audit record commit or roll back together. Appends are serialised (an advisory lock on
PostgreSQL; SQLite takes its write lock at BEGIN IMMEDIATE) so that two writers can never read
the same head and fork the chain.
"""

import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction

from workbench.models import AuditEvent

GENESIS = "0" * 64
# Any constant will do: it names the one lock every audit append takes on PostgreSQL.
_CHAIN_LOCK = 7_202_611


def jsonable(value: Any) -> Any:
    """Return `value` as plain JSON data: dates as ISO strings, model instances as their pk."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def canonical(event: dict[str, Any]) -> str:
    """Return the canonical JSON of an event: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_payload(event: AuditEvent) -> dict[str, Any]:
    """Return the fields of `event` that its hash covers."""
    return {
        "at": event.at.astimezone(datetime.UTC).isoformat(),
        "actor": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": str(event.object_id),
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
    }


def event_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(payload)).encode()).hexdigest()


def audit_log(
    *,
    actor,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event about `obj` to the chain; call it inside the service's transaction."""
    event = AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=jsonable(before),
        after=jsonable(after),
        reason=reason,
    )
    return audit_append([event])[0]


def audit_append(events: list[AuditEvent]) -> list[AuditEvent]:
    """Chain unsaved `events` after the current head, in order, and insert them.

    Takes the chain lock first (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the write
    lock), so no other writer can read the same head until this transaction ends.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events must be written inside the transaction of the change")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
    prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    prev_hash = prev_hash or GENESIS
    for event in events:
        event.prev_hash = prev_hash
        event.hash = prev_hash = event_hash(prev_hash, event_payload(event))
    return AuditEvent.objects.bulk_create(events, batch_size=2000)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken: AuditEvent | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken is None


def audit_verify(events: Iterator[AuditEvent] | None = None) -> ChainReport:
    """Walk the chain in id order; report the first event whose links or hash do not hold."""
    if events is None:
        events = AuditEvent.objects.order_by("id").iterator(chunk_size=5000)
    prev_hash = GENESIS
    checked = 0
    for event in events:
        if event.prev_hash != prev_hash:
            return ChainReport(
                checked,
                event,
                "its prev_hash does not match the event before it "
                "(an event was removed or inserted out of order)",
            )
        if event.hash != event_hash(prev_hash, event_payload(event)):
            return ChainReport(checked, event, "its contents do not match its hash (altered)")
        prev_hash = event.hash
        checked += 1
    return ChainReport(checked)
