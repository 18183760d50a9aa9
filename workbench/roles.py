"""The roles: Django groups and the model permissions each one holds.

Viewers read; Reviewers also record decisions and assessments and settle attributions;
Editors also edit sources and lock and reopen claims; Admins also use Django admin (they are
staff, and hold every permission on the workbench's models).
"""

VIEWERS, REVIEWERS, EDITORS, ADMINS = "Viewers", "Reviewers", "Editors", "Admins"

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
# Editors import documents (web import page); Admins also change and delete them.
_EDIT = ["sources.change_source", "claims.lock_claim", "sources.add_document"]
_ADMIN = [
    "sources.change_document",
    "sources.delete_document",
    "sources.add_source",
    "claims.change_claim",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    VIEWERS: _VIEW,
    REVIEWERS: _VIEW + _REVIEW,
    EDITORS: _VIEW + _REVIEW + _EDIT,
    ADMINS: _VIEW + _REVIEW + _EDIT + _ADMIN,
}


def sync_roles(apps) -> None:
    """Create the groups and give each exactly its permissions (run by a data migration)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # create_permissions skips apps without a models module; on the migration's
        # historical registry none has one. Put back what was there (on the live registry
        # tests use, None would make later post_migrate signals skip every app).
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original
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
