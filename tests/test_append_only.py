"""Decision, Assessment and AuditEvent are append-only in the database itself.

UPDATE and DELETE are refused on both databases, TRUNCATE on PostgreSQL (a CASCADE from a
table that references them included); only the test harness's flush may empty them, and the
triggers come back by themselves after a migration rebuilds a table.
"""

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, models, transaction
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, Decision
from claims.services import AssessmentInput, claim_decide, document_import
from tests.conftest import SEED
from workbench.db import (
    APPEND_ONLY_TABLES,
    drop_append_only_sql,
    ensure_append_only,
    existing_triggers,
    trigger_names,
)
from workbench.models import AuditEvent

TABLES = ["claims_decision", "claims_assessment", "workbench_auditevent", "sources_sourcesnapshot"]
POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="TRUNCATE and session settings are PostgreSQL's"
)


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
    from claims.services.evidence import source_snapshot_upload
    from sources.snapshots import Upload
    from tests.conftest import member
    from workbench.roles import EDITORS

    source_snapshot_upload(
        source=claim.citations.get().source,
        upload=Upload("copy.txt", b"The paper said something else entirely."),
        actor=member("eda", EDITORS),
    )


def count(table: str, conn=connection) -> int:
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def counts() -> dict[str, int]:
    return {table: count(table) for table in [*TABLES, "claims_claim", "claims_citation"]}


def after_migrate() -> None:
    """Send the workbench app the post_migrate signal, as `migrate` does when it is done.

    Sent directly: the tests' ensure_roles() leaves models_module None on the app configs,
    after which emit_post_migrate_signal skips every app.
    """
    workbench = django_apps.get_app_config("workbench")
    post_migrate.send(
        sender=workbench,
        app_config=workbench,
        verbosity=0,
        interactive=False,
        using="default",
        apps=django_apps,
        plan=[],
    )


def trigger_sql(queries: list[dict]) -> list[str]:
    """Return the CREATE TRIGGER and DROP TRIGGER statements among `queries`."""
    return [
        q["sql"] for q in queries if q["sql"].upper().startswith(("CREATE TRIGGER", "DROP TRIGGER"))
    ]


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(
    "sql",
    ["UPDATE {table} SET id = id", "DELETE FROM {table}"],
    ids=["update", "delete"],
)
def test_raw_sql_cannot_change_history(history, table, sql):
    before = count(table)
    assert before > 0

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql.format(table=table))

    assert count(table) == before


def test_the_orm_cannot_delete_an_audit_event_even_bypassing_its_checks(history):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all()._raw_delete(using="default")


@POSTGRESQL_ONLY
@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE workbench_auditevent",
        "TRUNCATE claims_assessment CASCADE",
        "TRUNCATE claims_decision CASCADE",
        # Tables the history references: a CASCADE from them reaches the history too.
        "TRUNCATE claims_claim CASCADE",
        "TRUNCATE claims_citation CASCADE",
        "TRUNCATE sources_document CASCADE",
        "TRUNCATE auth_user CASCADE",
    ],
)
def test_truncate_cannot_empty_history(history, statement):
    before = counts()
    with connection.cursor() as cursor:
        # The test's own inserts leave deferred foreign-key checks pending, and PostgreSQL
        # refuses to truncate a table with pending trigger events before any trigger runs.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert counts() == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the purge flag exists on SQLite only")
def test_an_application_connection_never_allows_a_purge(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT workbench_purge_allowed()")
        assert cursor.fetchone()[0] == 0


def purge(conn) -> None:
    """Try what the harness's flush does: TRUNCATE on PostgreSQL, DELETE on SQLite."""
    statement = {
        "postgresql": "TRUNCATE workbench_auditevent",
        "sqlite": "DELETE FROM workbench_auditevent",
    }[conn.vendor]
    with pytest.raises(DatabaseError, match="append-only"), conn.cursor() as cursor:
        cursor.execute(statement)


@pytest.mark.django_db(transaction=True)
def test_only_the_test_harness_flush_may_purge_history(seed_bytes):
    """Application connections refuse a purge, before and after the harness has flushed."""
    document_import(name=SEED.name, data=seed_bytes)
    purge(connection)
    fresh = connections.create_connection("default")
    try:
        purge(fresh)
    finally:
        fresh.close()

    # The harness's flush (what runs between transactional tests) is the one way through...
    call_command("flush", interactive=False, verbosity=0)
    assert count("workbench_auditevent") == 0

    # ...and it leaves nothing behind on the connection it used.
    document_import(name=SEED.name, data=seed_bytes)
    purge(connection)
    assert count("workbench_auditevent") == 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('workbench.purge', true)")
            assert cursor.fetchone()[0] in (None, "", "off")


def test_migrate_creates_no_trigger_that_already_exists(db):
    with CaptureQueriesContext(connection) as ctx:
        after_migrate()

    assert trigger_sql(ctx.captured_queries) == []


def test_migrate_recreates_a_missing_trigger_and_only_it(history):
    missing = trigger_names(connection.vendor, "claims_decision")[0]
    with connection.cursor() as cursor:
        cursor.execute(drop_append_only_sql(connection.vendor, "claims_decision", [missing])[0])
    assert missing not in existing_triggers(connection)["claims_decision"]

    with CaptureQueriesContext(connection) as ctx:
        after_migrate()

    [created] = trigger_sql(ctx.captured_queries)
    assert created.startswith(f"CREATE TRIGGER {missing} ")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Decision.objects.update(rationale="rewritten")


@POSTGRESQL_ONLY
def test_migrate_leaves_existing_triggers_untouched(db):
    """No DROP and CREATE on every deploy: the same trigger rows (oids) stay in pg_trigger."""
    query = "SELECT tgname, oid FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname"
    with connection.cursor() as cursor:
        cursor.execute(query)
        before = cursor.fetchall()
        after_migrate()
        cursor.execute(query)
        assert cursor.fetchall() == before
    append_only = [name for name, _ in before if not name.startswith("claims_verdictcount_")]
    assert len(append_only) == 2 * len(APPEND_ONLY_TABLES)


@pytest.mark.django_db(transaction=True)
def test_a_table_rebuild_gets_its_triggers_back_after_migrate(seed_bytes, django_user_model):
    """SQLite rebuilds a table to alter a column, dropping its triggers; post_migrate restores them."""
    old = Decision._meta.get_field("evidence_url")
    wider = models.URLField("evidence URL", max_length=2100, blank=True)
    wider.set_attributes_from_name("evidence_url")
    wider.model = Decision
    expected = set(trigger_names(connection.vendor, "claims_decision"))
    try:
        with connection.schema_editor() as editor:
            editor.alter_field(Decision, old, wider)
        if connection.vendor == "sqlite":
            assert existing_triggers(connection)["claims_decision"] == set()

        after_migrate()

        assert existing_triggers(connection)["claims_decision"] == expected
        document_import(name=SEED.name, data=seed_bytes)
        claim = Claim.objects.get(line=1)
        actor = django_user_model.objects.create_superuser("rebuilder")
        claim_decide(claim=claim, actor=actor, verdict="refuted", version=1, rationale="No.")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            Decision.objects.update(rationale="rewritten")
    finally:
        with connection.schema_editor() as editor:
            editor.alter_field(Decision, wider, old)
        ensure_append_only(sender=None)
    assert existing_triggers(connection)["claims_decision"] == expected
