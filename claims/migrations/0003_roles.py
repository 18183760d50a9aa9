from django.contrib.auth.management import create_permissions
from django.db import migrations

# The roles as this migration created them, frozen here: a migration must give the same result
# whatever workbench/roles.py says later (a later change to the roles is a new migration).
_VIEW = [
    "sources.view_document",
    "sources.view_source",
    "claims.view_claim",
    "claims.view_citation",
    "claims.view_decision",
    "claims.view_assessment",
    "workbench.view_auditevent",
]
_REVIEW = ["claims.add_decision", "claims.add_assessment", "claims.change_citation"]
_EDIT = ["sources.change_source", "claims.lock_claim"]
_ADMIN = [
    "sources.add_document",
    "sources.change_document",
    "sources.delete_document",
    "sources.add_source",
    "claims.change_claim",
]
ROLE_PERMISSIONS = {
    "Viewers": _VIEW,
    "Reviewers": _VIEW + _REVIEW,
    "Editors": _VIEW + _REVIEW + _EDIT,
    "Admins": _VIEW + _REVIEW + _EDIT + _ADMIN,
}


def create_roles(apps, schema_editor):
    """Create the groups and give each exactly its permissions."""
    # Permissions are normally created after the whole migrate run (post_migrate); the groups
    # need them now, so create them from this migration's state of the models.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = []
        for code in codes:
            app_label, codename = code.split(".")
            perms.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)


class Migration(migrations.Migration):
    """Create the Viewers, Reviewers, Editors and Admins groups with their permissions."""

    dependencies = [
        ("claims", "0002_append_only"),
        ("sources", "0001_initial"),
        ("workbench", "0002_append_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
