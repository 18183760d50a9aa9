from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WorkbenchConfig(AppConfig):
    """The project package as an app: the shared base model, the audit trail and the roles."""

    name = "workbench"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from workbench import db

        post_migrate.connect(db.ensure_append_only, sender=self)
