"""Wikipedia article HTML: the page saved from a browser, or Parsoid's HTML (REST page/html).

`parse_wikipedia_html(data, name)` reads either kind with lxml and returns a ParsedDocument:

- The body is `#mw-content-text .mw-parser-output` (or `#mw-content-text` on pages saved
  before 2017, or the first `.mw-parser-output`: Parsoid's `<body>`, an action=parse fragment).
- Every paragraph (`p`) and every prose list item (one with a footnote marker, or at least
  PROSE_WORDS words) is split into sentences by `sentences.split_sentences`; each sentence is a
  claim. `line` is the sentence's ordinal in the document (1, 2, 3, …), unique per document:
  an HTML file has no meaningful line numbers. `section` is the heading path above it.
- Footnote markers are `sup` elements linking to `#cite_note-…` (desktop `sup.reference`,
  Parsoid `sup.mw-ref`). Their label is printed text without brackets ("12"); a label that is
  not a number ("a", "note 1") is an explanatory note: it goes to `ParsedClaim.notes` and its
  text to `ParsedDocument.notes`. Parsoid's CSS-styled groups ("[lower-alpha 1]") get the label
  the reader sees ("a"). A `{{rp}}` superscript right after a marker (":34") is its page.
- Inline cleanup templates (`sup.noprint.Inline-Template`: "[citation needed]", …) become tags
  named as in `seed.CLEANUP_TAGS` (other ones keep their printed words) and leave the text.
- Each cited reference-list entry becomes a ParsedSource keyed by the label: COinS metadata
  (`span.Z3988`) first, then the `cite` element and the printed text, then Parsoid's `data-mw`
  template parameters. A short citation (`Smith 2020, p. 34.` linking to `#CITEREF…`) takes the
  details of the bibliography entry it links to and keeps its own page.
- Left out: edit links, TOC, tables (infoboxes, navboxes, data tables), sidebars, hatnotes,
  figures, styles and scripts, hidden elements, coordinates, reference lists, and the sections
  named in END_SECTIONS with their subsections.
"""

import datetime
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

import lxml.etree
import lxml.html

from claims.formats.base import (
    TRAILING,
    FormatError,
    ParsedClaim,
    ParsedDocument,
    ParsedSource,
)
from claims.formats.seed import CLEANUP_TAGS, decode_seed
from claims.formats.sentences import MARK, split_sentences

#: Sections that hold no claims of the article (matched case-insensitively), with subsections.
END_SECTIONS = frozenset(
    {
        "references",
        "notes",
        "sources",
        "bibliography",
        "external links",
        "further reading",
        "see also",
        "citations",
        "footnotes",
        "works cited",
        "notes and references",
        "references and notes",
        "explanatory notes",
        "general references",
        "cited sources",
    }
)
#: A list item without a footnote marker is a claim from this many words: shorter items are
#: the names of things (a list of products, of works), not statements.
PROSE_WORDS = 6


def _class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Furniture removed from the whole page before anything is read: what a reader never sees.
_HIDDEN_TAGS = frozenset({"style", "script", "noscript"})
_HIDDEN_CLASSES = frozenset({"mw-editsection", "cs1-maint", "citation-comment", "mw-cite-backlink"})
# Furniture removed from the article body: none of it holds the article's own sentences.
_FURNITURE_TAGS = frozenset({"table", "figure", "link", "meta", "img"})
_FURNITURE_IDS = frozenset({"toc", "coordinates", "siteSub", "contentSub", "jump-to-nav"})
_FURNITURE_ROLES = frozenset({"navigation", "note"})
_FURNITURE_CLASSES = frozenset(
    {
        "toc",
        "navbox",
        "vertical-navbox",
        "sidebar",
        "hatnote",
        "dablink",
        "rellink",
        "metadata",
        "ambox",
        "infobox",
        "thumb",
        "gallery",
        "references",
        "mw-references",
        "mw-references-wrap",
        "reflist",
        "refbegin",
        "catlinks",
        "printfooter",
        "portal",
        "portalbox",
        "sistersitebox",
        "side-box",
        "shortdescription",
        "mw-empty-elt",
        "mw-ext-cite-error",
    }
)


def _hidden(element: lxml.html.HtmlElement) -> bool:
    if element.tag in _HIDDEN_TAGS or element.get("rel") == "mw:referencedBy":
        return True
    if "display:none" in (element.get("style") or "").replace(" ", ""):
        return True
    return not _HIDDEN_CLASSES.isdisjoint((element.get("class") or "").split())


def _furniture(element: lxml.html.HtmlElement) -> bool:
    if element.tag in _FURNITURE_TAGS or element.get("id") in _FURNITURE_IDS:
        return True
    if element.get("role") in _FURNITURE_ROLES:
        return True
    classes = (element.get("class") or "").split()
    # Print-less blocks go, but not the `sup` cleanup tags, which are read as tags.
    return not _FURNITURE_CLASSES.isdisjoint(classes) or (
        "noprint" in classes and element.tag != "sup"
    )


def _drop(root: lxml.html.HtmlElement, unwanted) -> None:
    """Remove the elements `unwanted` picks from under `root`, keeping their tails."""
    for element in [e for e in root.iterdescendants() if isinstance(e.tag, str) and unwanted(e)]:
        element.drop_tree()


_CONTENT = [
    f"//*[@id='mw-content-text']//*[{_class('mw-parser-output')}]",
    "//*[@id='mw-content-text']",
    f"//*[{_class('mw-parser-output')}]",
]
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SPACES = re.compile(r"\s+")
_HTML_START = re.compile(
    r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|div|section|p)\b",
    re.IGNORECASE | re.DOTALL,
)
_ARCHIVE_HOSTS = (
    "web.archive.org",
    "wayback.archive.org",
    "archive.today",
    "archive.is",
    "archive.ph",
    "archive.li",
    "archive.md",
    "webcitation.org",
    "www.webcitation.org",
    "wayback.archive-it.org",
    "archive.wikiwix.com",
    "webarchive.nla.gov.au",
    "www.webarchive.org.uk",
    "webarchive.loc.gov",
    "ghostarchive.org",
)
# Links a citation prints for its identifiers, not for the work itself.
_IDENTIFIER_HOSTS = (
    "doi.org",
    "dx.doi.org",
    "www.worldcat.org",
    "worldcat.org",
    "search.worldcat.org",
    "pubmed.ncbi.nlm.nih.gov",
    "www.ncbi.nlm.nih.gov",
    "www.jstor.org",
    "ui.adsabs.harvard.edu",
    "adsabs.harvard.edu",
    "api.semanticscholar.org",
    "hdl.handle.net",
    "arxiv.org",
    "www.osti.gov",
    "zbmath.org",
    "mathscinet.ams.org",
    "www.wikidata.org",
)
_STYLED_GROUPS = re.compile(r"(lower-alpha|upper-alpha|lower-roman|upper-roman|lower-greek) (\d+)")
_GREEK = "αβγδεζηθικλμνξοπρστυφχψω"
_ROMAN = [
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
]

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
# A date with day, month and year, as citations print it: 2016-05-01, 1 May 2016, May 1, 2016.
_DATE = (
    r"(?:\d{4}-\d{2}-\d{2}"
    rf"|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}})"
)
_DATE_RE = re.compile(_DATE, re.IGNORECASE)
_RETRIEVED = re.compile(rf"(?:Retrieved|Accessed)(?:\s+on)?\s+({_DATE})", re.IGNORECASE)
_ARCHIVED = re.compile(rf"Archived(?:\s+from\s+the\s+original)?\s+on\s+({_DATE})", re.IGNORECASE)
_PAGES = re.compile(r"\b(?:pp?|pages?)\.?\s*(\d+(?:\s*[–—-]\s*\d+)?)\b")
_ISBN = re.compile(r"ISBN\s*((?:97[89][\s-]?)?(?:\d[\s-]?){9}[\dXx])")
_DOI = re.compile(r"\bdoi:\s*(10\.\d{4,9}/\S+?)[.,;]?(?:\s|$)", re.IGNORECASE)
_TITLE_SUFFIX = re.compile(r"\s+[-–—]\s+Wikipedia\b.*\Z", re.DOTALL)

_DASHES = re.compile(r"\s*[-‐‑‒–—―−]\s*")
#: Older names of cleanup tags, as pages printed them before the templates were renamed.
_TAG_ALIASES = {"not in citation given": "failed verification"}


def _tag_key(text: str) -> str:
    return _SPACES.sub(" ", _DASHES.sub(" – ", text.strip().lower()))


_TAGS_BY_KEY = {_tag_key(tag): tag for tag in CLEANUP_TAGS} | {
    _tag_key(old): new for old, new in _TAG_ALIASES.items()
}


def looks_like_html(text: str) -> bool:
    """Return whether `text` is an HTML page or fragment (it opens with an HTML tag)."""
    return bool(_HTML_START.match(text.removeprefix("\ufeff")))


@dataclass
class _Mark:
    """One annotation in a paragraph: a citation, a note or a cleanup tag."""

    kind: str  # "cite", "note" or "tag"
    value: str  # the label, or the tag's name
    note_id: str = ""  # the reference-list entry a citation or note links to
    page: str = ""

    def token(self) -> str:
        """Return the marker as the article prints it: "[12]", "[12]:34", "[citation needed]"."""
        return f"[{self.value}]" + (f":{self.page}" if self.page else "")


@dataclass
class _Paragraph:
    """A paragraph's text with MARK standing for each annotation, in order."""

    text: str = ""
    marks: list[_Mark] = field(default_factory=list)
    # Whether nothing but white space was written since the last mark (where `{{rp}}` sits).
    after_mark: bool = False

    def write(self, text: str | None) -> None:
        if text:
            self.text += text
            if text.strip():
                self.after_mark = False

    def mark(self, mark: _Mark) -> None:
        self.text += MARK
        self.marks.append(mark)
        self.after_mark = True


def parse_wikipedia_html(data: bytes, name: str) -> ParsedDocument:
    """Parse a Wikipedia article page (desktop, mobile or Parsoid HTML) into claims and sources.

    Raise FormatError for a file that is empty, not UTF-8, not HTML, or has no article text.
    """
    text = decode_seed(data, name)
    if not looks_like_html(text):
        raise FormatError(name, "not an HTML page (it does not start with an HTML tag)")
    try:
        page = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise FormatError(name, f"cannot read the HTML ({exc})") from None
    body = _content_root(page)
    if body is None:
        raise FormatError(name, "no article body (no #mw-content-text or .mw-parser-output)")

    title, origin_url, revised_on = _page_facts(page)
    # Formulas first: their MathML is in a hidden span that the next step removes.
    for math in body.xpath(f".//*[{_class('mwe-math-element')}]"):
        _replace_math(math)
    _drop(page, _hidden)
    entries = {li.get("id"): li for li in page.xpath("//li[starts-with(@id, 'cite_note')]")}
    bibliography = {el.get("id"): el for el in page.xpath("//*[starts-with(@id, 'CITEREF')]")}
    _drop(body, _furniture)

    language = (body.get("lang") or page.get("lang") or "en").split("-")[0]
    claims: list[ParsedClaim] = []
    used: dict[str, _Mark] = {}  # label -> first mark with it
    for section, paragraph in _paragraphs(body):
        for claim in _claims(paragraph, section, language, claims):
            claims.append(claim)
        for mark in paragraph.marks:
            if mark.kind != "tag":
                used.setdefault(mark.value, mark)
    if not claims:
        raise FormatError(name, "no article text found (no paragraphs in the page body)")

    document = ParsedDocument(
        claims=claims,
        line_count=text.count("\n") + 1,
        sha256=hashlib.sha256(data).hexdigest(),
        title=title,
        origin_url=origin_url,
        revised_on=revised_on,
    )
    for label, mark in used.items():
        entry = entries.get(mark.note_id)
        if entry is None:
            document.warnings.append(f"footnote [{label}] has no entry in the reference list")
            continue
        if mark.kind == "note":
            document.notes[label] = _plain(_reference_text(entry), drop_marks=True)
        else:
            document.sources[label] = _source(label, entry, bibliography)
    return document


def _content_root(page: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    for path in _CONTENT:
        found = page.xpath(path)
        if found:
            return found[0]
    return None


def _page_facts(page: lxml.html.HtmlElement) -> tuple[str, str, datetime.date | None]:
    """Return the title, address and last-revision date the page states about itself."""
    title = ""
    for path in ("//h1[@id='firstHeading']", "//title"):
        found = page.xpath(path)
        if found:
            title = _TITLE_SUFFIX.sub("", _clean_space(found[0].text_content()))
            if title:
                break
    url = ""
    for path in ("//link[@rel='canonical']/@href", "//link[@rel='dc:isVersionOf']/@href"):
        found = page.xpath(path)
        if found:
            url = _absolute(found[0])
            break
    revised = None
    found = page.xpath("//*[@id='footer-info-lastmod']")
    if found:
        revised = _find_date(found[0].text_content())
    modified = page.xpath("//meta[@property='dc:modified']/@content")
    if revised is None and modified:
        revised = _parse_iso(modified[0][:10])
    return title, url, revised


def _absolute(url: str) -> str:
    return "https:" + url if url.startswith("//") else url


def _replace_math(element: lxml.html.HtmlElement) -> None:
    """Put a formula's TeX source in place of its MathML and fallback image."""
    alt = element.xpath(".//math/@alttext | .//img/@alt")
    tex = alt[0] if alt else ""
    tex = re.sub(r"\A\{\\displaystyle\s*(.*)\}\Z", r"\1", tex.strip(), flags=re.DOTALL)
    tail = element.tail
    parent = element.getparent()
    replacement = lxml.html.Element("span")
    replacement.text = tex
    replacement.tail = tail
    parent.replace(element, replacement)


def _paragraphs(body: lxml.html.HtmlElement) -> Iterator[tuple[list[str], _Paragraph]]:
    """Yield (heading path, paragraph) for the claims-bearing blocks of the body, in order."""
    path: list[tuple[int, str]] = []
    skip_below: int | None = None  # level of the end section being skipped
    for kind, element in _blocks(body):
        if kind == "heading":
            level = _HEADINGS[element.tag]
            heading = _clean_space(element.text_content())
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, heading))
            if skip_below is not None and level <= skip_below:
                skip_below = None
            if skip_below is None and heading.lower() in END_SECTIONS:
                skip_below = level
            continue
        if skip_below is not None:
            continue
        paragraph = _Paragraph()
        _render(element, paragraph, top=True)
        if kind == "item" and not _is_prose(paragraph):
            continue
        if paragraph.text.replace(MARK, "").strip():
            yield [heading for _, heading in path], paragraph


def _blocks(element: lxml.html.HtmlElement) -> Iterator[tuple[str, lxml.html.HtmlElement]]:
    """Yield ("heading"|"paragraph"|"item", element) in document order."""
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions
        if child.tag in _HEADINGS:
            yield "heading", child
        elif child.tag == "p":
            yield "paragraph", child
        elif child.tag in ("ul", "ol"):
            yield from _items(child)
        else:
            yield from _blocks(child)


def _items(listing: lxml.html.HtmlElement) -> Iterator[tuple[str, lxml.html.HtmlElement]]:
    """Yield the items of a list, each followed by the items of the lists nested in it."""
    for item in listing:
        if isinstance(item.tag, str) and item.tag == "li":
            yield "item", item
            for nested in item.xpath("./ul | ./ol"):
                yield from _items(nested)


def _is_prose(paragraph: _Paragraph) -> bool:
    if any(mark.kind in ("cite", "note") for mark in paragraph.marks):
        return True
    return len(paragraph.text.replace(MARK, " ").split()) >= PROSE_WORDS


def _note_link(element: lxml.html.HtmlElement) -> str | None:
    """Return the reference-list id a footnote marker links to, or None for other elements."""
    if element.tag != "sup" and "mw:Extension/ref" not in (element.get("typeof") or ""):
        return None
    for link in element.iter("a"):
        fragment = (link.get("href") or "").partition("#")[2]
        if fragment.startswith("cite_note"):
            return unquote(fragment)
    return None


def _label(marker: lxml.html.HtmlElement) -> str:
    label = _clean_space(marker.text_content()).strip("[] ")
    styled = _STYLED_GROUPS.fullmatch(label)
    if styled:
        return _styled_label(styled.group(1), int(styled.group(2)))
    return label


def _styled_label(style: str, number: int) -> str:
    """Return the label a CSS list style prints for `number` (Parsoid leaves that to CSS)."""
    if style.endswith("alpha"):
        letters = ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("a") + rest) + letters
        label = letters
    elif style.endswith("roman"):
        label = ""
        for value, numeral in _ROMAN:
            while number >= value:
                label += numeral
                number -= value
    else:
        label = _GREEK[(number - 1) % len(_GREEK)]
    return label.upper() if style.startswith("upper") else label


def _tag_name(element: lxml.html.HtmlElement) -> str | None:
    """Return the cleanup tag an inline template prints, or None for other superscripts."""
    classes = (element.get("class") or "").split()
    if "Inline-Template" not in classes and "noprint" not in classes:
        return None
    printed = _clean_space(element.text_content())
    if not (printed.startswith("[") and printed.endswith("]")):
        return None
    key = _tag_key(printed[1:-1])
    return _TAGS_BY_KEY.get(key, key)


def _render(element: lxml.html.HtmlElement, out: _Paragraph, top: bool = False) -> None:
    """Write the text of `element` to `out`, footnote markers and cleanup tags as marks."""
    if not top:
        note = _note_link(element)
        if note is not None:
            label = _label(element)
            kind = "cite" if label.isdigit() else "note"
            out.mark(_Mark(kind, label, note_id=note))
            return
        if element.tag == "sup":
            tag = _tag_name(element)
            if tag is not None:
                out.mark(_Mark("tag", tag))
                return
            printed = _clean_space(element.text_content())
            last = out.marks[-1] if out.marks else None
            if printed.startswith(":") and out.after_mark and last is not None:
                # {{rp}}: the page of the footnote just before (kept for citations only)
                if last.kind == "cite":
                    last.page = printed[1:].replace("\u200a", "").strip()
                return
        if element.tag == "br":
            out.write(" ")
    out.write(element.text)
    for child in element:
        if isinstance(child.tag, str) and not (top and child.tag in ("ul", "ol", "dl")):
            _render(child, out)
        out.write(child.tail)


def _claims(
    paragraph: _Paragraph, section: list[str], language: str, before: list[ParsedClaim]
) -> list[ParsedClaim]:
    """Return the claims of one paragraph; annotations with no sentence join the claim before."""
    claims: list[ParsedClaim] = []
    cursor = 0
    offsets = [i for i, char in enumerate(paragraph.text) if char == MARK]
    for sentence in split_sentences(paragraph.text, language):
        marks = [paragraph.marks[index] for index, _ in sentence.marks]
        if not any(char.isalnum() for char in sentence.text):
            previous = claims[-1] if claims else (before[-1] if before else None)
            if previous is not None:
                _annotate(previous, marks, [TRAILING] * len(marks))
                previous.raw += "".join(mark.token() for mark in marks)
            continue
        span = _locate(sentence.text, paragraph.text, cursor)
        if span is None:
            raw = sentence.text + "".join(mark.token() for mark in marks)
        else:
            start, cursor = span
            raw = _raw(paragraph, sentence.marks, offsets, start, cursor)
        claim = ParsedClaim(line=len(before) + len(claims) + 1, raw=raw, text=sentence.text)
        claim.section = list(section)
        _annotate(claim, marks, [position for _, position in sentence.marks])
        claims.append(claim)
    return claims


def _annotate(claim: ParsedClaim, marks: list[_Mark], positions: list[str]) -> None:
    for mark, position in zip(marks, positions, strict=True):
        claim.add_mark(mark.kind, mark.value, position, mark.page)


def _locate(text: str, paragraph: str, start: int) -> tuple[int, int] | None:
    """Return where the sentence `text` lies in `paragraph` (with its marks), from `start`.

    `clean` turned runs of white space and marks into one space and dropped the space before
    punctuation, so any such run may stand between two characters of the sentence.
    """
    if not text:
        return None
    begin = paragraph.find(text[0], start)
    while begin != -1:
        end = _match(text, paragraph, begin)
        if end is not None:
            return begin, end
        begin = paragraph.find(text[0], begin + 1)
    return None


def _match(text: str, paragraph: str, at: int) -> int | None:
    """Return the end of `text` matched in `paragraph` from `at`, gaps allowed; None if not."""
    j, size = at, len(paragraph)
    for k, char in enumerate(text):
        if char == " ":
            if j >= size or not _is_gap(paragraph[j]):
                return None
            while j < size and _is_gap(paragraph[j]):
                j += 1
            continue
        while k and j < size and _is_gap(paragraph[j]):
            j += 1
        if j >= size or paragraph[j] != char:
            return None
        j += 1
    return j


def _is_gap(char: str) -> bool:
    return char == MARK or char.isspace()


def _raw(
    paragraph: _Paragraph,
    sentence_marks: list[tuple[int, str]],
    offsets: list[int],
    start: int,
    end: int,
) -> str:
    """Render the sentence as printed, markers in place: `… in 1994[3] and later.[4][a]`."""
    inside = {i for i, offset in enumerate(offsets) if start <= offset < end}
    pieces: list[str] = []
    position = start
    for index in sorted(inside):
        pieces.append(paragraph.text[position : offsets[index]])
        pieces.append(paragraph.marks[index].token())
        position = offsets[index] + 1
    pieces.append(paragraph.text[position:end])
    # Markers after the sentence's end (after its full stop or closing quote) that it owns.
    pieces.extend(paragraph.marks[i].token() for i, _ in sentence_marks if i not in inside)
    return _clean_space("".join(pieces))


# --- sources -------------------------------------------------------------------------------


def _reference_text(entry: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    found = entry.xpath(f".//*[{_class('reference-text')} or {_class('mw-reference-text')}]")
    return found[0] if found else entry


def _plain(element: lxml.html.HtmlElement, drop_marks: bool = False) -> str:
    """Return the text of `element`, white space collapsed (footnote markers dropped if asked)."""
    if not drop_marks:
        return _clean_space(element.text_content())
    parts: list[str] = []

    def walk(node: lxml.html.HtmlElement) -> None:
        parts.append(node.text or "")
        for child in node:
            if isinstance(child.tag, str) and _note_link(child) is None:
                walk(child)
            parts.append(child.tail or "")

    walk(element)
    return _clean_space("".join(parts))


def _clean_space(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _source(
    label: str, entry: lxml.html.HtmlElement, bibliography: dict[str, lxml.html.HtmlElement]
) -> ParsedSource:
    """Describe the work behind one reference-list entry."""
    reference = _reference_text(entry)
    source = ParsedSource(label=label, text=_plain(reference, drop_marks=True))
    cite = _first(reference, ".//cite")
    details = reference
    if cite is None:
        target = _short_citation_target(reference, bibliography)
        if target is not None:
            cite, details = target, target.getparent()
            pages = _PAGES.search(source.text)
            source.pages = pages.group(1) if pages else ""
    cite_text = _clean_space(cite.text_content()) if cite is not None else source.text
    _from_coins(source, _coins(details, cite))
    _from_cite(source, cite if cite is not None else reference, cite_text)
    _from_data_mw(source, reference)
    return source


def _first(element: lxml.html.HtmlElement, path: str) -> lxml.html.HtmlElement | None:
    found = element.xpath(path)
    return found[0] if found else None


def _short_citation_target(
    reference: lxml.html.HtmlElement, bibliography: dict[str, lxml.html.HtmlElement]
) -> lxml.html.HtmlElement | None:
    """Return the bibliography entry a short citation ("Smith 2020, p. 34") links to."""
    for link in reference.iter("a"):
        fragment = unquote((link.get("href") or "").partition("#")[2])
        if fragment.startswith("CITEREF") and fragment in bibliography:
            return bibliography[fragment]
    return None


def _coins(details: lxml.html.HtmlElement, cite: lxml.html.HtmlElement | None) -> dict:
    """Return the COinS fields of the citation: the `span.Z3988` after its `cite`."""
    span = None
    if cite is not None:
        following = cite.getnext()
        if following is not None and "Z3988" in (following.get("class") or "").split():
            span = following
    if span is None:
        span = _first(details, f".//span[{_class('Z3988')}]")
    if span is None:
        return {}
    return parse_qs(span.get("title") or "")


def _from_coins(source: ParsedSource, coins: dict) -> None:
    def one(key: str) -> str:
        return _clean_space(coins[key][0]) if coins.get(key) else ""

    source.title = one("rft.atitle") or one("rft.btitle") or one("rft.title")
    source.publisher = one("rft.jtitle") or one("rft.pub")
    authors = []
    if one("rft.aulast"):
        authors.append(", ".join(filter(None, [one("rft.aulast"), one("rft.aufirst")])))
    authors.extend(_clean_space(name) for name in coins.get("rft.au", []))
    source.author = "; ".join(dict.fromkeys(filter(None, authors)))
    source.published_on = _parse_iso(one("rft.date"))
    source.isbn = one("rft.isbn")
    source.pages = source.pages or one("rft.pages")
    for identifier in coins.get("rft_id", []):
        if identifier.startswith("info:doi/"):
            source.doi = identifier.removeprefix("info:doi/")
        elif identifier.startswith(("http://", "https://", "//")) and not source.url:
            url = _absolute(identifier)
            if _is_archive(url):
                source.archive_url = source.archive_url or url
            elif _host(url) not in _IDENTIFIER_HOSTS:
                source.url = url


def _external_links(element: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return [
        link
        for link in element.iter("a")
        if (link.get("href") or "").startswith(("http://", "https://", "//"))
    ]


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _is_archive(url: str) -> bool:
    """Return whether `url` is a web archive's copy of a page (not a book scanned at archive.org)."""
    parts = urlsplit(url)
    if parts.hostname == "archive.org":
        return parts.path.startswith("/web/")
    return (parts.hostname or "") in _ARCHIVE_HOSTS


def _from_cite(source: ParsedSource, cite: lxml.html.HtmlElement, text: str) -> None:
    """Fill what COinS did not give from the citation's links and printed text."""
    links = _external_links(cite)
    for link in links:
        url = _absolute(link.get("href"))
        host = _host(url)
        if _is_archive(url):
            source.archive_url = source.archive_url or url
        elif host not in _IDENTIFIER_HOSTS and not source.url:
            source.url = url
            if not source.title:
                source.title = _clean_space(link.text_content()).strip("\"“”'")
        elif host in ("doi.org", "dx.doi.org") and not source.doi:
            source.doi = unquote(urlsplit(url).path.lstrip("/"))
    if not source.title:
        italic = _first(cite, ".//i")
        source.title = _clean_space(italic.text_content()) if italic is not None else ""
    retrieved = _RETRIEVED.search(text)
    if retrieved:
        source.accessed_on = _parse_date(retrieved.group(1))
    archived = _ARCHIVED.search(text)
    if archived:
        source.archive_date = _parse_date(archived.group(1))
    if source.published_on is None:
        rest = _ARCHIVED.sub("", _RETRIEVED.sub("", text))
        source.published_on = _find_date(rest)
    if not source.isbn:
        isbn = _ISBN.search(text)
        source.isbn = isbn.group(1) if isbn else ""
    if not source.doi:
        doi = _DOI.search(text)
        source.doi = doi.group(1) if doi else ""
    if not source.pages:
        pages = _PAGES.search(text)
        source.pages = pages.group(1) if pages else ""


_DATA_MW_FIELDS = {
    "url": "url",
    "archive-url": "archive_url",
    "archiveurl": "archive_url",
    "doi": "doi",
    "isbn": "isbn",
    "title": "title",
}
_WIKI_MARKUP = re.compile(r"\[\[|\{\{|''|<")
_DATA_MW_DATES = {
    "date": "published_on",
    "access-date": "accessed_on",
    "accessdate": "accessed_on",
    "archive-date": "archive_date",
    "archivedate": "archive_date",
}


def _from_data_mw(source: ParsedSource, reference: lxml.html.HtmlElement) -> None:
    """Fill what is still empty from Parsoid's record of the citation template's parameters."""
    for element in reference.xpath(".//*[@data-mw]"):
        try:
            data = json.loads(element.get("data-mw"))
        except ValueError:
            continue
        for part in data.get("parts", []) if isinstance(data, dict) else []:
            template = part.get("template") if isinstance(part, dict) else None
            if not template:
                continue
            target = template.get("target", {}).get("wt", "").strip().lower()
            if not target.startswith(("cite", "citation")):
                continue
            params = {
                key.strip().lower(): str(value.get("wt", "")).strip()
                for key, value in template.get("params", {}).items()
                if isinstance(value, dict)
            }
            for key, attribute in _DATA_MW_FIELDS.items():
                value = params.get(key, "")
                # Values with wiki markup are not plain text; the printed citation has them.
                if value and not getattr(source, attribute) and not _WIKI_MARKUP.search(value):
                    setattr(source, attribute, value)
            for key, attribute in _DATA_MW_DATES.items():
                if params.get(key) and getattr(source, attribute) is None:
                    setattr(source, attribute, _parse_date(params[key]))


# --- dates ---------------------------------------------------------------------------------


def _parse_iso(text: str) -> datetime.date | None:
    """Return the date of a full ISO date ("2016-05-01"), None for partial ones ("2016-05")."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _find_date(text: str) -> datetime.date | None:
    """Return the first date with day, month and year in `text`."""
    for match in _DATE_RE.finditer(text):
        date = _parse_date(match.group(0))
        if date is not None:
            return date
    return None


def _parse_date(text: str) -> datetime.date | None:
    """Return the date `text` prints (ISO, "1 May 2016" or "May 1, 2016"); None if partial."""
    text = _clean_space(text)
    iso = _parse_iso(text[:10]) if re.match(r"\d{4}-", text) else None
    if iso is not None:
        return iso
    words = re.findall(r"[A-Za-z]+|\d+", text)
    day = month = year = None
    for word in words:
        if word.isdigit():
            if len(word) == 4 and year is None:
                year = int(word)
            elif len(word) <= 2 and day is None:
                day = int(word)
        elif word.lower() in _MONTHS and month is None:
            month = _MONTHS[word.lower()]
    if None in (day, month, year):
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None
