from django.db import migrations

PERMISSION = ("sources", "add_document")


def grant(apps, schema_editor) -> None:
    """Let Editors import documents (the web import page), as Admins already could."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    permission = Permission.objects.filter(
        content_type__app_label=PERMISSION[0], codename=PERMISSION[1]
    ).first()
    if editors and permission:
        editors.permissions.add(permission)


def revoke(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name="Editors").first()
    permission = Permission.objects.filter(
        content_type__app_label=PERMISSION[0], codename=PERMISSION[1]
    ).first()
    if editors and permission:
        editors.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [("workbench", "0004_event_payload_v2"), ("claims", "0003_roles")]

    operations = [migrations.RunPython(grant, revoke)]
