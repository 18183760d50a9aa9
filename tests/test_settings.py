"""Settings come from the environment through typed helpers that name a bad value."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from workbench.settings import envbool, envint, envpair

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("value", ["abc", "1.5", "²", "١٢", "10s"])
def test_a_number_that_is_not_one_is_refused_by_name(monkeypatch, value):
    monkeypatch.setenv("CONN_MAX_AGE", value)
    with pytest.raises(ImproperlyConfigured, match="CONN_MAX_AGE must be a whole number"):
        envint("CONN_MAX_AGE", 0)


def test_numbers_and_booleans_are_read(monkeypatch):
    monkeypatch.setenv("CONN_MAX_AGE", " 60 ")
    monkeypatch.setenv("SECURE_COOKIES", "yes")
    assert envint("CONN_MAX_AGE", 0) == 60
    assert envbool("SECURE_COOKIES", False) is True
    monkeypatch.setenv("CONN_MAX_AGE", "")
    assert envint("CONN_MAX_AGE", 7) == 7


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=ROOT,
    )


def test_manage_py_says_which_setting_is_wrong_without_a_traceback():
    result = _manage("check", CONN_MAX_AGE="abc", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "error: CONN_MAX_AGE must be a whole number, not 'abc'" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_a_secret_key_it_refuses_to_start_unless_debug_is_on():
    refused = _manage("check")
    assert refused.returncode != 0
    assert "error: SECRET_KEY must be set when DEBUG is off" in refused.stderr
    assert _manage("check", DEBUG="true").returncode == 0


def settings_in_a_fresh_process(**env: str) -> list[str]:
    """Return ALLOWED_HOSTS and SECURE_PROXY_SSL_HEADER as a process with `env` reads them."""
    code = (
        "from workbench import settings as s; "
        "print(repr(s.ALLOWED_HOSTS)); print(repr(s.SECURE_PROXY_SSL_HEADER))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x" * 50, **env},
        cwd=ROOT,
        check=True,
    )
    return result.stdout.splitlines()


def test_by_default_no_test_host_is_allowed_and_no_proxy_is_trusted():
    assert settings_in_a_fresh_process() == ["['127.0.0.1', 'localhost']", "None"]


def test_a_deployment_behind_a_proxy_names_the_header_that_says_https():
    lines = settings_in_a_fresh_process(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO, https")

    assert lines[1] == "('HTTP_X_FORWARDED_PROTO', 'https')"


@pytest.mark.parametrize("value", ["HTTP_X_FORWARDED_PROTO", "a,b,c", "HTTP_X_FORWARDED_PROTO,"])
def test_a_proxy_header_that_is_not_two_values_is_refused_by_name(monkeypatch, value):
    monkeypatch.setenv("SECURE_PROXY_SSL_HEADER", value)
    with pytest.raises(ImproperlyConfigured, match="SECURE_PROXY_SSL_HEADER must be two values"):
        envpair("SECURE_PROXY_SSL_HEADER")
