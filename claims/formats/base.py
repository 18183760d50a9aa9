"""What every import format returns: a parsed document, its claims and its sources.

A format is a pure function `parse(data: bytes, name: str) -> ParsedDocument` (no database);
`claims.services.imports.document_import` writes what it returns. A format that cannot read a
file raises FormatError naming the file and, where it can, the line.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from functools import cached_property

LEADING, INLINE, TRAILING = "leading", "inline", "trailing"


class FormatError(ValueError):
    """A file that cannot be imported; the message names the file and line."""

    def __init__(self, name: str, problem: str, line: int | None = None) -> None:
        self.name, self.problem, self.line = name, problem, line
        super().__init__(self.message_for(name))

    def message_for(self, name: str) -> str:
        """Return the message naming the file as `name` (a path, where the caller knows it)."""
        where = f"{name}: line {self.line}" if self.line else name
        return f"{where}: {self.problem}"


#: The name the seed grammar has always used for its errors.
SeedError = FormatError


@dataclass
class ParsedClaim:
    """One sentence: its clean text, its footnotes in printed order, tags and notes."""

    line: int
    raw: str
    text: str = ""
    citations: list[tuple[str, str]] = field(default_factory=list)  # (label, position)
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Raw markers-only lines that gave this claim their markers: part of its identity.
    continuation: list[str] = field(default_factory=list)
    #: The page(s) each citation points at ("34", "34–36"), parallel to `citations`; "" if none.
    pages: list[str] = field(default_factory=list)
    #: The headings above the sentence, outermost first ("History", "2022").
    section: list[str] = field(default_factory=list)

    @cached_property
    def fingerprint(self) -> str:
        block = "\n".join([self.raw, *self.continuation])
        return hashlib.sha256(block.encode()).hexdigest()

    def add_mark(self, kind: str, value: str, position: str, page: str = "") -> None:
        """Add one marker of the sentence: a footnote ("cite", with its page), a lettered
        note ("note") or a cleanup tag (anything else)."""
        if kind == "cite":
            self.citations.append((value, position))
            self.pages.append(page)
        elif kind == "note":
            self.notes.append(value)
        else:
            self.tags.append(value)

    def page_of(self, index: int) -> str:
        """Return the page of citation `index` ("" when the text gave none)."""
        return self.pages[index] if index < len(self.pages) else ""


@dataclass
class ParsedSource:
    """What the article says of the work behind one footnote label (empty where it says nothing)."""

    label: str
    title: str = ""
    url: str = ""
    publisher: str = ""  # publisher, work, website or newspaper
    author: str = ""  # authors as printed, "; "-joined
    published_on: datetime.date | None = None
    accessed_on: datetime.date | None = None
    archive_url: str = ""
    archive_date: datetime.date | None = None
    doi: str = ""
    isbn: str = ""
    pages: str = ""
    #: The reference as the article prints it, markup removed ("Smith, J. (2022). Title…").
    text: str = ""


@dataclass
class ParsedDocument:
    """A whole article: its claims in order, the sources it describes, and where it came from."""

    claims: list[ParsedClaim]
    line_count: int
    sha256: str
    #: Sources by label, for the labels the article describes (a bare seed describes none).
    sources: dict[str, ParsedSource] = field(default_factory=dict)
    #: Lettered notes' text by letter ({{efn}}, a plain-text Notes list), where the format has it.
    notes: dict[str, str] = field(default_factory=dict)
    title: str = ""
    origin_url: str = ""
    #: When the article was written or last revised, where the file says.
    revised_on: datetime.date | None = None
    #: What the import should tell the user but that does not stop it.
    warnings: list[str] = field(default_factory=list)


#: The name the seed grammar has always used for its result.
ParsedSeed = ParsedDocument
