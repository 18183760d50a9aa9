"""manage.py verify_audit walks the hash chain and names the first broken event."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from claims.models import Claim
from claims.services import claim_lock, claim_reopen
from workbench.db import drop_append_only_sql, ensure_append_only
from workbench.models import AuditEvent

TABLE = "workbench_auditevent"


@pytest.fixture
def history(seed, alice):
    claim = Claim.objects.get(document=seed, line=1)
    for n in range(3):
        claim_lock(claim=claim, actor=alice, reason=f"Hold {n}.")
        claim_reopen(claim=claim, actor=alice, reason=f"Release {n}.")
    return list(AuditEvent.objects.order_by("id"))  # 1 import + 6 events


@pytest.fixture
def attacker():
    """Someone with database access, who drops the trigger first (rolled back with the test)."""
    cursor = connection.cursor()
    for statement in drop_append_only_sql(connection.vendor, TABLE):
        cursor.execute(statement)
    yield cursor
    ensure_append_only(sender=None)


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_an_honest_history_verifies(history):
    assert verify().strip() == "audit chain intact: 7 events checked"


def test_an_empty_history_verifies(db):
    assert "0 events checked" in verify()


def test_an_altered_event_is_named(history, attacker):
    target = history[3]
    attacker.execute(
        "UPDATE workbench_auditevent SET reason = %s WHERE id = %s", ["Nothing to see.", target.id]
    )

    with pytest.raises(CommandError) as caught:
        verify()

    assert f"audit chain broken at event #{target.id} (claim.lock on claims.claim:" in str(
        caught.value
    )
    assert "its contents do not match its hash (altered)" in str(caught.value)
    assert "3 events before it verified" in str(caught.value)


def test_a_removed_event_is_found_at_the_next_one(history, attacker):
    attacker.execute("DELETE FROM workbench_auditevent WHERE id = %s", [history[2].id])

    with pytest.raises(CommandError, match=f"broken at event #{history[3].id} .*removed"):
        verify()


def test_an_event_inserted_out_of_order_is_named(history, attacker):
    forged = history[4]
    attacker.execute(
        "INSERT INTO workbench_auditevent "
        "(id, at, actor_id, action, object_type, object_id, before, after, reason, prev_hash, hash) "
        "SELECT %s, at, actor_id, action, object_type, object_id, before, after, reason, "
        "prev_hash, %s FROM workbench_auditevent WHERE id = %s",
        [history[-1].id + 1, "f" * 64, forged.id],
    )

    with pytest.raises(CommandError, match=f"broken at event #{history[-1].id + 1} "):
        verify()
