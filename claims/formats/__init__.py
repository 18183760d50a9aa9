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


#: What each format's text looks like, to refuse a file given the wrong format.
_SIGNS: dict[str, Callable[[str], bool]] = {
    "html": wikipedia_html.looks_like_html,
    "wikitext": wikitext.looks_like_wikitext,
}
#: A format a file may look like while being another: HTML holds wikitext-like text.
_MAY_LOOK_LIKE = {"html": {"wikitext"}}


def sniff(data: bytes) -> str | None:
    """Return the format `data` clearly is (html, wikitext), or None when it says nothing."""
    text = data[:200_000].decode("utf-8", errors="replace")
    for fmt, looks_like in _SIGNS.items():
        if looks_like(text):
            return fmt
    return None


def parse_document(data: bytes, name: str, fmt: str | None = None) -> ParsedDocument:
    """Parse `data` (the file `name`) as format `fmt`, or as its extension says.

    A file that clearly is another format than the one chosen (a .txt full of `<ref>` and
    `{{cite`) is refused naming the right one: imported as plain text it would give claims
    full of markup and no sources.
    """
    fmt = fmt or format_for(name) or "seed"
    if fmt not in PARSERS:
        known = ", ".join(sorted(PARSERS))
        raise FormatError(name, f"unknown format {fmt!r} (expected one of: {known})")
    looks = sniff(data)
    if looks and looks != fmt and looks not in _MAY_LOOK_LIKE.get(fmt, set()):
        raise FormatError(
            name,
            f"this looks like {looks}, not {fmt}: import it with --format {looks} "
            f"(or choose {looks} in the import form)",
        )
    return PARSERS[fmt](data, name)
