"""Import formats: each module turns the bytes of one kind of article into a ParsedDocument.

`parse_document(data, name, fmt)` picks the module; `format_for(name)` reads the format off a
file name's extension. Every format is a pure function (no database): the import service
(`claims.services.imports.document_import`) writes what it returns.
"""

from collections.abc import Callable
from pathlib import PurePath

from claims.formats import seed, wikipedia_html, wikitext
from claims.formats.base import FormatError, ParsedDocument

#: Format name -> parser. Each parser takes (data, name) and returns a ParsedDocument.
PARSERS: dict[str, Callable[[bytes, str], ParsedDocument]] = {
    "seed": seed.parse_seed,
    "html": wikipedia_html.parse_wikipedia_html,
    "wikitext": wikitext.parse_wikitext,
}
#: File extension -> format name.
EXTENSIONS: dict[str, str] = {
    ".txt": "seed",
    ".html": "html",
    ".htm": "html",
    ".wiki": "wikitext",
    ".wikitext": "wikitext",
}


def format_for(name: str) -> str | None:
    """Return the format a file name's extension implies, or None for an unknown extension."""
    return EXTENSIONS.get(PurePath(name).suffix.lower())


def parse_document(data: bytes, name: str, fmt: str | None = None) -> ParsedDocument:
    """Parse `data` (the file `name`) as format `fmt`, or as its extension says."""
    fmt = fmt or format_for(name) or "seed"
    if fmt not in PARSERS:
        known = ", ".join(sorted(PARSERS))
        raise FormatError(name, f"unknown format {fmt!r} (expected one of: {known})")
    return PARSERS[fmt](data, name)
