from django.db import migrations

from workbench.db import install_append_only, remove_append_only

TABLES = ("claims_decision", "claims_assessment")


class Migration(migrations.Migration):
    """Make decisions and assessments append-only in the database itself."""

    dependencies = [("claims", "0001_initial"), ("workbench", "0002_append_only")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: install_append_only(schema_editor, TABLES),
            lambda apps, schema_editor: remove_append_only(schema_editor, TABLES),
        )
    ]
