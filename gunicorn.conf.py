"""Gunicorn's configuration for the workbench: `gunicorn -c gunicorn.conf.py workbench.wsgi`.

Every value can be changed from the environment (the names below); the defaults suit one
machine behind a proxy that ends TLS.

- Workers: 2 × cores + 1 processes (WEB_CONCURRENCY), gunicorn's own rule of thumb, each with
  GUNICORN_THREADS threads. Threaded ("gthread") workers, because a sync worker is killed when
  one request outlives `timeout`: a CSV export streamed to a slow client was cut at 30 s and
  left a valid-looking, truncated file. A gthread worker's main loop tells the arbiter it is
  alive every second whatever its threads are doing, so `timeout` only kills a worker that is
  truly stuck, and a slow download or upload runs to its end. Exports above
  WORKBENCH_EXPORT_BACKGROUND_ROWS rows do not stream at all: the background worker writes them.
- Graceful timeout: on a restart (HUP) or stop (TERM) a worker gets GUNICORN_GRACEFUL_TIMEOUT
  seconds to finish the requests it is serving.
- Access log on standard output with each request's time in milliseconds and its request id
  (X-Request-ID, workbench/logs.py): one JSON object a line, or Apache's combined format with
  LOG_FORMAT=text (the same setting, and the same default, as the application's logs).
- No `max_requests`: recycling a worker every N requests would cut the downloads it is
  serving after the graceful timeout, routinely, to guard against a leak nobody has seen.
"""

import json
import multiprocessing
import os
import time

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Longer than the proxy's idle timeout would make the proxy reuse a connection we just closed.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Who may set X-Forwarded-For/-Proto for gunicorn: the proxy on this machine, by default.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
)
# The same rule as workbench/settings.py: JSON unless asked otherwise or running the demo.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or (
    "text" if os.environ.get("DEBUG", "").lower() in ("1", "true", "yes", "on") else "json"
)


class JsonAccessLogger(Logger):
    """Gunicorn's logger, writing each access line as one JSON object (LOG_FORMAT=json).

    A format string cannot do it: a user agent or URL holding a quote would break the JSON.
    """

    def access(self, resp, req, environ, request_time) -> None:
        if LOG_FORMAT != "json":
            super().access(resp, req, environ, request_time)
            return
        if not self.cfg.accesslog:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
            + f".{int(time.time() * 1000) % 1000:03d}Z",
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": atoms["r"],
            "remote": atoms["h"],
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": int(atoms["s"]),
            "bytes": atoms["B"],
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "request_id": atoms.get("{x-request-id}o"),
            "referer": atoms["f"],
            "user_agent": atoms["a"],
        }
        self.access_log.info("%s", json.dumps(entry, ensure_ascii=False))


logger_class = JsonAccessLogger
