"""manage.py loadtest: a few seconds of reviewers against gunicorn, and its lost-decision check.

The bench app is installed only with WORKBENCH_BENCH=true, so its command is called as an object.
"""

import re
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bench.management.commands.loadtest import Command as LoadTest
from bench.management.commands.loadtest import percentile


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]

    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (
        50.0,
        95.0,
        99.0,
    )
    assert percentile([7.0], 99) == 7.0


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal is SQLite's")
def test_it_refuses_a_database_other_than_postgresql():
    with pytest.raises(CommandError, match="runs on PostgreSQL"):
        call_command(LoadTest(), reviewers=1, seconds=1)


def _scratch_databases() -> set[str]:
    base = connection.settings_dict
    with psycopg.connect(
        dbname="postgres", host=base["HOST"], port=base["PORT"], user=base["USER"]
    ) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            (f"{base['NAME']}_loadtest_%",),
        ).fetchall()
    return {name for (name,) in rows}


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the load test needs PostgreSQL")
def test_two_reviewers_on_one_queue_lose_no_decision(django_db_blocker, tmp_path):
    report = tmp_path / "performance.md"
    report.write_text("# Performance\n")
    out = StringIO()

    with django_db_blocker.unblock():
        call_command(
            LoadTest(),
            reviewers=2,
            seconds=3,
            claims=300,
            documents=1,  # both reviewers on one queue: some decide the same claim at once
            workers=1,
            append=str(report),
            stdout=out,
            stderr=StringIO(),
        )
        left = _scratch_databases()

    text = out.getvalue()
    acknowledged, stored = map(
        int, re.search(r"([\d,]+) acknowledged \(302\), ([\d,]+) stored", text).groups()
    )
    assert acknowledged > 0 and acknowledged == stored
    assert "**lost 0, doubled 0**, stored without an acknowledgement 0" in text
    assert "audit chain intact" in text
    assert re.search(r"\| POST /claims/<id>/decide/ \| [\d,]+ \| \d+ \| \d+ \| \d+ \| 302: ", text)
    assert re.search(r"\*\*[\d.,]+ requests/s\*\*", text)
    assert report.read_text().startswith("# Performance\n\n## Load test: 2 reviewers, 3 s")
    assert left == set()  # the scratch database is dropped
