"""The system check that refuses database settings under which the audit chain can fork.

audit_append reads the chain's head after taking the chain lock. Under READ COMMITTED that
read sees the event the previous lock holder committed; under REPEATABLE READ or SERIALIZABLE
it sees the snapshot taken at the transaction's first query, before the lock, so two writers
can chain onto the same head. On SQLite only BEGIN IMMEDIATE takes the write lock up front.
"""

import copy

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db.backends.postgresql.psycopg_any import IsolationLevel
from django.test import override_settings

from workbench.checks import check_chain_cannot_fork

# DATABASES is overridden only for the check to read it; no connection is made with it.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


def databases(engine: str, **options) -> dict:
    return {"default": {"ENGINE": f"django.db.backends.{engine}", "NAME": "x", "OPTIONS": options}}


def error_ids(dbs: dict) -> list[str]:
    with override_settings(DATABASES=dbs):
        return [error.id for error in check_chain_cannot_fork(None)]


@pytest.mark.parametrize(
    "level",
    [IsolationLevel.REPEATABLE_READ, IsolationLevel.SERIALIZABLE, IsolationLevel.READ_UNCOMMITTED],
)
def test_postgresql_refuses_any_isolation_level_but_read_committed(level):
    assert error_ids(databases("postgresql", isolation_level=level)) == ["workbench.E001"]


def test_postgresql_accepts_read_committed_given_or_by_default():
    assert error_ids(databases("postgresql", isolation_level=IsolationLevel.READ_COMMITTED)) == []
    assert error_ids(databases("postgresql")) == []


def test_postgresql_refuses_an_isolation_level_it_does_not_know():
    assert error_ids(databases("postgresql", isolation_level=42)) == ["workbench.E001"]


@pytest.mark.parametrize("mode", [None, "DEFERRED", "EXCLUSIVE"])
def test_sqlite_refuses_any_transaction_mode_but_immediate(mode):
    options = {} if mode is None else {"transaction_mode": mode}

    assert error_ids(databases("sqlite3", **options)) == ["workbench.E002"]


@pytest.mark.parametrize("mode", ["IMMEDIATE", "immediate"])
def test_sqlite_accepts_immediate(mode):
    assert error_ids(databases("sqlite3", transaction_mode=mode)) == []


def test_every_database_is_checked_and_named():
    dbs = {
        **databases("sqlite3", transaction_mode="IMMEDIATE"),
        "replica": databases("postgresql", isolation_level=IsolationLevel.REPEATABLE_READ)[
            "default"
        ],
    }

    with override_settings(DATABASES=dbs):
        [error] = check_chain_cannot_fork(None)

    assert error.obj == "DATABASES['replica']"
    assert "REPEATABLE_READ" in error.msg


def test_the_project_settings_pass():
    assert check_chain_cannot_fork(None) == []


def test_manage_py_check_runs_it():
    dbs = copy.deepcopy(settings.DATABASES)
    if dbs["default"]["ENGINE"].endswith("postgresql"):
        dbs["default"]["OPTIONS"]["isolation_level"] = IsolationLevel.REPEATABLE_READ
        expected = "workbench.E001"
    else:
        dbs["default"]["OPTIONS"]["transaction_mode"] = "DEFERRED"
        expected = "workbench.E002"

    with override_settings(DATABASES=dbs), pytest.raises(SystemCheckError, match=expected):
        call_command("check")
