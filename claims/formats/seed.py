"""The seed grammar: turn a seed document into claims, citations, tags and notes.

Pure functions, no database: `parse_seed(data, name)` returns the claims or raises SeedError.

- One claim per non-blank line; `line` is the physical line (blank lines counted; `\\r\\n`,
  `\\r` and `\\n` end a line; a leading BOM is dropped).
- `[19]` is a footnote marker; `[31][32]` two of them.
- Markers at the very start of a line, optionally after one stray closing quote, closed the
  previous sentence of the original article: they stay on this line's claim as `leading` and
  need an attribution check. The stray quote is dropped.
- Other markers are `trailing` when nothing but markers, tags or notes follows them, else `inline`.
- A line of markers only gives them to the preceding claim as `trailing`.
- Wikipedia's cleanup tags (`[citation needed]`, `[dubious – discuss]`, any dash, any case)
  move to `tags`; lettered notes `[a]` to `notes`; every other bracket (`[ru]`, `[sic]`,
  `[the mobilized men]`) is text.
"""

import hashlib
import re

from claims.formats.base import (
    INLINE,
    LEADING,
    TRAILING,
    ParsedClaim,
    ParsedDocument,
    SeedError,
)

CLEANUP_TAGS = (
    "citation needed",
    "better source needed",
    "failed verification",
    "dubious – discuss",
    "disputed – discuss",
    "unreliable source?",
    "according to whom?",
    "who?",
    "when?",
    "clarification needed",
    "verification needed",
    "original research?",
    "page needed",
    "full citation needed",
)
_DASHES = re.compile(r"\s*[-‐‑‒–—―−]\s*")
_SPACES = re.compile(r"\s+")
_BRACKET = re.compile(r"\[([^\[\]]*)\]")
_LEADING = re.compile(r"^\s*([\"”’'])?((?:\[\d+\]\s*)+)")
_MARKER = re.compile(r"\[(\d+)\]")
_LINE_END = re.compile(r"\r\n|\r|\n")
_NOTE = re.compile(r"[a-z]")


def _tag_key(text: str) -> str:
    return _SPACES.sub(" ", _DASHES.sub(" – ", text.strip().lower()))


_TAGS_BY_KEY = {_tag_key(tag): tag for tag in CLEANUP_TAGS}


def decode_seed(data: bytes, name: str) -> str:
    """Return the text of a seed file, or raise SeedError for empty, binary or non-UTF-8 data."""
    if not data.strip():
        raise SeedError(name, "the file is empty")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise SeedError(name, "binary data (NUL byte), not a text file", line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problem = (
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        )
        raise SeedError(name, problem, line) from None
    return text.removeprefix("\ufeff")


def _classify(content: str) -> tuple[str, str] | None:
    """Return ("marker"|"tag"|"note", value) for an annotation bracket, None for text."""
    if content.isdigit() and content.isascii():
        return "marker", content
    tag = _TAGS_BY_KEY.get(_tag_key(content))
    if tag:
        return "tag", tag
    if _NOTE.fullmatch(content):
        return "note", content
    return None


def parse_line(line_no: int, raw: str) -> ParsedClaim:
    """Parse one non-blank line; a claim with empty `text` is an annotations-only line."""
    claim = ParsedClaim(line=line_no, raw=raw)
    rest = raw
    leading = _LEADING.match(raw)
    if leading:
        for label in _MARKER.findall(leading.group(2)):
            claim.citations.append((label, LEADING))
        rest = raw[leading.end() :]

    pieces: list[str] = []
    pending: list[str] = []  # labels whose position depends on what follows them
    position = 0
    for match in _BRACKET.finditer(rest):
        kind = _classify(match.group(1))
        if kind is None:
            continue
        before = rest[position : match.start()]
        if before.strip():
            claim.citations.extend((label, INLINE) for label in pending)
            pending = []
        pieces.append(before)
        position = match.end()
        what, value = kind
        if what == "marker":
            pending.append(value)
        elif what == "tag":
            claim.tags.append(value)
        else:
            claim.notes.append(value)
    tail = rest[position:]
    claim.citations.extend((label, INLINE if tail.strip() else TRAILING) for label in pending)
    pieces.append(tail)
    claim.text = _SPACES.sub(" ", "".join(pieces)).strip()
    return claim


def parse_seed(data: bytes, name: str) -> ParsedDocument:
    """Parse a whole seed file into claims, or raise SeedError naming the file and line."""
    text = decode_seed(data, name)
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the final line end closes the last line, it does not open a new one
    claims: list[ParsedClaim] = []
    for line_no, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        parsed = parse_line(line_no, raw)
        if parsed.text:
            claims.append(parsed)
            continue
        # Markers (and tags, notes) only: they belong to the sentence before.
        if not claims:
            what = "footnote markers" if parsed.citations else "annotations"
            raise SeedError(name, f"{what} with no sentence before them", line_no)
        previous = claims[-1]
        previous.citations.extend((label, TRAILING) for label, _ in parsed.citations)
        previous.tags.extend(parsed.tags)
        previous.notes.extend(parsed.notes)
        previous.continuation.append(raw)
    if not claims:
        raise SeedError(name, "no sentence found (only blank lines or markers)")
    return ParsedDocument(
        claims=claims, line_count=len(lines), sha256=hashlib.sha256(data).hexdigest()
    )
