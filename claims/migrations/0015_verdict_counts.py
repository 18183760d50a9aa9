import django.db.models.deletion
from django.db import migrations, models

# The dashboard's counts of live claims per document and verdict, kept by triggers on the
# claims table so that no write path can forget them. PostgreSQL: one statement-level trigger
# per operation, aggregating the statement's transition tables (an import of a million rows
# is one upsert per document and verdict, and COPY fires it too); the rows are upserted in
# (document, verdict) order, so two transactions never lock them in opposite orders. SQLite:
# row-level triggers. A count that reaches zero is deleted (a partial index finds it).

UPSERT = """
    INSERT INTO claims_verdictcount AS c (document_id, verdict, n)
        SELECT document_id, verdict, sum(d) FROM ({changes}) AS changes
        GROUP BY 1, 2 HAVING sum(d) <> 0 ORDER BY 1, 2
        ON CONFLICT (document_id, verdict) DO UPDATE SET n = c.n + EXCLUDED.n;
    DELETE FROM claims_verdictcount WHERE n = 0;
"""
OLD = "SELECT document_id, verdict, -1 AS d FROM old_rows WHERE withdrawn_at IS NULL"
NEW = "SELECT document_id, verdict, 1 AS d FROM new_rows WHERE withdrawn_at IS NULL"
PG_CHANGES = {"insert": NEW, "delete": OLD, "update": f"{OLD} UNION ALL {NEW}"}
PG_REFERENCING = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}

PG_FORWARD = ["CREATE INDEX verdictcount_zero ON claims_verdictcount (id) WHERE n = 0"]
for op, changes in PG_CHANGES.items():
    PG_FORWARD += [
        f"CREATE FUNCTION claims_verdictcount_{op}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {UPSERT.format(changes=changes)} RETURN NULL; END $$",
        f"CREATE TRIGGER claims_verdictcount_{op} AFTER {op.upper()} ON claims_claim "
        f"REFERENCING {PG_REFERENCING[op]} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION claims_verdictcount_{op}()",
        # ALWAYS: they fire in replica mode too, which a large import sets to skip the
        # per-row foreign-key checks (claims.services.imports._reference_checks_skippable).
        f"ALTER TABLE claims_claim ENABLE ALWAYS TRIGGER claims_verdictcount_{op}",
    ]
PG_BACKWARD = [
    statement
    for op in PG_CHANGES
    for statement in (
        f"DROP TRIGGER IF EXISTS claims_verdictcount_{op} ON claims_claim",
        f"DROP FUNCTION IF EXISTS claims_verdictcount_{op}()",
    )
]


def _sqlite_add(row: str, d: int) -> str:
    return (
        "INSERT INTO claims_verdictcount (document_id, verdict, n) "
        f"VALUES ({row}.document_id, {row}.verdict, {d}) "
        f"ON CONFLICT (document_id, verdict) DO UPDATE SET n = n + {d}; "
        "DELETE FROM claims_verdictcount WHERE n = 0;"
    )


SQLITE_FORWARD = [
    "CREATE TRIGGER claims_verdictcount_insert AFTER INSERT ON claims_claim "
    f"WHEN NEW.withdrawn_at IS NULL BEGIN {_sqlite_add('NEW', 1)} END",
    "CREATE TRIGGER claims_verdictcount_delete AFTER DELETE ON claims_claim "
    f"WHEN OLD.withdrawn_at IS NULL BEGIN {_sqlite_add('OLD', -1)} END",
    # Two triggers for an update: the old row leaves its count, the new one joins its own.
    "CREATE TRIGGER claims_verdictcount_update_old AFTER UPDATE OF verdict, document_id, "
    "withdrawn_at ON claims_claim WHEN OLD.withdrawn_at IS NULL "
    f"BEGIN {_sqlite_add('OLD', -1)} END",
    "CREATE TRIGGER claims_verdictcount_update_new AFTER UPDATE OF verdict, document_id, "
    "withdrawn_at ON claims_claim WHEN NEW.withdrawn_at IS NULL "
    f"BEGIN {_sqlite_add('NEW', 1)} END",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS claims_verdictcount_{name}"
    for name in ("insert", "delete", "update_old", "update_new")
]

FILL = (
    "INSERT INTO claims_verdictcount (document_id, verdict, n) "
    "SELECT document_id, verdict, count(*) FROM claims_claim WHERE withdrawn_at IS NULL "
    "GROUP BY document_id, verdict"
)


def forward(apps, schema_editor) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in [FILL, *(PG_FORWARD if postgres else SQLITE_FORWARD)]:
        schema_editor.execute(statement)


def backward(apps, schema_editor) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    for statement in PG_BACKWARD if postgres else SQLITE_BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0014_text_search"),
        ("sources", "0005_snapshot_append_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="VerdictCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "verdict",
                    models.CharField(
                        choices=[
                            ("unreviewed", "Unreviewed"),
                            ("corroborated", "Corroborated"),
                            ("disputed", "Disputed"),
                            ("refuted", "Refuted"),
                        ],
                        max_length=20,
                    ),
                ),
                ("n", models.BigIntegerField()),
                (
                    "document",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sources.document",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("document", "verdict"), name="verdictcount_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
