"""manage.py export_audit: JSON Lines that an outside party re-verifies without the workbench.

The checker below deliberately imports nothing from the workbench: it is the README's recipe.
"""

import datetime
import hashlib
import json
from io import StringIO

import pytest
from django.core.management import call_command

from claims.models import Claim
from claims.services import claim_decide, claim_lock
from sources.models import Source
from sources.services import source_update
from workbench.models import AuditEvent

FIELDS = ("at", "actor", "action", "object_type", "object_id", "before", "after", "reason")


def check_chain(lines: list[str]) -> int:
    """Re-verify an export_audit file: return the events checked, or raise naming the bad one."""
    prev = "0" * 64
    for number, line in enumerate(lines, 1):
        event = json.loads(line)
        body = json.dumps(
            {key: event[key] for key in FIELDS},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        digest = hashlib.sha256((prev + body).encode()).hexdigest()
        if event["prev_hash"] != prev or event["hash"] != digest:
            raise ValueError(f"broken at line {number} (event {event['id']})")
        prev = event["hash"]
    return len(lines)


@pytest.fixture
def history(seed, alice, bob):
    """Imports, decisions and source edits, with awkward text in the reasons."""
    claim = Claim.objects.get(document=seed, line=1)
    claim_decide(
        claim=claim,
        actor=bob,
        verdict="refuted",
        version=claim.version,
        rationale='Путин «сказал»\nline two\u2028"quoted" \\ =HYPERLINK("x") <script>',
    )
    source_update(
        source=Source.objects.get(document=seed, label="19"),
        actor=alice,
        reason="from the reference list",
        title="Ёлка",
        published_on=datetime.date(2022, 2, 19),
    )
    claim_lock(claim=claim, actor=alice, reason="settled")
    return AuditEvent.objects.count()


def export() -> str:
    out = StringIO()
    call_command("export_audit", stdout=out)
    return out.getvalue()


def test_an_independent_checker_verifies_the_exported_chain(history):
    lines = export().split("\n")[:-1]

    assert check_chain(lines) == history == 4
    events = [json.loads(line) for line in lines]
    assert [e["action"] for e in events] == [
        "document.import",
        "claim.decide",
        "source.update",
        "claim.lock",
    ]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert events[0]["actor"] is None and events[0]["actor_name"] is None
    assert events[1]["actor_name"] == "bob"
    assert events[1]["reason"].startswith("Путин «сказал»\nline two\u2028")
    assert events[2]["after"] == {"title": "Ёлка", "published_on": "2022-02-19"}
    assert set(events[0]) == {"id", *FIELDS, "actor_name", "prev_hash", "hash"}


def test_the_checker_catches_an_altered_event(history):
    lines = export().split("\n")[:-1]
    event = json.loads(lines[1])
    event["reason"] = "nothing to see"
    lines[1] = json.dumps(event, ensure_ascii=False)

    with pytest.raises(ValueError, match="broken at line 2"):
        check_chain(lines)


def test_the_checker_catches_a_removed_event(history):
    lines = export().split("\n")[:-1]

    with pytest.raises(ValueError, match="broken at line 2"):
        check_chain([lines[0], *lines[2:]])


def test_it_writes_a_file_and_an_empty_trail_is_an_empty_file(db, tmp_path):
    path = tmp_path / "audit.jsonl"

    call_command("export_audit", "--output", str(path))

    assert path.read_bytes() == b""


def test_the_file_reads_back_line_by_line(history, tmp_path):
    path = tmp_path / "audit.jsonl"
    call_command("export_audit", "--output", str(path))

    # As the README's checker reads it: iterating the file splits on \n only.
    with open(path, encoding="utf-8") as lines:
        assert check_chain(list(lines)) == history
