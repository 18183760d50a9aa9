"""What every management command that writes a file shares."""

import contextlib
import os
import secrets
import sys
from collections.abc import Iterable

from django.core.management.base import CommandError


def write_atomically(path: str, lines: Iterable[str]) -> None:
    """Write `lines` to `path` through a temporary file renamed into place once complete.

    The temporary file sits beside `path` (same directory, so the rename is atomic), hidden and
    named `.NAME.XXXXXXXX.part`. An export that fails or is interrupted removes it; one that is
    killed leaves it, but never a truncated `path`, and an older `path` stays as it was. The
    file gets the permissions open() would give it (0666 less the umask). A device or pipe is
    written to directly.
    """
    if os.path.exists(path) and not os.path.isfile(path):
        # A device or a pipe (`--output /dev/stdout`) cannot be replaced: write to it.
        with open(path, "w", encoding="utf-8", newline="") as out:
            out.writelines(lines)
        return
    directory, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:
            out.writelines(lines)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_lines(lines: Iterable[str], *, output: str | None, stdout) -> None:
    """Write `lines` to the file `output` (atomically), or to a command's `stdout` when None.

    Raises CommandError for a file that cannot be written. A reader that stops early
    (`export_fever | head`) is not an error: it has what it wanted.
    """
    if output:
        try:
            write_atomically(output, lines)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from None
        return
    if stdout._out is sys.stdout:
        sys.stdout.reconfigure(encoding="utf-8", newline="")
    try:
        for line in lines:
            stdout.write(line, ending="")
        stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
