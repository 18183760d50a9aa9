"""Files held between an import's dry run and its confirmation (the web import's two steps).

The editor sees what an import would do before anything changes; the bytes they uploaded wait
here, named by their SHA-256 and the editor's id, so the confirmation imports exactly what the
dry run read and nobody else's file. Held files older than a day are removed.
"""

import hashlib
import tempfile
import time
from pathlib import Path

from django.conf import settings

MAX_AGE = 24 * 3600


def _folder() -> Path:
    folder = Path(getattr(settings, "WORKBENCH_PENDING_DIR", "") or tempfile.gettempdir())
    folder = folder / "workbench-pending-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(user_id: int, token: str) -> Path:
    return _folder() / f"{int(user_id)}-{token}"


def hold(user_id: int, data: bytes) -> str:
    """Keep `data` for `user_id`; return its token (the SHA-256 of the bytes)."""
    now = time.time()
    for old in _folder().iterdir():
        if now - old.stat().st_mtime > MAX_AGE:
            old.unlink(missing_ok=True)
    token = hashlib.sha256(data).hexdigest()
    _path(user_id, token).write_bytes(data)
    return token


def take(user_id: int, token: str) -> bytes | None:
    """Return the bytes held for `user_id` under `token` (None if gone), and forget them."""
    path = _path(user_id, token)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    path.unlink(missing_ok=True)
    return data if hashlib.sha256(data).hexdigest() == token else None


def peek(user_id: int, token: str) -> bytes | None:
    """Return the bytes held for `user_id` under `token` without forgetting them."""
    try:
        return _path(user_id, token).read_bytes()
    except OSError:
        return None
