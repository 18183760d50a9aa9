"""manage.py import_seeds PATH…: import documents (files, or folders of them).

The format comes from each file's extension (.txt the seed grammar, .wiki/.wikitext wikitext,
.html/.htm Wikipedia HTML) or from --format; a file that clearly is another format than the
one chosen is refused naming the right --format.

Each file is imported in its own transaction: a file that cannot be imported prints one
`error: PATH: …` line and the run goes on with the next file; the run then fails naming them.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from claims.formats import EXTENSIONS, PARSERS
from claims.formats.seed import SeedError
from claims.services import document_import
from claims.services.imports import documents_import

PROGRESS_EVERY = 10_000  # claims; shorter files print no progress


class Command(BaseCommand):
    help = (
        "Import documents (seed grammar .txt, wikitext .wiki, Wikipedia .html): every sentence "
        "a claim linked to its footnotes' sources."
    )

    def add_arguments(self, parser) -> None:
        kinds = ", ".join(sorted(EXTENSIONS))
        parser.add_argument("paths", nargs="+", help=f"files, or folders of {kinds} files")
        parser.add_argument(
            "--format",
            choices=sorted(PARSERS),
            help="read every file as this format (default: from each file's extension)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would change; change nothing"
        )

    def handle(self, *args, paths: list[str], format: str | None, dry_run: bool, **options):
        files, failed = [], []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                found = sorted(
                    p for p in path.iterdir() if p.suffix.lower() in EXTENSIONS and p.is_file()
                )
                if not found:
                    kinds = ", ".join(sorted(EXTENSIONS))
                    self._fail(failed, raw, f"{raw}: no {kinds} files in this folder")
                files.extend(found)
            elif path.is_file():
                files.append(path)
            else:
                self._fail(failed, raw, f"{raw}: no such file or folder")

        imported = 0
        for path, result in self._imports(files, format, dry_run):
            if isinstance(result, SeedError):
                self._fail(failed, str(path), result.message_for(str(path)))
            elif isinstance(result, OSError):
                self._fail(failed, str(path), f"{path}: cannot read ({result.strerror})")
            elif isinstance(result, DatabaseError):
                # The grammar's limits should keep every value within its column; should one
                # slip through, that file is rolled back and reported, and the others go on.
                text = str(result).strip()
                reason = text.splitlines()[0] if text else ""
                message = f"{path}: the database refused it ({type(result).__name__}: {reason})"
                self._fail(failed, str(path), message)
            else:
                imported += 1
                self.stdout.write(result.summary())

        if failed:
            raise CommandError(
                f"{imported} of {imported + len(failed)} imported; failed: {', '.join(failed)}"
            )
        self.stdout.write(self.style.SUCCESS(f"{imported} file(s) imported"))

    def _imports(self, files: list[Path], fmt: str | None, dry_run: bool):
        """Yield (path, report or error) per file, in order.

        A real import parses the next files in worker processes while one is written
        (documents_import); a dry run parses and plans each in turn, writing nothing.
        """
        paths = {path.name: path for path in files}
        if dry_run:
            for path in files:
                try:
                    data = path.read_bytes()
                    result = document_import(name=path.name, data=data, fmt=fmt, dry_run=True)
                except (SeedError, OSError) as exc:
                    result = exc
                yield path, result
            return
        results = documents_import(
            files=[(path.name, path) for path in files], fmt=fmt, progress=self._progress
        )
        for name, result in results:
            yield paths[name], result

    def _fail(self, failed: list[str], name: str, message: str) -> None:
        failed.append(name)
        self.stderr.write(f"error: {message}")

    def _progress(self, name: str):
        def report(stage: str, done: int, total: int) -> None:
            if total >= PROGRESS_EVERY and (done % PROGRESS_EVERY < 2000 or done == total):
                sys.stderr.write(f"{name}: {stage} {done:,}/{total:,}\n")

        return report
