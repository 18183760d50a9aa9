"""System checks: database settings under which the audit chain could fork.

audit_append takes the chain lock, then reads the head. Under READ COMMITTED that read sees the
event the previous lock holder committed. Under REPEATABLE READ or SERIALIZABLE it sees the
snapshot taken at the transaction's first query, before the lock was taken, so two writers can
chain onto the same head: the chain forks and verify_audit fails on valid work. On SQLite only
BEGIN IMMEDIATE takes the write lock when the transaction starts; DEFERRED lets two
transactions read the same head before either writes.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.checks import Error


def check_chain_cannot_fork(app_configs, **kwargs) -> list[Error]:
    """Refuse an isolation level other than READ COMMITTED, or a SQLite mode but IMMEDIATE."""
    errors = []
    for alias, database in settings.DATABASES.items():
        error = _database_error(alias, database)
        if error is not None:
            errors.append(error)
    return errors


def _database_error(alias: str, database: Mapping[str, Any]) -> Error | None:
    engine = database.get("ENGINE", "")
    options = database.get("OPTIONS") or {}
    where = f"DATABASES[{alias!r}]"
    if engine == "django.db.backends.postgresql":
        from django.db.backends.postgresql.psycopg_any import IsolationLevel

        if "isolation_level" not in options:
            return None  # Django's default is READ COMMITTED
        try:
            level = IsolationLevel(options["isolation_level"])
        except ValueError:
            level = None
        if level == IsolationLevel.READ_COMMITTED:
            return None
        shown = level.name if level is not None else repr(options["isolation_level"])
        return Error(
            f"The audit chain needs READ COMMITTED on PostgreSQL; {where} sets "
            f"OPTIONS['isolation_level'] to {shown}.",
            hint="Remove the option or set IsolationLevel.READ_COMMITTED: under a stricter "
            "level an audit append reads a head older than the chain lock, and the chain forks.",
            obj=where,
            id="workbench.E001",
        )
    if engine == "django.db.backends.sqlite3":
        mode = options.get("transaction_mode")
        if isinstance(mode, str) and mode.upper() == "IMMEDIATE":
            return None
        return Error(
            f"The audit chain needs transaction_mode IMMEDIATE on SQLite; {where} has "
            f"OPTIONS['transaction_mode'] = {mode!r}.",
            hint="Set OPTIONS['transaction_mode'] = 'IMMEDIATE' (workbench/settings.py does): "
            "otherwise two writers can read the same chain head before either takes the lock.",
            obj=where,
            id="workbench.E002",
        )
    return None
