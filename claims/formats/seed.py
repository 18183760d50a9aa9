"""The seed grammar: turn a seed or a plain-text article into claims, citations and sources.

Pure functions, no database: `parse_seed(data, name)` returns a ParsedDocument or raises
SeedError (FormatError) naming the file and line.

Lines
- One claim per non-blank line; `line` is the physical line (blank lines counted; `\\r\\n`,
  `\\r` and `\\n` end a line; a leading BOM is dropped). A paragraph per line, as a browser
  copies an article, is one claim per paragraph: splitting it would give several claims one
  line and one fingerprint.

Footnotes
- `[19]` is a footnote marker, ASCII digits only (`[١٢]` is text); `[31][32]` two of them.
  A rendered footnote is glued to the text before it, so a bracket after white space is text:
  `Berlin (1931) [1958], p. 82` keeps `[1958]` (unless no words come before it on the line:
  `[a] [12]` is a note and a marker).
- Markers at the very start of a line, optionally after one stray closing quote, closed the
  previous sentence of the original article: they stay on this line's claim as `leading` and
  need an attribution check. The stray quote is dropped.
- Other markers are `trailing` when nothing but markers, tags or notes follows them, else `inline`.
- A page suffix belongs to the marker before it: `[12]:34`, `[12]:34–36` (any dash),
  `[12]:34, 36`, `[12]:xii`, `[12]:p. 29`. It goes to `ParsedClaim.pages` (parallel to
  `citations`, "" where none) and is removed from the text.
- A line of markers only gives them to the preceding claim as `trailing`.
- Wikipedia's cleanup tags (`[citation needed]`, `[dubious – discuss]`, any dash, any case)
  move to `tags`. Notes move to `notes`: lettered `[a]`…`[z]`, lower-case roman `[ii]`…
  `[xxxix]` (`[i]`, `[v]`, `[x]` are letters already) and named `[note 1]`, `[Note 2]`,
  `[nb 1]`, `[NB 3]` (kept as "note 1", "nb 3"). A note, like a marker, is glued to the text
  before it, and it is not followed by a letter or digit: `[i]t was` and `the [i] key` are
  text, and so is a language link after a space (`osuokhay [ru]`, `Hanoi [vi]`).
  Every other bracket (`[ru]`, `[sic]`, `[the mobilized men]`) is text.

Headings and end matter
- A line ending in `[edit]` (`History[edit]`, `***** History[edit] *****`) is a heading, and so
  is a line followed by a line that is only `[edit]` (how today's Wikipedia skin copies). A
  heading makes no claim; the claims after it get `section == [heading]`. Plain text does not
  say reliably how deep a heading is (a browser copy prints every level alike), so sections
  are one level: each heading replaces the one before.
- End matter makes no claims: the sections See also, Notes, References, Citations, Footnotes,
  Sources, Bibliography, Works cited, Further reading, External links (as headings, or the bare
  title on its own line). From the first list of footnotes (References, Notes, Citations,
  Footnotes, Sources…) to the end of the file nothing is a claim.
- Footnote entries in end matter, `^ Smith, J. (2022). "Title". Publisher. Retrieved 1 May
  2023.`, optionally numbered (`19. ^`, `19.^`) and with back-links (`^ a b c`), fill
  `sources[label]` (title, url, publisher, author, dates, archive URL where printed; `text` is
  the entry). Unnumbered entries are numbered 1, 2, 3… in order; in a Notes list followed by
  another footnote list they are lettered a, b, c… and fill `notes`.
- A browser copy's footer line `Retrieved from "https://en.wikipedia.org/…"` makes no claim
  and gives `origin_url`.

Hard-wrapped text (decision: join, not refuse)
- Text wrapped at a fixed width (a terminal's or an e-mail's copy) is detected and its lines
  are joined before parsing. Refusing would leave the user to unwrap by hand what the grammar
  can see: a wrapped line is full (the next line's first word would not have fitted on it).
- The file is hard-wrapped when its width W (the 95th percentile of line lengths, counted in
  characters and in UTF-8 bytes, since `fold` counts bytes) is between 40 and 250 characters
  and at least a quarter of its line breaks, and at least two, fall inside a sentence: the
  line is full and does not end a sentence (`.`, `?`, `!`, then closing quotes or markers)
  before a line that starts one. Only such breaks are joined, never one before a heading, a
  list item, a footnote entry or a markers-only line. So a joined claim is whole sentences,
  not part of one (bar an abbreviation like `U.S.` ending a line before a capital), and a
  line that ends a sentence keeps its own claim, its next line's leading markers included.
- A joined claim's `line` is its first physical line and its `raw` is the lines joined by one
  space (a word broken at a hyphen is joined without one). The fingerprint is taken of that
  joined text, so the same article unwrapped, or wrapped at another width, re-imports
  unchanged. `line_count` stays the physical count; a warning names the joined lines.

Limits (the file's size is the caller's business)
- A line (or a joined sentence) has at most 10,000 characters: no sentence or paragraph is
  that long, and the rest of the grammar is linear in it.
- A claim has at most 100 footnote markers, its markers-only lines included (Citation.order
  is a small integer; 100 is far above any real run: the first seed's longest is 8).
- A footnote label has at most 20 digits (Source.label is 20 characters).
- A claim has at most 20 notes, each name at most 8 characters ("note 999"), so 20 notes and
  their separators fit Claim.notes (200 characters).
- A source's title is cut to 500 characters, its publisher and author to 300; a URL longer
  than 2,000 characters is dropped (the Source columns).
Each limit broken is a FormatError naming the line, not a database error.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field

from claims.formats.base import (
    INLINE,
    LEADING,
    TRAILING,
    ParsedClaim,
    ParsedDocument,
    ParsedSource,
    SeedError,
)

MAX_LINE_CHARS = 10_000
MAX_MARKERS = 100
MAX_LABEL_CHARS = 20
MAX_NOTES = 20
MAX_TITLE_CHARS = 500
MAX_NAME_CHARS = 300  # publisher, author
MAX_URL_CHARS = 2000

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
#: Section titles of an article's end matter (compared in lower case).
END_MATTER = frozenset(
    {
        "see also",
        "notes",
        "explanatory notes",
        "references",
        "citations",
        "footnotes",
        "sources",
        "notes and references",
        "references and notes",
        "general and cited references",
        "cited sources",
        "bibliography",
        "works cited",
        "further reading",
        "external links",
    }
)
#: End-matter sections that hold the footnote list: nothing after one is a claim.
_FOOTNOTE_LISTS = END_MATTER - {"see also", "further reading", "external links"}

_DASH = "-‐‑‒–—―−"
_DASHES = re.compile(rf"\s*[{_DASH}]\s*")
_SPACES = re.compile(r"\s+")
_LINE_END = re.compile(r"\r\n|\r|\n")
_BRACKET = re.compile(r"\[([^\[\]]*)\]")
_LABEL = re.compile(r"[0-9]+")  # ASCII only: `\d` would take Arabic-Indic and other digits
# Lower-case roman numerals, non-empty; a page (`:xii`) or a note (`[iv]`).
_ROMAN = r"(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_PAGE = rf"(?:[0-9]+|{_ROMAN})"
_PAGE_RANGE = rf"{_PAGE}(?:\s?[{_DASH}]\s?{_PAGE})?"
# `:34`, `:34–36`, `:34, 36`, `:xii`, `:p. 29`; glued to the marker, ending at a word boundary.
_PAGE_SUFFIX = re.compile(
    rf":(?:pp?\.\s?)?(?P<pages>{_PAGE_RANGE}(?:,\s?{_PAGE_RANGE})*)(?![{_DASH}\w])"
)
_MARKER = re.compile(rf"\[(?P<label>[0-9]+)\](?:{_PAGE_SUFFIX.pattern})?")
_LEADING = re.compile(rf"^\s*(?P<quote>[\"”’'])?(?P<run>(?:{_MARKER.pattern}\s*)+)")
_LETTER_NOTE = re.compile(r"[a-z]")
_ROMAN_NOTE = re.compile(r"(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})")  # up to xxxix
_NAMED_NOTE = re.compile(r"(?i)(note|nb)\s?([0-9]{1,3})")
_EDIT = re.compile(r"\[\s*edit(?:\s*\|\s*edit source|\s+source)?\s*\]", re.I)
_EDIT_AT_END = re.compile(rf"{_EDIT.pattern}[\s*=#]*$", re.I)
_TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*(?:\[[0-9]+\])*[\"'”’»)]*$")
_SENTENCE_START = re.compile(r"^[\s\"'“‘«(\[]*[^\sa-z]")
_RETRIEVED_FROM = re.compile(r'^\s*Retrieved from ["“](?P<url>https?://[^\s"”]+)["”]\s*$')
_MARKERS_ONLY = re.compile(r"^\s*(?:\[[0-9]+\]\s*)+$")
_LIST_ITEM = re.compile(r"^\s*(?:[*•▪◦·#^↑-]|[0-9]+\.\s*\^)")


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


# --- One line -------------------------------------------------------------------------------


def _classify(content: str) -> tuple[str, str] | None:
    """Return ("marker"|"tag"|"note", value) for an annotation bracket, None for text."""
    if _LABEL.fullmatch(content):
        return "marker", content
    tag = _TAGS_BY_KEY.get(_tag_key(content))
    if tag:
        return "tag", tag
    if _LETTER_NOTE.fullmatch(content) or _ROMAN_NOTE.fullmatch(content):
        return "note", content
    named = _NAMED_NOTE.fullmatch(content)
    if named:
        return "note", f"{named.group(1).lower()} {int(named.group(2))}"
    return None


def _glued(text: str, start: int, words: str) -> bool:
    """Tell whether the bracket at `start` is glued to the text before it.

    `words` is the line's text before the bracket, annotations removed: a bracket with no
    words before it (`[a] [12]`) opens the line, and counts as glued.
    """
    return start == 0 or not text[start - 1].isspace() or not words.strip()


def _cite(claim: ParsedClaim, label: str, position: str, pages: str, name: str) -> None:
    if len(label) > MAX_LABEL_CHARS:
        problem = (
            f"footnote label [{label[:MAX_LABEL_CHARS]}…] has {len(label):,} digits "
            f"(at most {MAX_LABEL_CHARS})"
        )
        raise SeedError(name, problem, claim.line)
    claim.citations.append((label, position))
    claim.pages.append(pages)


def parse_line(line_no: int, raw: str, name: str = "") -> ParsedClaim:
    """Parse one non-blank line; a claim with empty `text` is an annotations-only line.

    Raise SeedError (naming `name` and `line_no`) for a label, marker count or note count
    over the module's limits.
    """
    claim = ParsedClaim(line=line_no, raw=raw)
    rest = raw
    leading = _LEADING.match(raw)
    if leading:
        for marker in _MARKER.finditer(leading.group("run")):
            _cite(claim, marker.group("label"), LEADING, marker.group("pages") or "", name)
        rest = raw[leading.end() :]

    pieces: list[str] = []
    pending: list[tuple[str, str]] = []  # (label, pages) whose position depends on what follows
    position = 0
    for match in _BRACKET.finditer(rest):
        if match.start() < position:
            continue
        kind = _classify(match.group(1))
        if kind is None:
            continue
        what, value = kind
        end = match.end()
        pages = ""
        before = rest[position : match.start()]
        if what in ("marker", "note") and not _glued(rest, match.start(), "".join(pieces) + before):
            continue
        if what == "note" and rest[end : end + 1].isalnum():
            continue
        if what == "marker":
            suffix = _PAGE_SUFFIX.match(rest, end)
            if suffix:
                pages, end = suffix.group("pages"), suffix.end()
        if before.strip():
            for label, marker_pages in pending:
                _cite(claim, label, INLINE, marker_pages, name)
            pending = []
        pieces.append(before)
        position = end
        if what == "marker":
            pending.append((value, pages))
        elif what == "tag":
            claim.tags.append(value)
        else:
            claim.notes.append(value)
    tail = rest[position:]
    for label, pages in pending:
        _cite(claim, label, INLINE if tail.strip() else TRAILING, pages, name)
    pieces.append(tail)
    claim.text = _SPACES.sub(" ", "".join(pieces)).strip()
    _check_counts(claim, name, line_no)
    return claim


def _check_counts(claim: ParsedClaim, name: str, line_no: int) -> None:
    """Raise SeedError at `line_no` if the claim has more markers or notes than the limits."""
    if len(claim.citations) > MAX_MARKERS:
        problem = (
            f"{len(claim.citations):,} footnote markers on one sentence (at most {MAX_MARKERS})"
        )
        raise SeedError(name, problem, line_no)
    if len(claim.notes) > MAX_NOTES:
        problem = f"{len(claim.notes):,} notes on one sentence (at most {MAX_NOTES})"
        raise SeedError(name, problem, line_no)


# --- Hard-wrapped text ----------------------------------------------------------------------


def _first_word(line: str) -> str:
    words = line.split(maxsplit=1)
    return words[0] if words else ""


def _ends_sentence(line: str, following: str) -> bool:
    """Tell whether `line` ends a sentence that `following` does not continue."""
    # The end of the line is enough, and keeps the search short on a long line.
    ending = line.rstrip()[-200:]
    return bool(_TERMINAL.search(ending)) and bool(_SENTENCE_START.match(following))


def _percentile_width(lengths: list[int]) -> int:
    lengths = sorted(lengths)
    return lengths[min(len(lengths) - 1, int(len(lengths) * 0.95))]


def _wrap_width(lines: list[str]) -> tuple[int, int] | None:
    """Return the width (in characters, in UTF-8 bytes) the text is hard-wrapped at, or None.

    Both units: a terminal or an e-mail client counts characters, `fold` counts bytes.
    """
    filled = [line.rstrip() for line in lines if line.strip()]
    if len(filled) < 3:
        return None
    width = (
        _percentile_width([len(line) for line in filled]),
        _percentile_width([len(line.encode()) for line in filled]),
    )
    if not 40 <= width[0] <= 250:
        return None
    breaks = [i for i in range(len(lines) - 1) if lines[i].strip() and lines[i + 1].strip()]
    inside = [i for i in breaks if _wraps(lines[i], lines[i + 1], width)]
    if len(inside) >= 2 and len(inside) * 4 >= len(breaks):
        return width
    return None


def _full(line: str, following: str, width: tuple[int, int]) -> bool:
    """Tell whether the next line's first word would not have fitted on `line`.

    One character of slack: `fold -s` also wants room for the space after the word.
    """
    word, line = _first_word(following), line.rstrip()
    return (
        len(line) + 1 + len(word) >= width[0]
        or len(line.encode()) + 1 + len(word.encode()) >= width[1]
    )


def _wraps(line: str, following: str, width: tuple[int, int]) -> bool:
    """Tell whether the break between `line` and `following` falls inside a sentence."""
    return (
        _full(line, following, width)
        and not _ends_sentence(line, following)
        and not _heading_title(line)
        and not _heading_title(following)
        and not _LIST_ITEM.match(following)
        and not _MARKERS_ONLY.match(following)
    )


def _join(pieces: list[str]) -> str:
    """Join the physical lines of one wrapped sentence run with single spaces."""
    text = pieces[0]
    for piece in pieces[1:]:
        # A word broken after its hyphen ("Ust-" / "Ilimsk") is one word again; a break at a
        # space leaves that space at the end of the line (fold) or drops it, never "-" alone.
        gap = "" if re.search(r"\w-$", text) else " "
        text = text.rstrip() + gap + piece.strip()
    return text


def _unwrap(
    lines: list[str],
) -> tuple[list[tuple[int, str]], tuple[int, int] | None, list[tuple[int, int]]]:
    """Return the non-blank logical lines as (first physical line, text), the width, the joins."""
    width = _wrap_width(lines)
    logical: list[tuple[int, str]] = []
    joined: list[tuple[int, int]] = []
    index = 0
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        first = index
        while (
            width
            and index + 1 < len(lines)
            and lines[index + 1].strip()
            and _wraps(lines[index], lines[index + 1], width)
        ):
            index += 1
        if index > first:
            joined.append((first + 1, index + 1))
            logical.append((first + 1, _join(lines[first : index + 1])))
        else:
            logical.append((first + 1, lines[first]))
        index += 1
    return logical, width, joined


# --- Headings and end matter ----------------------------------------------------------------


def _heading_title(line: str) -> str:
    """Return the title of a `Title[edit]` heading line, or ""."""
    match = _EDIT_AT_END.search(line)
    return line[: match.start()].strip().strip("*=#").strip() if match else ""


def _bare_end_title(line: str) -> str:
    """Return the end-matter title a line is on its own (`References`), or ""."""
    title = line.strip().rstrip(":").strip()
    return title if title.lower() in END_MATTER else ""


_ENTRY = re.compile(
    r"^\s*(?:(?P<label>[0-9]+|[a-z]{1,2})\s*[.)]\s*)?[\^↑]\s*(?:Jump up(?: to)?:?\s*)?(?P<body>.*)$"
)


@dataclass
class _FootnoteList:
    """The caret entries of one end-matter section, in order."""

    title: str
    entries: list[tuple[int, str | None, str]] = field(default_factory=list)  # line, label, body


def _strip_backlinks(body: str) -> str:
    """Drop the back-link letters of a footnote used more than once (`a b c Smith…`)."""
    words = body.split(" ")
    count = 0
    while count < len(words) and words[count] == _letters(count + 1):
        count += 1
    return " ".join(words[count:]) if count >= 2 else body


def _letters(number: int) -> str:
    """Return the lower-alpha list label of `number` (1 → a, 26 → z, 27 → aa)."""
    text = ""
    while number:
        number, digit = divmod(number - 1, 26)
        text = chr(ord("a") + digit) + text
    return text


# --- References ------------------------------------------------------------------------------

_QUOTED = re.compile(r"\"(?P<a>[^\"]+)\"|“(?P<b>[^”]+)”")
_AUTHOR_DATE = re.compile(
    r"^(?P<author>[^\"“()]{1,300}?)\s*\((?P<date>[^()]*?[0-9]{4}[^()]*?)\)[.,]?\s*"
)
_AUTHOR = re.compile(r"[^\W\d][^\d\"“”:;]{0,298}")
# Dates are short: bounded, so a long entry without a full stop is not searched again and again.
_RETRIEVED = re.compile(r"\bRetrieved (?:on )?(?P<date>[^.–]{1,40}?)\s*(?:\.|–|$)")
_ARCHIVED = re.compile(r"\bArchived from the original (?:on )?(?P<date>[^.–]{1,40}?)\s*(?:\.|–|$)")
_URL = re.compile(r"https?://[^\s<>\"“”]+[^\s<>\"“”.,;:)\]]")
_DOI = re.compile(r"\bdoi:\s?(?P<doi>10\.\S+?)[.,;]?(?=\s|$)")
_ISBN = re.compile(r"\bISBN[\s:]*(?P<isbn>[0-9Xx](?:[0-9Xx -]{8,15})[0-9Xx])")
_REF_PAGES = re.compile(rf"\bpp?\.\s?(?P<pages>{_PAGE_RANGE}(?:,\s?{_PAGE_RANGE})*)")
_ARCHIVES = ("web.archive.org", "archive.org/web", "archive.today", "archive.ph", "webcitation")
_NOT_A_PUBLISHER = re.compile(r"^(?:Archived|Retrieved|doi|ISBN|ISSN|PMID|PMC|OCLC|pp?\.|[0-9])")
# A full stop that ends a part, not an initial ("J. Smith") or an abbreviation ("p. 4", "eds.").
_FULL_STOP = re.compile(r"(?<!\b[A-Z])(?<!\bpp)(?<!\bp)(?<!\beds)(?<!\bed)(?<!\bvol)(?<!\bno)\.\s+")
_DATE_FORMATS = ("%d %B %Y", "%B %d, %Y", "%Y-%m-%d", "%d %b %Y", "%b %d, %Y", "%B %d %Y")


def _date(text: str) -> datetime.date | None:
    """Return the date `text` spells out in full, or None (a year or month alone is none)."""
    text = text.strip().rstrip(".,")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _segments(text: str) -> list[str]:
    """Split citation text at its full stops (`Title. Publisher. 2012.`), keeping initials."""
    return [s.strip() for s in _FULL_STOP.split(text) if s.strip()]


def parse_reference(label: str, entry: str) -> ParsedSource:
    """Return what a printed footnote entry says of its source (`entry` without `^`)."""
    text = _SPACES.sub(" ", entry).strip()
    source = ParsedSource(label=label, text=text)
    rest = text
    author_date = _AUTHOR_DATE.match(rest)
    if author_date and not _URL.match(rest):
        source.author = _cut(author_date.group("author").strip(" .,"), MAX_NAME_CHARS)
        source.published_on = _date(author_date.group("date"))
        rest = rest[author_date.end() :]
    quoted = _QUOTED.search(rest)
    before = rest[: quoted.start()].strip(" .,") if quoted else ""
    if quoted and before and not author_date and _AUTHOR.fullmatch(before):
        source.author, before = before, ""  # `Al-Maskari F. "Title". Work.`: no date
    if quoted and not before:
        source.title = (quoted.group("a") or quoted.group("b")).strip()
        rest = rest[quoted.end() :].lstrip(" .,").removeprefix("at ")
    elif author_date:
        segments = _segments(rest)
        if segments:
            source.title = segments[0]
            rest = rest[rest.find(segments[0]) + len(segments[0]) :].lstrip(" .,")
    segments = _segments(rest)
    if segments and not _NOT_A_PUBLISHER.match(segments[0]) and not _date(segments[0]):
        source.publisher = _cut(segments[0].rstrip("."), MAX_NAME_CHARS)
        segments = segments[1:]
    if source.published_on is None:
        source.published_on = next((d for d in map(_date, segments[:2]) if d), None)
    source.title = _cut(source.title, MAX_TITLE_CHARS)
    for url in _URL.findall(text):
        if len(url) > MAX_URL_CHARS:
            continue
        if any(archive in url for archive in _ARCHIVES):
            source.archive_url = source.archive_url or url
        else:
            source.url = source.url or url
    retrieved = _RETRIEVED.search(text)
    source.accessed_on = _date(retrieved.group("date")) if retrieved else None
    archived = _ARCHIVED.search(text)
    source.archive_date = _date(archived.group("date")) if archived else None
    doi = _DOI.search(text)
    source.doi = doi.group("doi") if doi else ""
    isbn = _ISBN.search(text)
    source.isbn = isbn.group("isbn").strip() if isbn else ""
    pages = _REF_PAGES.search(text)
    source.pages = pages.group("pages") if pages else ""
    return source


# --- The whole file -------------------------------------------------------------------------


def _ranges(joined: list[tuple[int, int]], most: int = 10) -> str:
    shown = ", ".join(f"{a}–{b}" for a, b in joined[:most])
    return shown + (f" and {len(joined) - most} more" if len(joined) > most else "")


def parse_seed(data: bytes, name: str) -> ParsedDocument:
    """Parse a whole seed file into claims and sources, or raise SeedError naming file and line."""
    text = decode_seed(data, name)
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the final line end closes the last line, it does not open a new one
    for line_no, raw in enumerate(lines, start=1):
        if len(raw) > MAX_LINE_CHARS:
            problem = (
                f"the line has {len(raw):,} characters (at most {MAX_LINE_CHARS:,}); "
                "put one sentence or paragraph on a line"
            )
            raise SeedError(name, problem, line_no)
    logical, width, joined = _unwrap(lines)
    warnings: list[str] = []
    if joined:
        warnings.append(
            f"hard-wrapped text (about {width[0]} characters a line): joined lines "
            f"{_ranges(joined)} into one claim each"
        )

    claims: list[ParsedClaim] = []
    lists: list[_FootnoteList] = []
    section: list[str] = []
    end_matter: str | None = None  # the end-matter section we are in, if any
    after_footnotes = False
    skip_next = False
    origin_url = ""
    for index, (line_no, raw) in enumerate(logical):
        if skip_next:
            skip_next = False
            continue
        if _EDIT.fullmatch(raw.strip()):
            continue  # an edit link whose heading came before it
        if len(raw) > MAX_LINE_CHARS:
            problem = (
                f"the sentence joined from hard-wrapped lines has {len(raw):,} characters "
                f"(at most {MAX_LINE_CHARS:,})"
            )
            raise SeedError(name, problem, line_no)
        following = logical[index + 1][1] if index + 1 < len(logical) else ""
        title = _heading_title(raw) or _bare_end_title(raw)
        if not title and _EDIT.fullmatch(following.strip()):
            title, skip_next = raw.strip(), True
        if title:
            section = [title]
            key = title.lower()
            if key in END_MATTER:
                end_matter = key
                lists.append(_FootnoteList(title))
                if key in _FOOTNOTE_LISTS and not after_footnotes:
                    after_footnotes = True
                    warnings.append(
                        f"line {line_no}: {title!r} starts the article's end matter; "
                        "the lines after it are read as footnotes, not claims"
                    )
            elif not after_footnotes:
                end_matter = None
            continue
        retrieved_from = _RETRIEVED_FROM.match(raw)
        if retrieved_from:
            origin_url = retrieved_from.group("url")  # the footer of a browser's copy
            continue
        if end_matter or after_footnotes:
            entry = _ENTRY.match(raw)
            if entry and lists:
                lists[-1].entries.append((line_no, entry.group("label"), entry.group("body")))
            continue
        parsed = parse_line(line_no, raw, name)
        parsed.section = list(section)
        if parsed.text:
            claims.append(parsed)
            continue
        # Markers (and tags, notes) only: they belong to the sentence before.
        if not claims:
            what = "footnote markers" if parsed.citations else "annotations"
            raise SeedError(name, f"{what} with no sentence before them", line_no)
        previous = claims[-1]
        previous.citations.extend((label, TRAILING) for label, _ in parsed.citations)
        previous.pages.extend(parsed.pages)
        previous.tags.extend(parsed.tags)
        previous.notes.extend(parsed.notes)
        previous.continuation.append(raw)
        _check_counts(previous, name, line_no)  # the markers-only line that went over
    if not claims:
        raise SeedError(name, "no sentence found (only blank lines, headings or markers)")
    sources, notes = _footnotes(lists, name)
    cited = {label for claim in claims for label, _ in claim.citations}
    missing = sorted(cited - set(sources), key=lambda label: (len(label), label))
    if sources and missing:
        warnings.append(
            f"{len(missing)} footnote(s) cited in the text have no entry in the footnote list: "
            + ", ".join(missing[:20])
            + (" …" if len(missing) > 20 else "")
        )
    return ParsedDocument(
        claims=claims,
        line_count=len(lines),
        sha256=hashlib.sha256(data).hexdigest(),
        sources=sources,
        notes=notes,
        origin_url=origin_url[:MAX_URL_CHARS],
        warnings=warnings,
    )


def _footnotes(
    lists: list[_FootnoteList], name: str
) -> tuple[dict[str, ParsedSource], dict[str, str]]:
    """Return the sources (by number) and notes (by letter) the footnote lists describe."""
    filled = [footnotes for footnotes in lists if footnotes.entries]
    sources: dict[str, ParsedSource] = {}
    notes: dict[str, str] = {}
    for position, footnotes in enumerate(filled):
        # Wikipedia letters {{efn}} notes a, b, c; a copy loses the letters. A Notes list
        # ahead of another footnote list is that lettered list.
        lettered = position < len(filled) - 1 and "note" in footnotes.title.lower()
        for counter, (line_no, printed, body) in enumerate(footnotes.entries, start=1):
            label = printed or (_letters(counter) if lettered else str(counter))
            body = _strip_backlinks(body.strip())
            if _LABEL.fullmatch(label):
                if len(label) > MAX_LABEL_CHARS:
                    problem = f"footnote number {label[:MAX_LABEL_CHARS]}… is too long"
                    raise SeedError(name, problem, line_no)
                sources.setdefault(label, parse_reference(label, body))
            else:
                notes.setdefault(label, _SPACES.sub(" ", body).strip())
    return sources, notes
