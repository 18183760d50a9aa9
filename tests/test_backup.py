"""Backup and restore as the README says, on PostgreSQL: pg_dump, pg_restore, then prove it.

A scratch database gets real work (the seed, a synthetic corpus, decisions, their audit
events) through the real commands; it is dumped, restored into a second scratch database, and
then again over it with `--clean`. Each time the restored chain must pass through the hash
taken before the dump, the append-only triggers must still refuse changes, and the claims and
decisions exports must be the same bytes.
"""

import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from workbench.db import APPEND_ONLY_TABLES, trigger_names

ROOT = Path(__file__).resolve().parent.parent
DATABASE = settings.DATABASES["default"]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        DATABASE["ENGINE"] != "django.db.backends.postgresql", reason="pg_dump needs PostgreSQL"
    ),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed"),
]


def server_args() -> list[str]:
    return ["-h", DATABASE["HOST"] or "127.0.0.1", "-p", str(DATABASE["PORT"] or 5432)] + (
        ["-U", DATABASE["USER"]] if DATABASE["USER"] else []
    )


def url(name: str) -> str:
    user = DATABASE["USER"] or "postgres"
    return f"postgres://{user}@{DATABASE['HOST'] or '127.0.0.1'}:{DATABASE['PORT'] or 5432}/{name}"


def admin() -> psycopg.Connection:
    return psycopg.connect(
        dbname="postgres",
        host=DATABASE["HOST"] or "127.0.0.1",
        port=DATABASE["PORT"] or 5432,
        user=DATABASE["USER"] or None,
        password=DATABASE["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture
def scratch() -> Iterator[list[str]]:
    """Yield a list to add database names to; create each on demand, drop them all after."""
    names: list[str] = []
    yield names
    with admin() as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def createdb(scratch: list[str], role: str) -> str:
    name = f"wb_backup_{role}_{secrets.token_hex(4)}"
    with admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    scratch.append(name)
    return name


def manage(database: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        capture_output=True,
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "SECRET_KEY": "backup-test-" + "k" * 50,
            "DATABASE_URL": url(database),
            "WORKBENCH_BENCH": "true",
        },
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode("utf-8")


def last_hash(database: str) -> str:
    return re.search(r"last hash ([0-9a-f]{64})", manage(database, "verify_audit")).group(1)


def exports(database: str, folder: Path) -> tuple[bytes, bytes]:
    claims, decisions = folder / f"{database}-claims.csv", folder / f"{database}-decisions.csv"
    manage(database, "export_claims", "--all", "--output", str(claims))
    manage(database, "export_decisions", "--output", str(decisions))
    return claims.read_bytes(), decisions.read_bytes()


def assert_append_only(database: str) -> None:
    with psycopg.connect(url(database)) as conn:
        rows = conn.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal"
        ).fetchall()
        found = {(table, name) for table, name in rows}
        for table in APPEND_ONLY_TABLES:
            for name in trigger_names("postgresql", table):
                assert (table, name) in found, f"{name} lost in the restore"
        for statement in (
            "UPDATE claims_decision SET rationale = 'rewritten'",
            "DELETE FROM workbench_auditevent",
            "TRUNCATE workbench_auditevent CASCADE",
        ):
            with pytest.raises(psycopg.errors.IntegrityConstraintViolation), conn.transaction():
                conn.execute(statement)


def test_a_dump_restores_with_its_audit_chain_triggers_and_exports(scratch, tmp_path):
    source = createdb(scratch, "source")
    manage(source, "migrate", "--verbosity", "0")
    manage(source, "import_seeds", str(ROOT / "seeds"))
    manage(
        source,
        "make_corpus",
        "--documents", "2", "--claims", "400", "--decide", "0.5", "--out", str(tmp_path / "c"),
    )  # fmt: skip
    expected_hash = last_hash(source)
    before = exports(source, tmp_path)
    assert before[1].count(b"\n") > 100  # decisions to restore
    dump = tmp_path / "workbench.dump"
    subprocess.run(
        ["pg_dump", *server_args(), "-Fc", "-f", str(dump), source], check=True, cwd=tmp_path
    )

    # Into a new database, as the README says.
    restored = createdb(scratch, "restored")
    restore = ["pg_restore", *server_args(), "--no-owner", "--single-transaction"]
    subprocess.run([*restore, "-d", restored, str(dump)], check=True, cwd=tmp_path)

    assert f"passes through {expected_hash}" in manage(
        restored, "verify_audit", "--expect-hash", expected_hash
    )
    assert exports(restored, tmp_path) == before
    assert_append_only(restored)

    # Over an existing database, with --clean: it drops the guarded tables, never empties them.
    # Work done after the dump (another article: its claims and audit events) is replaced.
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(ROOT / "seeds" / "000_cd3426a0e815e9f2.txt", extra / "after_the_dump.txt")
    manage(restored, "import_seeds", str(extra))
    assert last_hash(restored) != expected_hash
    subprocess.run(
        [*restore, "--clean", "--if-exists", "-d", restored, str(dump)], check=True, cwd=tmp_path
    )

    assert last_hash(restored) == expected_hash
    assert exports(restored, tmp_path) == before
    assert_append_only(restored)
