"""manage.py verify_audit: the hash chain, and the published rows it must account for.

It walks the chain and names the first broken event; it checks that every decision and
assessment matches the event that recorded it, and that every claim's verdict, last decision
and version agree with its newest decision; and with --expect-hash it confirms the chain still
passes through a hash kept elsewhere.
"""

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from claims.models import Assessment, Claim, Decision
from claims.services import (
    AssessmentInput,
    BulkDecision,
    claim_decide,
    claim_decide_many,
    claim_lock,
    claim_reopen,
)
from workbench.db import APPEND_ONLY_TABLES, drop_append_only_sql, ensure_append_only
from workbench.models import AuditEvent

GENESIS = "0" * 64


@pytest.fixture
def history(seed, alice):
    claim = Claim.objects.get(document=seed, line=1)
    for n in range(3):
        claim_lock(claim=claim, actor=alice, reason=f"Hold {n}.")
        claim_reopen(claim=claim, actor=alice, reason=f"Release {n}.")
    return list(AuditEvent.objects.order_by("id"))  # 1 import + 6 events


@pytest.fixture
def decided(seed, bob) -> tuple[Claim, Decision]:
    """Line 6 (footnotes [31][32]) corroborated by bob, both sources quoted as supporting it."""
    claim = Claim.objects.get(document=seed, line=6)
    decision = claim_decide(
        claim=claim,
        actor=bob,
        verdict="corroborated",
        version=1,
        assessments={
            c.pk: AssessmentInput("supports", quote="They were tasked with it.", page="2")
            for c in claim.citations.all()
        },
    )
    claim.refresh_from_db()
    return claim, decision


@pytest.fixture
def attacker():
    """Someone with database access, who drops the triggers first (rolled back with the test)."""
    cursor = connection.cursor()
    for table in APPEND_ONLY_TABLES:
        for statement in drop_append_only_sql(connection.vendor, table):
            cursor.execute(statement)
    yield cursor
    ensure_append_only(sender=None)


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> str:
    """Return the message of the CommandError verify_audit exits with."""
    with pytest.raises(CommandError) as caught:
        verify(*args)
    return str(caught.value)


def event_of(decision: Decision) -> AuditEvent:
    return AuditEvent.objects.get(action="claim.decide", after__decision=decision.pk)


def write_legacy_event(
    *, action: str, object_type: str, object_id: str, after: dict, reason: str = "", actor=None
) -> AuditEvent:
    """Append an event exactly as the workbench wrote them before payload version 2.

    Its hash covers eight fields (no id, no actor_name) and its `after` carries no row
    digests; computed here without the workbench's code, as the old code did.
    """
    head = AuditEvent.objects.order_by("-id").first()
    prev = head.hash if head else GENESIS
    at = timezone.now()
    body = {
        "at": at.isoformat(),
        "actor": actor.pk if actor else None,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": None,
        "after": after,
        "reason": reason,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return AuditEvent.objects.create(
        v=1,
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        after=after,
        reason=reason,
        prev_hash=prev,
        hash=hashlib.sha256((prev + canonical).encode()).hexdigest(),
    )


# --- the chain ------------------------------------------------------------------------------


def test_an_honest_history_verifies(history):
    out = verify()

    assert out.startswith("audit chain intact: 7 events checked; ")
    assert f"last hash {history[-1].hash}" in out


def test_an_empty_history_verifies(db):
    assert "0 events checked" in verify()


def test_an_altered_event_is_named(history, attacker):
    target = history[3]
    attacker.execute(
        "UPDATE workbench_auditevent SET reason = %s WHERE id = %s", ["Nothing to see.", target.id]
    )

    message = refused()

    assert f"audit chain broken at event #{target.id} (claim.lock on claims.claim:" in message
    assert "its contents do not match its hash (altered)" in message
    assert "3 events before it verified" in message


def test_a_removed_event_is_found_at_the_next_one(history, attacker):
    attacker.execute("DELETE FROM workbench_auditevent WHERE id = %s", [history[2].id])

    with pytest.raises(CommandError, match=f"broken at event #{history[3].id} .*removed"):
        verify()


def test_an_event_inserted_out_of_order_is_named(history, attacker):
    forged = history[4]
    attacker.execute(
        "INSERT INTO workbench_auditevent (id, v, at, actor_id, actor_name, action, "
        "object_type, object_id, before, after, reason, prev_hash, hash) "
        "SELECT %s, v, at, actor_id, actor_name, action, object_type, object_id, before, after, "
        "reason, prev_hash, %s FROM workbench_auditevent WHERE id = %s",
        [history[-1].id + 1, "f" * 64, forged.id],
    )

    with pytest.raises(CommandError, match=f"broken at event #{history[-1].id + 1} "):
        verify()


def test_an_event_given_another_actor_name_is_named(history, attacker):
    """actor_name is exported, so the hash covers it."""
    target = history[5]
    attacker.execute(
        "UPDATE workbench_auditevent SET actor_name = 'mallory' WHERE id = %s", [target.id]
    )

    assert f"broken at event #{target.id} " in refused()


def test_a_renumbered_event_is_named(history, attacker):
    """The id is exported (and orders the chain), so the hash covers it."""
    last = history[-1]
    attacker.execute(
        "UPDATE workbench_auditevent SET id = %s WHERE id = %s", [last.id + 100, last.id]
    )

    message = refused()

    assert f"broken at event #{last.id + 100} " in message
    assert "(altered)" in message


def test_events_written_before_payload_version_2_still_verify(seed, alice, attacker):
    old = write_legacy_event(
        action="source.update",
        object_type="sources.source",
        object_id="1",
        after={"title": "Ёлка"},
        reason="from the reference list",
        actor=alice,
    )
    claim_lock(claim=Claim.objects.get(document=seed, line=2), actor=alice, reason="settled")

    assert verify().startswith(f"audit chain intact: {AuditEvent.objects.count()} events")
    assert AuditEvent.objects.get(pk=old.pk).v == 1
    assert AuditEvent.objects.exclude(pk=old.pk).filter(v=2).count() == 2

    attacker.execute("UPDATE workbench_auditevent SET reason = 'x' WHERE id = %s", [old.id])
    assert f"broken at event #{old.id} " in refused()


@pytest.mark.django_db(transaction=True)
def test_events_stored_before_the_upgrade_become_version_1_and_still_verify():
    """Migration 0004 gives the rows already there version 1: their hash covers eight fields."""
    executor = MigrationExecutor(connection)
    before = [("workbench", "0003_refuse_truncate")]
    try:
        executor.migrate(before)
        Old = executor.loader.project_state(before).apps.get_model("workbench", "AuditEvent")
        at = timezone.now()
        after = {"sha256": "ab" * 32, "added": 30}
        body = {
            "at": at.isoformat(),
            "actor": None,
            "action": "document.import",
            "object_type": "sources.document",
            "object_id": "1",
            "before": None,
            "after": after,
            "reason": "",
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        Old.objects.create(
            at=at,
            action="document.import",
            object_type="sources.document",
            object_id="1",
            after=after,
            prev_hash=GENESIS,
            hash=hashlib.sha256((GENESIS + canonical).encode()).hexdigest(),
        )
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        ensure_append_only(sender=None)  # what post_migrate does after a real `migrate`

    [event] = AuditEvent.objects.all()
    assert (event.v, event.actor_name) == (1, "")
    assert verify().startswith("audit chain intact: 1 events checked; ")


# --- --expect-hash --------------------------------------------------------------------------


def test_the_chain_passes_through_an_anchored_hash(history):
    anchor = history[3]

    out = verify("--expect-hash", anchor.hash.upper())

    assert f"it passes through {anchor.hash} at event #{anchor.id}" in out


def test_a_chain_shorter_than_its_anchor_is_refused(history, attacker):
    anchor = history[-1]
    attacker.execute("DELETE FROM workbench_auditevent WHERE id >= %s", [history[-2].id])
    assert "audit chain intact: 5 events" in verify()  # what is left is a valid chain

    message = refused("--expect-hash", anchor.hash)

    assert f"the chain does not pass through {anchor.hash}" in message
    assert "none of its 5 events has that hash" in message


def test_a_malformed_anchor_is_refused(history):
    with pytest.raises(CommandError, match="64 hexadecimal digits"):
        verify("--expect-hash", "12ab")


# --- decisions, assessments and claims against the chain ------------------------------------


def test_decisions_and_claims_that_match_their_events_verify(decided, seed, bob):
    claim_decide_many(
        actor=bob,
        decisions=[
            BulkDecision(
                Claim.objects.get(document=seed, line=8).pk, 1, "refuted", "No.", {0: "refutes"}
            ),
            BulkDecision(Claim.objects.get(document=seed, line=9).pk, 1, "corroborated", "Seen."),
        ],
    )

    out = verify()

    assert out.startswith(f"audit chain intact: {AuditEvent.objects.count()} events checked; ")
    assert f"3 decisions, {Assessment.objects.count()} assessments and " in out
    assert f"{Claim.objects.count()} claims match it" in out


def test_a_verdict_edited_behind_the_services_is_named(decided):
    claim, decision = decided
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claim SET verdict = 'refuted' WHERE id = %s", [claim.pk])

    message = refused()

    assert (
        f"claim #{claim.pk}: verdict refuted, but its newest decision #{decision.pk} "
        "says corroborated" in message
    )


def test_a_verdict_given_to_an_undecided_claim_is_named(seed):
    claim = Claim.objects.get(document=seed, line=3)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claim SET verdict = 'refuted' WHERE id = %s", [claim.pk])

    assert f"claim #{claim.pk}: verdict refuted, but it has no decision" in refused()


def test_a_last_decision_pointing_at_an_older_decision_is_named(decided, bob):
    claim, first = decided
    second = claim_decide(
        claim=claim, actor=bob, verdict="disputed", version=claim.version, rationale="Contested."
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE claims_claim SET last_decision_id = %s, verdict = 'corroborated' WHERE id = %s",
            [first.pk, claim.pk],
        )

    message = refused()

    assert (
        f"claim #{claim.pk}: last decision #{first.pk}, but its newest decision is "
        f"#{second.pk}" in message
    )


def test_a_version_rolled_back_below_its_decision_is_named(decided):
    claim, decision = decided
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claim SET version = 1 WHERE id = %s", [claim.pk])

    assert (
        f"claim #{claim.pk}: version 1 is below version 2, which its newest decision "
        f"#{decision.pk} produced" in refused()
    )


def test_an_altered_decision_is_named(decided, attacker):
    claim, decision = decided
    attacker.execute(
        "UPDATE claims_decision SET evidence_quote = 'forged' WHERE id = %s", [decision.pk]
    )

    assert (
        f"decision #{decision.pk} (claim #{claim.pk}) does not match audit event "
        f"#{event_of(decision).pk}, which recorded it" in refused()
    )


def test_an_altered_assessment_is_named(decided, attacker):
    claim, decision = decided
    attacker.execute(
        "UPDATE claims_assessment SET stance = 'refutes' WHERE id = %s",
        [decision.assessments.order_by("id").first().pk],
    )

    assert (
        f"decision #{decision.pk} (claim #{claim.pk}): its assessments do not match audit event "
        f"#{event_of(decision).pk}, which recorded them" in refused()
    )


def test_an_assessment_slipped_into_a_decision_is_named(decided, bob):
    """No trigger stops an INSERT; the digest in the event does."""
    claim, decision = decided
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claims_assessment (citation_id, decision_id, stance, quote, page, "
            "actor_id, at) VALUES (%s, %s, 'refutes', '', '', %s, %s)",
            [claim.citations.first().pk, decision.pk, bob.pk, timezone.now()],
        )

    assert f"decision #{decision.pk} (claim #{claim.pk}): its assessments do not match" in (
        refused()
    )


def test_a_decision_written_behind_the_services_is_named(decided, bob):
    claim, _ = decided
    forged = Decision.objects.create(
        claim=claim,
        verdict_from="corroborated",
        verdict_to="refuted",
        rationale="Trust me.",
        actor=bob,
        claim_version=claim.version + 1,
    )

    message = refused()

    assert f"decision #{forged.pk} (claim #{claim.pk}) has no audit event" in message
    # And the claim no longer agrees with its newest decision.
    assert f"claim #{claim.pk}: last decision #{claim.last_decision_id}, but" in message


def test_an_event_whose_decision_was_removed_is_named(seed, bob, attacker):
    claim = Claim.objects.get(document=seed, line=1)
    first = claim_decide(claim=claim, actor=bob, verdict="disputed", version=1, rationale="Hm.")
    claim_decide(claim=claim, actor=bob, verdict="refuted", version=2, rationale="No.")
    event = event_of(first)
    attacker.execute("DELETE FROM claims_decision WHERE id = %s", [first.pk])

    assert (
        f"audit event #{event.pk} records decision #{first.pk}, which is not in the database"
        in refused()
    )


def test_an_emptied_audit_trail_is_not_intact(decided, attacker):
    _, decision = decided
    attacker.execute("DELETE FROM workbench_auditevent")

    message = refused()

    assert "the audit trail is empty, but 1 decision exists" in message
    assert f"decision #{decision.pk} " in message


def test_rows_written_in_bulk_are_covered_too(seed, bob, attacker):
    eight, nine = (Claim.objects.get(document=seed, line=n) for n in (8, 9))
    claim_decide_many(
        actor=bob,
        decisions=[
            BulkDecision(eight.pk, 1, "refuted", "No.", {0: "refutes"}),
            BulkDecision(nine.pk, 1, "corroborated", "Seen.", {0: "supports"}),
        ],
    )
    assert "audit chain intact" in verify()
    decision = Decision.objects.get(claim=nine)
    attacker.execute(
        "UPDATE claims_assessment SET quote = 'x' WHERE decision_id = %s", [decision.pk]
    )

    assert f"decision #{decision.pk} (claim #{nine.pk}): its assessments do not match" in refused()


def test_a_decision_recorded_before_digests_is_checked_on_what_its_event_says(seed, bob):
    """Events written before the row digests still name the verdict, version and decision."""
    claim = Claim.objects.get(document=seed, line=1)
    decision = Decision.objects.create(
        claim=claim,
        verdict_from="unreviewed",
        verdict_to="refuted",
        rationale="No.",
        actor=bob,
        claim_version=2,
    )
    Claim.objects.filter(pk=claim.pk).update(verdict="refuted", version=2, last_decision=decision)
    after = {"verdict": "refuted", "version": 2, "decision": decision.pk, "assessments": {}}
    write_legacy_event(
        action="claim.decide",
        object_type="claims.claim",
        object_id=str(claim.pk),
        after=after,
        reason="No.",
        actor=bob,
    )
    assert "audit chain intact" in verify()

    other = Claim.objects.get(document=seed, line=2)
    wrong = Decision.objects.create(
        claim=other,
        verdict_from="unreviewed",
        verdict_to="corroborated",
        actor=bob,
        claim_version=2,
    )
    Claim.objects.filter(pk=other.pk).update(verdict="corroborated", version=2, last_decision=wrong)
    event = write_legacy_event(
        action="claim.decide",
        object_type="claims.claim",
        object_id=str(other.pk),
        after={**after, "verdict": "refuted", "decision": wrong.pk},
        actor=bob,
    )

    assert (
        f"decision #{wrong.pk} (claim #{other.pk}) does not match audit event #{event.pk}"
        in refused()
    )
