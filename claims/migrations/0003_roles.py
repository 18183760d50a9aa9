from django.db import migrations

from workbench.roles import sync_roles


class Migration(migrations.Migration):
    """Create the Viewers, Reviewers, Editors and Admins groups with their permissions."""

    dependencies = [
        ("claims", "0002_append_only"),
        ("sources", "0001_initial"),
        ("workbench", "0002_append_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(lambda apps, schema_editor: sync_roles(apps), migrations.RunPython.noop)]
