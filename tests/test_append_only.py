"""Decision, Assessment and AuditEvent are append-only in the database itself."""

from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from claims.models import Claim
from claims.services import AssessmentInput, claim_decide

TABLES = ["claims_decision", "claims_assessment", "workbench_auditevent"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def history(seed, bob):
    claim = Claim.objects.get(document=seed, line=8)
    claim_decide(
        claim=claim,
        actor=bob,
        verdict="refuted",
        version=1,
        rationale="The paper said no such thing.",
        assessments={claim.citations.get().pk: AssessmentInput("refutes")},
    )


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(
    "sql",
    ["UPDATE {table} SET id = id", "DELETE FROM {table}"],
    ids=["update", "delete"],
)
def test_raw_sql_cannot_change_history(history, table, sql):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        count = cursor.fetchone()[0]
    assert count > 0

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql.format(table=table))

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] == count


def test_the_orm_cannot_delete_an_audit_event_even_bypassing_its_checks(history):
    from workbench.models import AuditEvent

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all()._raw_delete(using="default")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the purge flag exists on SQLite only")
def test_an_application_connection_never_allows_a_purge(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT workbench_purge_allowed()")
        assert cursor.fetchone()[0] == 0


def test_only_the_test_harness_can_allow_a_purge():
    """The flag that lets SQLite's flush empty history is set nowhere but tests/conftest.py."""
    setters = [
        path.relative_to(ROOT).as_posix()
        for folder in ("workbench", "claims", "sources")
        for path in (ROOT / folder).rglob("*.py")
        if "lambda: 1" in path.read_text() and "workbench_purge_allowed" in path.read_text()
    ]

    assert setters == []
    assert "lambda: 1" in (ROOT / "tests" / "conftest.py").read_text()
