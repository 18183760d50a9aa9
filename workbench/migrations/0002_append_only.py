from django.db import migrations

from workbench.db import install_append_only, remove_append_only

TABLES = ("workbench_auditevent",)


class Migration(migrations.Migration):
    """Make the audit trail append-only in the database itself."""

    dependencies = [("workbench", "0001_initial")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: install_append_only(schema_editor, TABLES),
            lambda apps, schema_editor: remove_append_only(schema_editor, TABLES),
        )
    ]
