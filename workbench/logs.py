"""Logs an operator can search: one JSON object a line, a request id, and a line per write.

- `JsonFormatter` writes a record as one JSON object (time, level, logger, message, the
  request id and anything passed in `extra`), so a log pipeline needs no parsing rules.
- `request_log` (middleware, first in MIDDLEWARE) gives every request an id: the incoming
  `X-Request-ID` when it is well-formed (a proxy's, so its logs and ours join), else a new
  one. It sends the id back in the response, stamps every log record written during the
  request with it, and logs one line per write request (method, path, status, user, id,
  duration). Reads are left to the access log: they change nothing.

`LOG_FORMAT=json|text` picks the formatter (workbench/settings.py).
"""

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

#: The request being served, for the log records written while it is (threads and async safe).
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

REQUEST_ID_HEADER = "X-Request-ID"
# Long enough for a UUID or a proxy's trace id; nothing that could forge a log field or header.
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

requests_logger = logging.getLogger("workbench.requests")

# LogRecord's own attributes: whatever else a record carries came from `extra=`.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request it was written in ("" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "") or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)

    # UTC, whatever TIME_ZONE says: log lines from several hosts sort as they happened.
    converter = time.gmtime


def request_id_for(request: HttpRequest) -> str:
    """Return the incoming X-Request-ID if it is well-formed, else a new random id."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    if WELL_FORMED_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


@receiver(request_finished)
def _forget_the_request_id(sender, **kwargs) -> None:
    # The server closes the response in the thread that served it: the request is over.
    request_id_var.set("")


@receiver(user_logged_out)
def _remember_who_signed_out(sender, request: HttpRequest | None, user, **kwargs) -> None:
    # Signing out replaces request.user before the response: keep who it was for the log line.
    if request is not None and user is not None:
        request.log_username = user.get_username()


def _username(request: HttpRequest) -> str | None:
    if getattr(request, "log_username", None):
        return request.log_username
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.get_username()
    return None


def request_log(get_response: Callable[[HttpRequest], HttpResponse]):
    """Give each request an id (sent back as X-Request-ID) and log every write request."""

    def middleware(request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        request.request_id = request_id
        # Cleared when the response is closed (below), not when this returns: Django logs a
        # 4xx after the middleware, and a streamed body is written after it too.
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        if request.method in WRITE_METHODS:
            requests_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "user": _username(request),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response

    return middleware
