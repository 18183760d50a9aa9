from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class WorkbenchConfig(AppConfig):
    """The project package as an app: the shared base model, the audit trail and the roles."""

    name = "workbench"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from workbench import db
        from workbench.checks import check_chain_cannot_fork

        post_migrate.connect(db.ensure_append_only, sender=self)
        checks.register(check_chain_cannot_fork)
