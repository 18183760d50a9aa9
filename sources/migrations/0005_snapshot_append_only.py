from django.db import migrations

from workbench.db import install_append_only, remove_append_only

TABLES = ("sources_sourcesnapshot",)


class Migration(migrations.Migration):
    """Make source snapshots append-only in the database itself (UPDATE, DELETE, TRUNCATE)."""

    dependencies = [("sources", "0004_snapshots"), ("workbench", "0004_event_payload_v2")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: install_append_only(schema_editor, TABLES),
            lambda apps, schema_editor: remove_append_only(schema_editor, TABLES),
        )
    ]
