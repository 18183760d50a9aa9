from django.db import migrations

from workbench.db import drop_append_only_sql, install_append_only

TABLES = ("claims_decision", "claims_assessment")


def refuse_truncate(apps, schema_editor) -> None:
    # Creates only what is missing: here the BEFORE TRUNCATE trigger (PostgreSQL; SQLite has
    # no TRUNCATE, its DELETE triggers already refuse a bulk delete).
    install_append_only(schema_editor, TABLES)


def allow_truncate(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            for statement in drop_append_only_sql(vendor, table, [f"{table}_no_truncate"]):
                schema_editor.execute(statement)


class Migration(migrations.Migration):
    """Refuse TRUNCATE of decisions and assessments (a CASCADE from claims included)."""

    dependencies = [("claims", "0005_article_fields")]

    operations = [migrations.RunPython(refuse_truncate, allow_truncate)]
