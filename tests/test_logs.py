"""JSON log lines, a request id on every response and record, one line per write request."""

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from workbench.logs import JsonFormatter, RequestIdFilter, request_id_var

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def captured():
    """Lines the project's own handler setup (JSON formatter, request-id filter) writes."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    loggers = [logging.getLogger("workbench.requests"), logging.getLogger("django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_a_record_is_one_line_of_json_with_its_extras_and_exception():
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed %s", ("once",), sys.exc_info(),
            extra={"claim": 7, "user": "bob"},
        )  # fmt: skip
    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "x"
    assert entry["message"] == "failed once"
    assert entry["claim"] == 7 and entry["user"] == "bob"
    assert entry["time"].endswith("Z")
    assert "ValueError: bad" in entry["exception"]


def test_every_response_carries_a_new_request_id(client, db):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert len(first) == 32 and first != second


def test_a_well_formed_incoming_request_id_is_kept(client, db):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c2e-0001"})

    assert response["X-Request-ID"] == "lb-7f3a9c2e-0001"


@pytest.mark.parametrize(
    "incoming", ["short", "has space in it", "x" * 129, 'quote"injected', "é-not-ascii-id"]
)
def test_a_malformed_incoming_request_id_is_replaced(client, db, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})

    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_a_write_logs_one_line_with_user_status_and_duration(client, bob, seed, captured):
    client.force_login(bob)
    claim = seed.claims.order_by("line").first()

    response = client.post(
        reverse("claims:decide", args=[claim.pk]),
        {"version": claim.version, "verdict": "corroborated", "rationale": "Checked."},
        headers={"X-Request-ID": "proxy-id-000123"},
    )

    (line,) = [e for e in captured() if e["logger"] == "workbench.requests"]
    assert line["method"] == "POST"
    assert line["path"] == f"/claims/{claim.pk}/decide/"
    assert line["status"] == response.status_code
    assert line["user"] == "bob"
    assert line["request_id"] == "proxy-id-000123"
    assert isinstance(line["duration_ms"], float)


def test_reads_log_nothing(client, bob, captured):
    client.force_login(bob)
    client.get("/claims/")

    assert [e for e in captured() if e["logger"] == "workbench.requests"] == []


def test_a_failed_sign_in_is_logged_without_a_user_and_a_sign_out_with_who_left(
    client, bob, captured
):
    client.post(reverse("login"), {"username": "bob", "password": "wrong"})
    client.force_login(bob)
    client.post(reverse("logout"))

    lines = [e for e in captured() if e["logger"] == "workbench.requests"]
    assert [(e["path"], e["user"]) for e in lines] == [
        ("/accounts/login/", None),
        ("/accounts/logout/", "bob"),
    ]


def test_records_written_during_a_request_carry_its_id(client, bob, captured):
    client.force_login(bob)
    response = client.post("/no-such-page/", headers={"X-Request-ID": "trace-abcdef12"})

    assert response.status_code == 404
    not_found = [e for e in captured() if e["logger"] == "django.request"]
    assert not_found and not_found[0]["request_id"] == "trace-abcdef12"


def _log_settings(**env: str) -> subprocess.CompletedProcess:
    code = (
        "import logging.config; from workbench import settings as s; print(s.LOG_FORMAT); "
        "logging.config.dictConfig(s.LOGGING); logging.getLogger('workbench.requests').info("
        "'POST /x 302', extra={'user': 'bob'})"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "k" * 50, **env},
        cwd=ROOT,
    )


def test_logs_are_json_by_default_and_text_when_asked_or_in_the_demo():
    default = _log_settings()
    assert default.stdout.strip() == "json"
    assert json.loads(default.stderr)["user"] == "bob"

    assert _log_settings(LOG_FORMAT="text").stdout.strip() == "text"
    assert "POST /x 302" in _log_settings(LOG_FORMAT="text").stderr
    assert _log_settings(DEBUG="true").stdout.strip() == "text"


def test_an_unknown_log_format_is_refused_by_name():
    result = _log_settings(LOG_FORMAT="xml")

    assert result.returncode != 0
    assert "LOG_FORMAT must be json or text, not 'xml'" in result.stderr


def test_the_request_id_is_forgotten_once_the_response_is_closed(client, db):
    client.get("/healthz", headers={"X-Request-ID": "trace-abcdef12"})

    assert request_id_var.get() == ""
