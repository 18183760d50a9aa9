"""manage.py export_audit: the audit trail as JSON Lines that anyone can re-verify.

Each line is one event in id order. Its hash is `sha256(prev_hash + canonical JSON of the
hashed fields)`, canonical JSON being `json.dumps(..., sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`. Which fields are hashed depends on the event's payload version `v`:
from version 2, every field written here but prev_hash and hash; version 1 (events written
before it) hashed at, actor, action, object_type, object_id, before, after and reason, and its
actor_name is the actor's username today. The fields are written exactly as the hash covers
them, so a reader needs no access to the database to check the chain (README: "Verifying the
audit trail yourself").
"""

import json
from collections.abc import Iterator

from django.core.management.base import BaseCommand

from workbench.audit import event_payload
from workbench.models import AuditEvent
from workbench.output import write_lines

BATCH = 5000


def audit_jsonl() -> Iterator[str]:
    """Yield every audit event as one JSON line, in id order, one query per batch."""
    events = AuditEvent.objects.select_related("actor").order_by("id")
    after = 0
    while True:
        batch = list(events.filter(id__gt=after)[:BATCH])
        if not batch:
            return
        for event in batch:
            record = {"id": event.id, "v": event.v, **event_payload(event)}
            if event.v < 2:
                # Not hashed in version 1: the name is looked up, as it always was.
                record["actor_name"] = event.actor.get_username() if event.actor else None
            record.update(prev_hash=event.prev_hash, hash=event.hash)
            # json.dumps escapes newlines inside values, so one event is always one line.
            yield json.dumps(record, ensure_ascii=False) + "\n"
        after = batch[-1].id


class Command(BaseCommand):
    help = (
        "Export the audit trail as JSON Lines (id order) with its hash-chain fields, for "
        "re-verification outside the workbench; see the README."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, **options) -> None:
        write_lines(audit_jsonl(), output=options["output"], stdout=self.stdout)
