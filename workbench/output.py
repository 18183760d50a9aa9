"""What every management command that writes a file shares."""

import os
import sys
from collections.abc import Iterable

from django.core.management.base import CommandError


def write_lines(lines: Iterable[str], *, output: str | None, stdout) -> None:
    """Write `lines` to the file `output`, or to a command's `stdout` when it is None.

    Raises CommandError for a file that cannot be written. A reader that stops early
    (`export_fever | head`) is not an error: it has what it wanted.
    """
    if output:
        try:
            with open(output, "w", encoding="utf-8", newline="") as out:
                out.writelines(lines)
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
