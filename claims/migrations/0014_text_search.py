from django.db import migrations

# PostgreSQL answers the claim list's text search (UPPER(text) LIKE UPPER('%word%'), what
# icontains writes) from a trigram index instead of reading every claim: a rare word at a
# million claims in milliseconds. pg_trgm is a trusted extension (PostgreSQL 13+): the
# database owner may create it. SQLite has no such index; its search reads the table.
FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS claim_text_trgm ON claims_claim USING gin "
    "(UPPER(text) gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS claim_text_trgm"]


def run(statements):
    def apply(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("claims", "0013_export_jobs")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
