"""Database-level guards: the append-only triggers and the SQLite hook they need.

Decision, Assessment and AuditEvent rows are never updated or deleted. The rule lives in the
database, not only in Python, so raw SQL and a shell on the server are refused too.

The test harness must still empty tables between transactional tests. PostgreSQL does that
with TRUNCATE, which row triggers do not see. SQLite uses DELETE, so its triggers consult
`workbench_purge_allowed()`, an SQL function registered on every connection to answer 0; only
the test harness re-registers it on its own connection to answer 1 while it flushes (see
tests/conftest.py, and the test proving the application never does).
"""

from django.db import connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver

APPEND_ONLY_TABLES = ("workbench_auditevent", "claims_decision", "claims_assessment")


@receiver(connection_created)
def _register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("workbench_purge_allowed", 0, lambda: 0)


def append_only_sql(vendor: str, table: str) -> list[str]:
    """Return the statements that make `table` refuse UPDATE and DELETE on `vendor`."""
    message = f"{table} is append-only: its rows are never updated or deleted"
    if vendor == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION workbench_refuse_change() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', "
            "MESSAGE = TG_TABLE_NAME || ' is append-only: its rows are never updated or deleted'; "
            "END $$ "
            "LANGUAGE plpgsql",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION workbench_refuse_change()",
        ]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update",
            f"DROP TRIGGER IF EXISTS {table}_no_delete",
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "WHEN workbench_purge_allowed() = 0 "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ]
    raise NotImplementedError(f"no append-only triggers for {vendor}")


def install_append_only(schema_editor, tables: tuple[str, ...]) -> None:
    """Create the append-only triggers on `tables` (idempotent; re-run after a table rebuild)."""
    for table in tables:
        for statement in append_only_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)


def drop_append_only_sql(vendor: str, table: str) -> list[str]:
    """Return the statements that remove the append-only triggers from `table`."""
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f"DROP TRIGGER IF EXISTS {table}_no_delete",
    ]


def remove_append_only(schema_editor, tables: tuple[str, ...]) -> None:
    for table in tables:
        for statement in drop_append_only_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)


def ensure_append_only(sender, using: str = "default", **kwargs) -> None:
    """Re-create the triggers after every `migrate` (post_migrate).

    SQLite cannot alter a table in place: Django rebuilds it and the rebuild drops its triggers,
    so a later migration touching an append-only table would silently lose them. Re-asserting
    them here closes that gap whatever the migration; tests/test_append_only.py proves it holds.
    """
    from django.db import connections

    conn = connections[using]
    existing = set(conn.introspection.table_names())
    tables = tuple(table for table in APPEND_ONLY_TABLES if table in existing)
    with conn.cursor() as cursor:
        for table in tables:
            for statement in append_only_sql(conn.vendor, table):
                cursor.execute(statement)


def bulk_set(model, rows: list[tuple], columns: list[str]) -> None:
    """Set `columns` of many rows, each given as (pk, *values), in few statements.

    PostgreSQL joins the table to unnest()ed arrays: one statement, whatever the count.
    Elsewhere Django's bulk_update (CASE … WHEN) in batches.
    """
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        fields = [model._meta.get_field(name.removesuffix("_id")) for name in columns]
        types = ["bigint"] + [
            f.target_field.db_type(connection) if f.is_relation else f.db_type(connection)
            for f in fields
        ]
        types = [t.replace("serial", "int") for t in types]
        names = ["pk", *columns]
        assignments = ", ".join(f"{c} = v.{c}" for c in columns)
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        sql = (
            f"UPDATE {table} AS t SET {assignments} "
            f"FROM unnest({arrays}) AS v({', '.join(names)}) WHERE t.id = v.pk"
        )
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 50_000):
                chunk = rows[start : start + 50_000]
                cursor.execute(sql, [list(col) for col in zip(*chunk, strict=True)])
        return
    objs = []
    for pk, *values in rows:
        obj = model(pk=pk)
        for name, value in zip(columns, values, strict=True):
            setattr(obj, name, value)
        objs.append(obj)
    model.objects.bulk_update(objs, [c.removesuffix("_id") for c in columns], batch_size=500)
