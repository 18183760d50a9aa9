"""Exports to a file are written whole or not at all (workbench.output.write_lines)."""

import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from workbench.output import write_lines

ROOT = Path(__file__).resolve().parent.parent.parent


def test_a_complete_export_replaces_the_file(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text("old\n")

    write_lines(["a\n", "b\n"], output=str(path), stdout=None)

    assert path.read_text() == "a\nb\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.csv"]


def test_a_failing_export_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text("old\n")

    def lines():
        yield "first row\n"
        raise KeyboardInterrupt  # Ctrl+C half-way

    with pytest.raises(KeyboardInterrupt):
        write_lines(lines(), output=str(path), stdout=None)

    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.csv"]


def test_a_failing_first_export_leaves_no_file(seed, tmp_path, monkeypatch):
    from claims.exports import csv as claims_csv_module

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(claims_csv_module, "csv_line", broken)
    path = tmp_path / "claims.csv"

    with pytest.raises(RuntimeError):
        call_command("export_claims", "--all", "--output", str(path), stdout=StringIO())

    assert list(tmp_path.iterdir()) == []


def test_a_killed_export_leaves_no_truncated_file(tmp_path):
    path = tmp_path / "claims.csv"
    started = tmp_path / "started"
    # A writer that has written rows and is stuck before the end, as a big export would be.
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from workbench.output import write_lines\n"
        "def lines():\n"
        "    for n in range(1000):\n"
        "        yield f'row {n}\\n'\n"
        f"    Path({str(started)!r}).touch()\n"
        "    time.sleep(60)\n"
        "    yield 'last row\\n'\n"
        f"write_lines(lines(), output={str(path)!r}, stdout=None)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    try:
        deadline = time.monotonic() + 30
        while not started.exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()

    assert not path.exists()
    # What it had written is in a hidden temporary file, never under the export's name.
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "started"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".claims.csv.")
    assert leftovers[0].endswith(".part")


def test_the_file_gets_the_usual_permissions(tmp_path):
    path = tmp_path / "claims.csv"
    umask = os.umask(0o022)
    try:
        write_lines(["a\n"], output=str(path), stdout=None)
    finally:
        os.umask(umask)

    assert path.stat().st_mode & 0o777 == 0o644


def test_an_unwritable_place_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot write"):
        write_lines(["a\n"], output=str(tmp_path / "missing" / "claims.csv"), stdout=None)
