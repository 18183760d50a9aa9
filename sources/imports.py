"""Source details from a CSV reference list: validate the whole file, then apply it.

The file has the header `label,title,url,publisher,author,published_on,accessed_on,
archive_url,reliability` (any order, every one present, no others), optionally also
`archive_date,doi,isbn,pages`; one row per source of one document. An empty cell leaves that field as it is, so a file of labels alone changes
nothing; clear a field by editing the source instead. Every row is checked before anything is
written: a file with any bad row changes nothing and every bad row is reported with its line.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from sources.models import Document, Reliability, Source
from sources.services import source_update
from workbench.permissions import require_perm
from workbench.validators import validate_http_url

COLUMNS = ("label", *Source.EDITABLE_FIELDS)
#: Columns a file may leave out.
OPTIONAL = ("archive_date", "doi", "isbn", "pages")
#: Columns a file must have.
REQUIRED = tuple(name for name in COLUMNS if name not in OPTIONAL)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SourceFileError(ValueError):
    """A file that cannot be imported; `errors` holds every problem as (line, message)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} error(s); nothing imported")


@dataclass
class SourceRow:
    """One valid row: the source it names and the fields its non-empty cells set."""

    line: int
    source: Source
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class SourceImportReport:
    rows: int = 0
    changed: int = 0

    @property
    def unchanged(self) -> int:
        return self.rows - self.changed


def _max_length(name: str) -> int | None:
    return Source._meta.get_field(name).max_length


def _cell(name: str, text: str) -> Any:
    """Return the value of a non-empty cell of column `name`, or raise ValueError."""
    if "\x00" in text:
        # PostgreSQL text cannot hold NUL, and no reference list means one.
        raise ValueError(f"{name}: contains a NUL character (binary data?)")
    if name in ("published_on", "accessed_on", "archive_date"):
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None
    if name == "reliability":
        return Reliability.parse(text).value
    if name in ("url", "archive_url"):
        try:
            validate_http_url(text)
        except ValidationError:
            raise ValueError(f"{name}: {text!r} is not an http(s) URL") from None
    limit = _max_length(name)
    if limit is not None and len(text) > limit:
        raise ValueError(f"{name}: longer than {limit} characters")
    return text


def _records(text: str) -> list[tuple[int, list[str]]]:
    """Return the CSV records of `text` with the line each starts on (blank lines skipped)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records = []
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            raise SourceFileError([(reader.line_num, f"unreadable CSV: {exc}")]) from None
        if cells:
            records.append((start, cells))
        start = reader.line_num + 1


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceFileError(
            [(line, f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})")]
        ) from None


def sources_parse(*, document: Document, data: bytes) -> list[SourceRow]:
    """Return the rows of a source-details file for `document`, or raise SourceFileError.

    SourceFileError lists every bad row with its (1-based, physical) line: an unknown or
    repeated label, a bad date, URL or reliability, a value too long, a row with too few or
    too many cells, a header with missing or unknown columns, or bytes that are not UTF-8.
    """
    records = _records(_decode(data))
    if not records:
        raise SourceFileError([(1, f"empty file: expected the header {','.join(COLUMNS)}")])
    header_line, header = records[0]
    header = [name.strip().lower() for name in header]
    problems = []
    missing = [name for name in REQUIRED if name not in header]
    extra = [name for name in header if name not in COLUMNS]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if extra:
        problems.append(f"unknown column(s): {', '.join(repr(n) for n in extra)}")
    if repeated:
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    if problems:
        raise SourceFileError(
            [(header_line, f"bad header: {'; '.join(problems)} (expected {','.join(COLUMNS)})")]
        )

    sources = {source.label: source for source in Source.objects.filter(document=document)}
    rows: list[SourceRow] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for line, cells in records[1:]:
        if len(cells) != len(header):
            errors.append((line, f"{len(cells)} cells, expected {len(header)}"))
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        label = values.pop("label").strip("[]")
        row_errors = ["label: contains a NUL character (binary data?)"] if "\x00" in label else []
        source = sources.get(label)
        if not label:
            row_errors.append("label: empty")
        elif source is None:
            row_errors.append(f"label: no source [{label}] in {document.name}")
        elif label in seen:
            row_errors.append(f"label: [{label}] already given on line {seen[label]}")
        else:
            seen[label] = line
        changes = {}
        for name, text in values.items():
            if not text:
                continue  # an empty cell leaves the field as it is
            try:
                changes[name] = _cell(name, text)
            except ValueError as exc:
                row_errors.append(str(exc))
        if row_errors:
            errors.extend((line, message) for message in row_errors)
        else:
            rows.append(SourceRow(line=line, source=source, changes=changes))
    if errors:
        raise SourceFileError(errors)
    return rows


def sources_import(
    *, document: Document, data: bytes, actor, reason: str = ""
) -> SourceImportReport:
    """Apply a source-details file to `document`'s sources, all rows or none.

    Each change goes through `source_update` (audited, with `reason`); a row whose values are
    already there writes nothing, so importing the same file twice changes nothing the second
    time. Raises SourceFileError (nothing changed) for a bad file, PermissionDenied for a user
    who may not edit sources.
    """
    require_perm(actor, "sources.change_source", "edit sources")
    rows = sources_parse(document=document, data=data)
    report = SourceImportReport(rows=len(rows))
    with transaction.atomic():
        for row in rows:
            source = row.source
            if any(getattr(source, name) != value for name, value in row.changes.items()):
                report.changed += 1
                source_update(source=source, actor=actor, reason=reason, **row.changes)
    return report
