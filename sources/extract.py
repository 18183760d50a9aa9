"""Turn a source's bytes (a fetched page or an uploaded file) into plain text and metadata.

`extract` takes HTML, PDF or plain text and returns an `Extracted`: the main text, the title,
author and publication date an HTML page declares (offered later to fill empty source fields),
and for a PDF where each page starts in the text, so a passage can cite "p. 12". Files that
cannot give text (unreadable, encrypted, empty, scanned without a text layer, unsupported type)
raise `ExtractError` with a message an editor can read.

The caller limits the input size (the fetcher caps downloads); this module only guards against
inputs that are small but expensive: PDFs with thousands of pages and texts of many megabytes.
"""

from __future__ import annotations

import bisect
import codecs
import dataclasses
import datetime
import io
import logging
from typing import Literal

import pypdf
import trafilatura

Kind = Literal["html", "pdf", "text"]

# Media types the workbench reads; the fetcher refuses any other.
SUPPORTED_TYPES: dict[str, Kind] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "text/plain": "text",
}

# Reading text out of a page costs about a millisecond, but a hostile or odd PDF can have
# tens of thousands; 500 pages covers reports and books a claim would cite.
MAX_PDF_PAGES = 500
# Five million characters is a long book; more is not a source a reviewer reads beside a claim.
MAX_TEXT_CHARS = 5_000_000

# Types that say nothing about the content, for which the bytes themselves are sniffed.
_UNTYPED = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}

# pypdf logs a warning for every malformed object it repairs; a background task has no reader.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class ExtractError(ValueError):
    """The bytes give no text: unreadable, encrypted, empty, or not a supported type."""


@dataclasses.dataclass(frozen=True)
class Extracted:
    """The text of a source and what its file says about itself.

    `pages` pairs the offset in `text` where a PDF page starts with its 1-based page number, in
    order, for every page read; `page_labels` holds, at the same positions, the label the PDF
    gives that page (e.g. "xii" or "345" for a journal article), which is what the printed page
    shows. `page_count` is the number of pages in the file, which is more than `len(pages)`
    when the page cap applied. `notes` say what was left out or guessed, in plain words.
    """

    text: str
    kind: Kind
    title: str = ""
    author: str = ""
    date: datetime.date | None = None
    sitename: str = ""
    encoding: str = ""
    pages: tuple[tuple[int, int], ...] = ()
    page_labels: tuple[str, ...] = ()
    page_count: int = 0
    truncated: bool = False
    notes: tuple[str, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """Return the number of the PDF page holding the character at `offset`, if a PDF."""
        index = self._page_index(offset)
        return None if index is None else self.pages[index][1]

    def page_label_at(self, offset: int) -> str | None:
        """Return the printed label of the PDF page holding the character at `offset`."""
        index = self._page_index(offset)
        return None if index is None else self.page_labels[index]

    def _page_index(self, offset: int) -> int | None:
        if not self.pages or offset < 0:
            return None
        # bisect_right so an empty page (same start as the next) never claims the character.
        return max(bisect.bisect_right([start for start, _ in self.pages], offset) - 1, 0)


def parse_content_type(value: str) -> tuple[str, str]:
    """Split a Content-Type value into its lower-case media type and charset ("" if absent)."""
    media_type, _, params = (value or "").partition(";")
    charset = ""
    for param in params.split(";"):
        name, _, param_value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = param_value.strip().strip("\"'").lower()
    return media_type.strip().lower(), charset


def extract(
    data: bytes,
    content_type: str,
    *,
    url: str = "",
    max_pages: int = MAX_PDF_PAGES,
    max_chars: int = MAX_TEXT_CHARS,
) -> Extracted:
    """Extract the text of `data`, read as `content_type` (a Content-Type header value).

    `url` helps the HTML extractor resolve metadata. A missing or generic type
    (application/octet-stream) is sniffed from the bytes, since uploads often carry one.
    Raise `ExtractError` when no text can be had.
    """
    if not data:
        raise ExtractError("The file is empty.")
    media_type, charset = parse_content_type(content_type)
    kind = SUPPORTED_TYPES.get(media_type)
    if kind is None and media_type in _UNTYPED:
        kind = _sniff(data)
    if kind is None:
        shown = media_type or "no content type"
        raise ExtractError(f"Unsupported type ({shown}): only HTML, PDF and plain text are read.")
    if kind == "html":
        result = _extract_html(data, charset, url)
    elif kind == "pdf":
        result = _extract_pdf(data, max_pages)
    else:
        result = _extract_text(data, charset)
    return _capped(result, max_chars)


def _sniff(data: bytes) -> Kind | None:
    head = data[:1024]
    # The PDF header may follow a little junk; readers look in the first kilobyte too.
    if b"%PDF-" in head:
        return "pdf"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "html"
    if _looks_binary(data):
        return None
    return "text"


def _looks_binary(data: bytes) -> bool:
    # A NUL byte in the first 8 KB is how grep and git tell binary from text; UTF-16 text has
    # NULs too but starts with a byte order mark, which is checked before this.
    return b"\x00" in data[:8192]


def _clean(text: str) -> str:
    """Normalise line ends and drop NULs, which PostgreSQL text columns cannot store."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _capped(result: Extracted, max_chars: int) -> Extracted:
    if len(result.text) <= max_chars:
        return result
    pages = tuple(page for page in result.pages if page[0] < max_chars)
    note = f"Only the first {max_chars:,} characters of {len(result.text):,} were kept."
    return dataclasses.replace(
        result,
        text=result.text[:max_chars],
        pages=pages,
        page_labels=result.page_labels[: len(pages)],
        truncated=True,
        notes=(*result.notes, note),
    )


def _known_codec(name: str) -> str:
    """Return the Python codec for a charset label, or "" if Python does not know it."""
    if not name:
        return ""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return ""
    # As in browsers (WHATWG Encoding): these labels mean Windows-1252, whose 0x80-0x9F are
    # the curly quotes and dashes that Latin-1 would turn into control characters.
    return "cp1252" if codec in {"iso8859-1", "ascii"} else codec


def _extract_html(data: bytes, charset: str, url: str) -> Extracted:
    codec = _known_codec(charset)
    # A charset in the header overrides the page's own <meta>, as in browsers; without one,
    # trafilatura reads the <meta> or guesses from the bytes.
    document: bytes | str = data.decode(codec, errors="replace") if codec else data
    try:
        doc = trafilatura.bare_extraction(
            document,
            url=url or None,
            with_metadata=True,
            include_comments=False,
            # The publication date from the page's markup, not a date guessed from its text.
            date_extraction_params={"original_date": True, "extensive_search": False},
        )
    except ValueError as exc:
        raise ExtractError("The HTML page could not be parsed.") from exc
    text = _clean(doc.text or "").strip() if doc is not None else ""
    if not text:
        raise ExtractError("The HTML page has no readable text.")
    return Extracted(
        text=text,
        kind="html",
        title=(doc.title or "").strip(),
        author=(doc.author or "").strip(),
        date=_parse_date(doc.date),
        sitename=(doc.sitename or "").strip(),
        encoding=codec,
    )


def _parse_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _extract_pdf(data: bytes, max_pages: int) -> Extracted:
    notes: list[str] = []
    # pypdf raises many exception types on damaged files (its own, KeyError, struct.error...);
    # to an editor they all mean the same thing.
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are encrypted only to restrict printing or copying, with an empty
            # password for reading; those open. Others need a password the workbench lacks.
            try:
                opened = reader.decrypt("")
            except Exception as exc:
                raise ExtractError(
                    f"The PDF is encrypted in a way that cannot be read ({exc})."
                ) from exc
            if opened == pypdf.PasswordType.NOT_DECRYPTED:
                raise ExtractError("The PDF is protected by a password.")
        page_count = len(reader.pages)
        labels = reader.page_labels
    except ExtractError:
        raise
    except Exception as exc:
        raise ExtractError(f"The PDF could not be read ({type(exc).__name__}).") from exc
    if page_count == 0:
        raise ExtractError("The PDF has no pages.")
    read = min(page_count, max_pages)
    if read < page_count:
        notes.append(f"Only the first {read:,} of {page_count:,} pages were read.")
    parts: list[str] = []
    pages: list[tuple[int, int]] = []
    unreadable: list[int] = []
    length = 0  # of "\n\n".join(parts)
    for index in range(read):
        try:
            page_text = reader.pages[index].extract_text() or ""
        except Exception:
            # One damaged page should not cost the reviewer the other pages.
            page_text = ""
            unreadable.append(index + 1)
        page_text = _clean(page_text).strip()
        # A page starts where its text starts; an empty page where the next text will, so it
        # never owns a character.
        start = length + 2 if parts else 0
        pages.append((start, index + 1))
        if page_text:
            parts.append(page_text)
            length = start + len(page_text)
    if unreadable:
        notes.append("Pages that could not be read: " + ", ".join(map(str, unreadable)) + ".")
    text = "\n\n".join(parts)
    if not text.strip():
        raise ExtractError("The PDF has no text layer (a scanned image?); it would need OCR.")
    return Extracted(
        text=text,
        kind="pdf",
        pages=tuple(pages),
        page_labels=tuple(labels[:read]),
        page_count=page_count,
        truncated=read < page_count,
        notes=tuple(notes),
    )


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _extract_text(data: bytes, charset: str) -> Extracted:
    """Decode plain text: BOM, then the declared charset, then UTF-8, then Windows-1252.

    A byte order mark is the strongest evidence and wins over a header. UTF-8 is tried strictly
    so that a legacy file is noticed; Windows-1252 is the fallback browsers use for undeclared
    Western text, and it decodes every byte, so the text is always kept, with a note.
    """
    notes: list[str] = []
    codec = next((name for bom, name in _BOMS if data.startswith(bom)), "")
    if not codec:
        if _looks_binary(data):
            raise ExtractError("The file is binary, not plain text.")
        codec = _known_codec(charset)
        if charset and not codec:
            notes.append(f"Unknown charset {charset!r} ignored.")
    if codec:
        text = data.decode(codec, errors="replace")
    else:
        try:
            codec, text = "utf-8", data.decode("utf-8")
        except UnicodeDecodeError:
            codec, text = "cp1252", data.decode("cp1252", errors="replace")
            notes.append("Not valid UTF-8 and no charset given; read as Windows-1252.")
    text = _clean(text).strip()
    if not text:
        raise ExtractError("The text file is blank.")
    return Extracted(text=text, kind="text", encoding=codec, notes=tuple(notes))
