"""Shared fixtures: the personas, the imported seed, and the SQLite flush hook."""

from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.services import document_import
from tests.factories import UserFactory
from workbench.roles import EDITORS, REVIEWERS, ROLE_PERMISSIONS, VIEWERS, sync_roles

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_cd3426a0e815e9f2.txt"


@pytest.fixture(scope="session", autouse=True)
def _flush_may_purge_history():
    """Let the test harness, and only it, empty append-only tables between transactional tests.

    Django flushes SQLite with DELETE and PostgreSQL with TRUNCATE, both of which the
    append-only triggers refuse (workbench/db.py). Only here, on the harness's own connection
    and only while it flushes, does SQLite's `workbench_purge_allowed()` answer 1 and
    PostgreSQL's session setting `workbench.purge` read 'on'; tests/test_append_only.py proves
    an application connection refuses both, before and after a flush.
    """
    from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQL
    from django.db.backends.sqlite3.base import DatabaseWrapper as SQLite

    originals = {PostgreSQL.ops_class: None, SQLite.ops_class: None}

    def flush_as_harness(original):
        def execute_sql_flush(self, sql_list):
            if self.connection.vendor == "sqlite":
                raw = self.connection.connection
                raw.create_function("workbench_purge_allowed", 0, lambda: 1)
                try:
                    return original(self, sql_list)
                finally:
                    raw.create_function("workbench_purge_allowed", 0, lambda: 0)
            with self.connection.cursor() as cursor:
                cursor.execute("SET workbench.purge = 'on'")
            try:
                return original(self, sql_list)
            finally:
                with self.connection.cursor() as cursor:
                    cursor.execute("RESET workbench.purge")

        return execute_sql_flush

    for ops in originals:
        originals[ops] = ops.execute_sql_flush
        ops.execute_sql_flush = flush_as_harness(originals[ops])
    yield
    for ops, original in originals.items():
        ops.execute_sql_flush = original


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """Serve pytest-httpserver on 127.0.0.1 exactly, for the whole session (its server is
    session-wide): "localhost" may mean ::1, and the fetch allow list is exact."""
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """A fast password hasher, and static files served as they are (no collectstatic)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Background tasks run at once, in the test's own transaction.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def ensure_roles() -> None:
    """Recreate the role groups if a transactional test's flush emptied them (PostgreSQL)."""
    if Group.objects.filter(name__in=ROLE_PERMISSIONS).count() < len(ROLE_PERMISSIONS):
        sync_roles(django_apps)


def member(username: str, group: str, **extra):
    """Return a user in the role `group` (a persona)."""
    ensure_roles()
    user = UserFactory(username=username, **extra)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def alice(db):
    """An editor: reviews, edits sources, locks and reopens claims."""
    return member("alice", EDITORS)


@pytest.fixture
def bob(db):
    """A reviewer."""
    return member("bob", REVIEWERS)


@pytest.fixture
def charlie(db):
    """A viewer: reads everything, changes nothing."""
    return member("charlie", VIEWERS)


@pytest.fixture
def seed_bytes() -> bytes:
    return SEED.read_bytes()


@pytest.fixture
def seed(db, seed_bytes):
    """The first seed document, imported."""
    return document_import(name=SEED.name, data=seed_bytes).document


def queries(client, url: str) -> int:
    """Return the queries a GET of `url` runs, once the per-process caches are warm."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)
