"""manage.py export_audit: JSON Lines that an outside party re-verifies without the workbench.

The checker below deliberately imports nothing from the workbench: it is the README's recipe,
and the README's own script is run on an export too.
"""

import datetime
import hashlib
import json
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.models import Claim
from claims.services import claim_decide, claim_lock
from sources.models import Source
from sources.services import source_update
from tests.test_verify_audit import write_legacy_event
from workbench.models import AuditEvent

README = Path(__file__).resolve().parent.parent / "README.md"
# What version 1 of the payload hashed; from version 2 on, every field but the two hashes.
FIELDS = ("at", "actor", "action", "object_type", "object_id", "before", "after", "reason")


def check_chain(lines: list[str]) -> int:
    """Re-verify an export_audit file: return the events checked, or raise naming the bad one."""
    prev = "0" * 64
    for number, line in enumerate(lines, 1):
        event = json.loads(line)
        if event.get("v", 1) == 1:
            hashed = {key: event[key] for key in FIELDS}
        else:
            hashed = {
                key: value for key, value in event.items() if key not in ("prev_hash", "hash")
            }
        body = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
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
    assert set(events[0]) == {"id", "v", *FIELDS, "actor_name", "prev_hash", "hash"}
    assert {e["v"] for e in events} == {2}


@pytest.mark.parametrize(
    "field, value",
    [("actor_name", "mallory"), ("id", 10_000), ("v", 3), ("actor", None)],
)
def test_the_checker_catches_any_altered_field(history, field, value):
    """Every exported field is under the hash, not only the eight of version 1."""
    lines = export().split("\n")[:-1]
    event = json.loads(lines[1])
    event[field] = value
    lines[1] = json.dumps(event, ensure_ascii=False)

    with pytest.raises(ValueError, match="broken at line 2"):
        check_chain(lines)


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


def readme_script(tmp_path: Path) -> Path:
    """Write the README's stand-alone checker (its only python block in that section) to a file."""
    section = README.read_text(encoding="utf-8").split("## Verifying the audit trail yourself")[1]
    section = section.split("\n## ")[0]
    [code] = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    script = tmp_path / "check_audit.py"
    script.write_text(code, encoding="utf-8")
    return script


def run(script: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-I", str(script), *args], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def mixed_history(request, db, alice):
    """Two events as written before payload version 2, then events written today."""
    write_legacy_event(
        action="source.update",
        object_type="sources.source",
        object_id="1",
        after={"title": "Путин «сказал»"},
        reason="line one\nline two",
        actor=alice,
    )
    write_legacy_event(
        action="claim.lock", object_type="claims.claim", object_id="2", after={"locked": True}
    )
    request.getfixturevalue("history")
    return list(AuditEvent.objects.order_by("id"))


def test_the_readme_script_verifies_an_export_of_both_payload_versions(mixed_history, tmp_path):
    script = readme_script(tmp_path)
    path = tmp_path / "audit.jsonl"
    call_command("export_audit", "--output", str(path))
    lines = path.read_text(encoding="utf-8").split("\n")[:-1]  # not splitlines(): U+2028
    versions = [json.loads(line)["v"] for line in lines]
    assert versions == [1, 1, 2, 2, 2, 2]

    result = run(script, str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"6 events verified; last hash {mixed_history[-1].hash}\n"
    assert check_chain(lines) == 6


@pytest.mark.parametrize(
    "line, field, value", [(2, "reason", "tampered"), (4, "actor_name", "mallory")]
)
def test_the_readme_script_names_an_altered_event_of_either_version(
    mixed_history, tmp_path, line, field, value
):
    script = readme_script(tmp_path)
    lines = export().split("\n")[:-1]
    event = json.loads(lines[line - 1])
    event[field] = value
    lines[line - 1] = json.dumps(event, ensure_ascii=False)
    path = tmp_path / "audit.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run(script, str(path))

    assert result.returncode != 0
    assert f"chain broken at line {line} (event {event['id']})" in result.stderr


def test_the_readme_script_checks_an_anchored_hash(mixed_history, tmp_path):
    script = readme_script(tmp_path)
    path = tmp_path / "audit.jsonl"
    call_command("export_audit", "--output", str(path))
    anchor = mixed_history[4]

    passes = run(script, str(path), anchor.hash)
    missing = run(script, str(path), "ab" * 32)

    assert passes.returncode == 0, passes.stderr
    assert f"passes through {anchor.hash} at line 5" in passes.stdout
    assert missing.returncode != 0
    assert f"does not pass through {'ab' * 32}" in missing.stderr
