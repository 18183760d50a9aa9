"""The shipped gunicorn.conf.py: it serves the app, logs each request's time, spares slow clients.

The server runs in a subprocess on a free port against a scratch SQLite database, migrated
first, with the environment a deployment would give it.
"""

import json
import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start listening")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Yield (base URL, path of the server's output) for gunicorn running the shipped config."""
    folder = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SECRET_KEY": "gunicorn-test-" + "k" * 50,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",  # the default (2 × cores + 1) is tested below, without a server
        "GUNICORN_THREADS": "2",
        "GUNICORN_TIMEOUT": "2",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    output = folder / "gunicorn.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", str(CONFIG), "workbench.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(port, process)
            yield f"http://127.0.0.1:{port}", output
        finally:
            process.terminate()
            process.wait(timeout=40)


def test_it_serves_healthz_on_a_migrated_database(server):
    url, _ = server

    response = httpx.get(f"{url}/healthz", timeout=10)

    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and checks["migrations"] == {"ok": True, "unapplied": 0}
    assert checks["worker"]["ok"]


def test_the_access_log_is_json_with_the_request_time_and_id(server):
    url, output = server

    response = httpx.get(f"{url}/healthz", headers={"X-Request-ID": "probe-0123456789"})

    time.sleep(0.3)  # the worker writes its log line after the response
    lines = [
        json.loads(line)
        for line in output.read_text().splitlines()
        if line.startswith("{") and '"gunicorn.access"' in line
    ]
    (line,) = [e for e in lines if e["request_id"] == "probe-0123456789"]
    assert response.headers["X-Request-ID"] == "probe-0123456789"
    assert line["method"] == "GET" and line["path"] == "/healthz" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


def test_a_slow_client_is_not_cut_off_by_the_worker_timeout(server):
    """A request trickling in for twice the 2 s timeout still gets its answer.

    A sync worker, which serves a request in the process the arbiter watches, is killed
    after `timeout` and the client gets nothing: that is how long exports were truncated.
    """
    url, _ = server
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        while time.monotonic() - started < 4:
            sock.sendall(b"a")
            time.sleep(0.25)
        sock.sendall(b"\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk

    assert answer.startswith(b"HTTP/1.1 200 OK"), answer[:200]
    assert b'"status": "ok"' in answer


def test_workers_are_two_per_core_plus_one_unless_web_concurrency_says(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = runpy.run_path(str(CONFIG))

    assert config["workers"] == 2 * os.cpu_count() + 1
    assert config["worker_class"] == "gthread"
    assert config["timeout"] >= 30 and config["graceful_timeout"] >= 30

    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(CONFIG))["workers"] == 3


def test_the_access_log_follows_log_format_text(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "text")
    config = runpy.run_path(str(CONFIG))

    assert config["LOG_FORMAT"] == "text"
    assert "%(M)sms" in config["access_log_format"]
