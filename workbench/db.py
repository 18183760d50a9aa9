"""Database-level guards: the append-only triggers and the SQLite hook they need.

Decision, Assessment, Review, ReviewAssessment and AuditEvent rows are never updated or deleted, and on PostgreSQL their
tables are never truncated. The rule lives in the database, not only in Python, so raw SQL and
a shell on the server are refused too. TRUNCATE needs its own (statement-level) trigger: row
triggers never see it. Any TRUNCATE … CASCADE that would reach these tables (from claims,
citations, documents or users, which they reference) lists them too, so it is refused whole.

The test harness must still empty tables between transactional tests, and only it may:
- PostgreSQL flushes with TRUNCATE; the trigger lets it through while the session setting
  `workbench.purge` is 'on', which the harness sets around its flush and nothing else sets.
- SQLite flushes with DELETE; its triggers consult `workbench_purge_allowed()`, an SQL function
  registered on every connection to answer 0, which the harness re-registers on its own
  connection to answer 1 while it flushes.
(tests/conftest.py; tests/test_append_only.py proves an application connection refuses both.)
"""

from django.db import connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver

APPEND_ONLY_TABLES = (
    "workbench_auditevent",
    "claims_decision",
    "claims_assessment",
    "sources_sourcesnapshot",
    "claims_review",
    "claims_reviewassessment",
    "claims_claimnote",  # the discussion of a claim (claims/migrations/0011_reviewer_day.py)
    "claims_notemention",
)

_POSTGRESQL_FUNCTIONS = [
    "CREATE OR REPLACE FUNCTION workbench_refuse_change() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', "
    "MESSAGE = TG_TABLE_NAME || ' is append-only: its rows are never updated or deleted'; "
    "END $$ LANGUAGE plpgsql",
    "CREATE OR REPLACE FUNCTION workbench_refuse_truncate() RETURNS trigger AS $$ "
    "BEGIN "
    "IF current_setting('workbench.purge', true) = 'on' THEN RETURN NULL; END IF; "
    "RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', "
    "MESSAGE = TG_TABLE_NAME || ' is append-only: it is never truncated'; "
    "END $$ LANGUAGE plpgsql",
]


@receiver(connection_created)
def _register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("workbench_purge_allowed", 0, lambda: 0)
        # SQLite's LIKE folds ASCII only ("москва" misses "Москва"): text search folds with
        # Python's casefold instead (ClaimQuerySet.text_contains).
        connection.connection.create_function(
            "workbench_casefold",
            1,
            lambda text: text.casefold() if text else text,
            deterministic=True,
        )


def append_only_triggers(vendor: str, table: str) -> dict[str, str]:
    """Return the CREATE TRIGGER statement of each trigger that guards `table`, by name."""
    message = f"{table} is append-only: its rows are never updated or deleted"
    if vendor == "postgresql":
        return {
            f"{table}_append_only": f"CREATE TRIGGER {table}_append_only "
            f"BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION workbench_refuse_change()",
            f"{table}_no_truncate": f"CREATE TRIGGER {table}_no_truncate "
            f"BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION workbench_refuse_truncate()",
        }
    if vendor == "sqlite":
        return {
            f"{table}_no_update": f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"{table}_no_delete": f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "WHEN workbench_purge_allowed() = 0 "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        }
    raise NotImplementedError(f"no append-only triggers for {vendor}")


def trigger_names(vendor: str, table: str) -> list[str]:
    """Return the names of the triggers that guard `table` on `vendor`."""
    return list(append_only_triggers(vendor, table))


def existing_triggers(conn, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> dict[str, set[str]]:
    """Return the names of the user triggers the database holds on each of `tables`."""
    found: dict[str, set[str]] = {table: set() for table in tables}
    if not tables:
        return found
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relname = ANY(%s) "
                "AND pg_table_is_visible(c.oid)",
                [list(tables)],
            )
        else:
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                f"AND tbl_name IN ({', '.join(['%s'] * len(tables))})",
                list(tables),
            )
        for table, name in cursor.fetchall():
            found[table].add(name)
    return found


def create_missing_triggers(conn, tables: tuple[str, ...], execute=None) -> list[str]:
    """Create the guard triggers of `tables` that the database lacks; return their names.

    Triggers already there are left alone: dropping and re-creating them would take a lock on
    each table (ACCESS EXCLUSIVE for DROP TRIGGER on PostgreSQL) at every deploy. `execute`
    runs each statement (a schema editor's, in a migration); by default a cursor of `conn`.
    """
    existing = existing_triggers(conn, tables)
    missing = [
        (name, statement)
        for table in tables
        for name, statement in append_only_triggers(conn.vendor, table).items()
        if name not in existing[table]
    ]
    if not missing:
        return []
    statements = [statement for _, statement in missing]
    if conn.vendor == "postgresql":
        statements = _POSTGRESQL_FUNCTIONS + statements
    if execute is None:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    else:
        for statement in statements:
            execute(statement)
    return [name for name, _ in missing]


def install_append_only(schema_editor, tables: tuple[str, ...]) -> None:
    """Create the guard triggers on `tables` that are missing (a migration's forward step)."""
    create_missing_triggers(schema_editor.connection, tables, execute=schema_editor.execute)


def drop_append_only_sql(vendor: str, table: str, names: list[str] | None = None) -> list[str]:
    """Return the statements that remove the guard triggers `names` (default: all) of `table`."""
    names = trigger_names(vendor, table) if names is None else names
    on = f" ON {table}" if vendor == "postgresql" else ""
    return [f"DROP TRIGGER IF EXISTS {name}{on}" for name in names]


def remove_append_only(schema_editor, tables: tuple[str, ...]) -> None:
    for table in tables:
        for statement in drop_append_only_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(statement)


def ensure_append_only(sender, using: str = "default", **kwargs) -> None:
    """Create any guard trigger that is missing after a `migrate` (post_migrate).

    SQLite cannot alter a table in place: Django rebuilds it and the rebuild drops its triggers,
    so a later migration touching an append-only table would silently lose them. Checking
    for them here closes that gap whatever the migration; an intact database costs one query.
    """
    from django.db import connections

    conn = connections[using]
    present = set(conn.introspection.table_names())
    create_missing_triggers(conn, tuple(t for t in APPEND_ONLY_TABLES if t in present))


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
