"""The wikitext format: a Wikipedia article's source, as its edit box shows it.

`parse_wikitext(data, name)` reads the article with mwparserfromhell and returns the claims the
rendered page shows, with the footnotes numbered as the rendered page numbers them.

- Claims are the sentences of the article's paragraphs, list items and quotations, split by
  `claims.formats.sentences.split_sentences`. Headings, infoboxes, navboxes, sidebars, tables,
  images, categories, hatnotes, comments and reference lists are not claims; nor is anything in
  the sections References, Notes, Sources, Bibliography, External links, Further reading, See
  also (and their usual variants).
- `line` is the sentence's ordinal in the document (1, 2, 3 …), not a physical line: a wikitext
  paragraph is one physical line holding many sentences, and the claims of one document need a
  unique `line`. `section` is the heading path above the sentence (the lead is []).
- `raw` is the sentence's own wikitext, its footnotes included and comments left out: it stays
  the same when footnotes elsewhere are renumbered, and changes when the sentence or its
  footnotes change, which is what a re-import needs to recognise a claim.
- Footnotes are numbered in order of first use, as Cite numbers them: `<ref>`, named refs and
  their reuses (also when defined later or in `{{reflist|refs=}}`), `{{r}}`, `{{sfn}}`/`{{sfnp}}`
  (identical calls share a number; other pages of the same work get their own), including the
  refs an infobox renders. `{{rp}}` and the `p=`/`pp=`/`loc=` of a short citation fill
  `ParsedClaim.pages`. Numbered footnotes are citations; grouped refs and `{{efn}}` notes are
  notes, labelled as rendered ("a", "b", … or "note 1"), their text in `ParsedDocument.notes`.
- Each numbered footnote becomes a ParsedSource: from its cite template (`cite web`, `cite
  news`, `citation`, …), from the bibliography entry a short citation points at, or from a bare
  link; `text` is the reference as plain text.
- Inline cleanup templates (`{{citation needed}}`, `{{dubious}}`, …) become tags named as in
  `claims.formats.seed.CLEANUP_TAGS`.

Known approximations: footnotes are numbered in source order, so an infobox that lays its rows
out in another order than its parameters numbers them slightly differently from the page;
templates this module does not know render as nothing (never as `{{…}}`).
"""

import datetime
import hashlib
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath

import mwparserfromhell
from mwparserfromhell.nodes import (
    Argument,
    Comment,
    ExternalLink,
    Heading,
    HTMLEntity,
    Node,
    Tag,
    Template,
    Text,
    Wikilink,
)
from mwparserfromhell.nodes.extras import Parameter
from mwparserfromhell.wikicode import Wikicode

from claims.formats.base import (
    TRAILING,
    FormatError,
    ParsedClaim,
    ParsedDocument,
    ParsedSource,
)
from claims.formats.seed import decode_seed
from claims.formats.sentences import MARK, split_sentences

_LINE_END = re.compile(r"\r\n|\r|\n")
_SPACES = re.compile(r"\s+")


def _names(spec: str) -> tuple[str, ...]:
    """Split a "|"-separated list of names (kept on few lines: these lists are long)."""
    return tuple(name.strip() for name in spec.split("|"))


# Sections whose content is apparatus, not claims (compared case-folded).
EXCLUDED_SECTIONS = frozenset(
    _names(
        "references|notes|sources|bibliography|external links|further reading|see also"
        "|footnotes|citations|works cited|notes and references|references and notes"
        "|explanatory notes|general references|cited sources|sources cited"
    )
)

# --- template vocabulary (names are normalised: lower case, "_" -> " ") -----------------------

# Inline cleanup templates and their redirects, by the tag they print.
_TAG_ALIASES = {
    "citation needed": _names(
        "citation needed|cn|fact|citation required|cite needed|citeneeded|citationneeded"
        "|needcite|need citation|needs citation|reference needed|ref needed|source needed"
        "|sources needed"
    ),
    "dubious – discuss": _names("dubious|dubious-inline|dubious inline|doubtful"),
    "disputed – discuss": _names("disputed inline|disputed-inline"),
    "failed verification": _names(
        "failed verification|fv|failed-verification|verification failed"
        "|not in citation given|not in source"
    ),
    "better source needed": _names(
        "better source needed|better source|bsn|better-source|bettersource"
    ),
    "unreliable source?": _names("unreliable source?|unreliable source inline|unreliable source"),
    "according to whom?": _names("according to whom|according to whom?|atw"),
    "who?": _names("who|who?"),
    "when?": _names("when|when?"),
    "clarification needed": _names("clarify|clarification needed|clarify me"),
    "verification needed": _names("verify source|verification needed"),
    "original research?": _names("original research inline|or inline|original research?"),
    "page needed": _names("page needed|page number|pn|page numbers needed"),
    "full citation needed": _names("full citation needed|full|full citation"),
}
_TAGS = {alias: tag for tag, aliases in _TAG_ALIASES.items() for alias in aliases}
# "{{citation needed span|text=…}}": the text stays, the tag follows it.
_SPAN_TAGS = {
    "citation needed span": "citation needed",
    "cn span": "citation needed",
    "dubious span": "dubious – discuss",
    "failed verification span": "failed verification",
    "better source needed span": "better source needed",
    "clarify span": "clarification needed",
}

# Templates that make a footnote: template name -> group ("" numbers, others letter or name).
_NOTE_TEMPLATES = {
    "efn": "lower-alpha",
    "efn-la": "lower-alpha",
    "efn-ua": "upper-alpha",
    "efn-lr": "lower-roman",
    "efn-ur": "upper-roman",
    "efn-lg": "lower-greek",
    "notetag": "note",
    "refn": "",
    "#tag:ref": "",
}
_EFN_GROUPS = {"note", "upper-alpha", "upper-roman", "lower-alpha", "lower-greek", "lower-roman"}
_SFN = {"sfn", "sfnp", "sfnm", "sfnmp", "shortened footnote template", "sfn whole"}
# Harvard citations, by how they print: nb "Smith 2020, p. 5", paren "(Smith 2020, p. 5)",
# txt "Smith (2020, p. 5)", p "Smith (2020), p. 5".
_HARV = {
    "harvnb": "nb",
    "harv": "paren",
    "harvtxt": "txt",
    "harvp": "p",
    "harvard citation": "paren",
    "harvard citation no brackets": "nb",
    "harvard citation text": "txt",
    "harvcol": "paren",
    "harvcolnb": "nb",
    "harvcoltxt": "txt",
}
# Reference lists: name -> the group their refs= belong to.
_REFLISTS = {
    "reflist": "",
    "references": "",
    "notelist": "lower-alpha",
    "notelist-la": "lower-alpha",
    "notelist-ua": "upper-alpha",
    "notelist-lr": "lower-roman",
    "notelist-ur": "upper-roman",
    "notelist-lg": "lower-greek",
    "notefoot": "note",
}
# Block quotations: name -> the parameters that may hold the quoted text.
_QUOTES = {
    "quote": ("text", "quote", "1"),
    "blockquote": ("text", "quote", "1"),
    "quotation": ("text", "quote", "1"),
    "cquote": ("text", "quote", "1"),
    "quote box": ("quote", "text"),
    "pull quote": ("text", "quote", "1"),
    "centered pull quote": ("text", "quote", "1"),
    "rquote": ("quote", "text", "2"),
    "quote frame": ("text", "quote", "1"),
}
_HATNOTES = frozenset(
    _names(
        "main|main article|see also|further|further information|details|about"
        "|about-distinguish|about-distinguish2|for|for-multi|redirect|redirect2|distinguish"
        "|other uses|hatnote|broader|self reference|selfref"
    )
)
# Templates shown as they are, around one parameter: name -> the parameters to try.
_WRAPPERS: dict[str, tuple[str, ...]] = {
    name: ("1",)
    for name in _names(
        "nowrap|nobr|small|smaller|big|larger|large|huge|midsize|nobold|noitalic|em|strong"
        "|var|mvar|code|kbd|samp|serif|sans-serif|abbr|tooltip|not a typo|proper name"
        "|underline|highlight|angle bracket"
    )
} | {"lang": ("text", "2"), "resize": ("2", "1"), "font color": ("3", "2"), "color": ("2",)}
# {{lang-xx|…}} prints the language's name first.
_LANGUAGES = dict(
    pair.split("=")
    for pair in _names(
        "ar=Arabic|be=Belarusian|de=German|es=Spanish|fa=Persian|fr=French|he=Hebrew"
        "|it=Italian|ja=Japanese|ka=Georgian|kk=Kazakh|la=Latin|pl=Polish|pt=Portuguese"
        "|ru=Russian|tr=Turkish|uk=Ukrainian|zh=Chinese"
    )
)
# Templates that print a fixed piece of text.
_DASHES = {
    "nbsp": " ",
    "thinsp": " ",
    "snd": " – ",
    "spaced ndash": " – ",
    "spaced en dash": " – ",
    "spnd": " – ",
    "sndash": " – ",
    "ndash": "–",
    "ndashb": "–",
    "en dash": "–",
    "mdash": "—",
    "mdashb": "—",
    "em dash": "—",
    "emdash": "—",
    "'": "'",
    "' \"": "'\"",
    "!": "|",
    "=": "=",
    "·": " · ",
    "dot": " · ",
    "middot": " · ",
    "bull": " • ",
    "•": " • ",
}
_CURRENCIES = {"us$": "US$", "usd": "US$", "£": "£", "gbp": "£", "€": "€", "eur": "€", "a$": "A$"}
_MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()
_MONTHS = {name.lower(): number for number, name in enumerate(_MONTH_NAMES, start=1)} | {
    name[:3].lower(): number for number, name in enumerate(_MONTH_NAMES, start=1)
}
_MONTHS["sept"] = 9
_CONVERT_JOINERS = {"-": "–", "–": "–", "to": " to ", "and": " and ", "or": " or ", "x": " × "}
_UNITS = {"sqkm": "km²", "km2": "km²", "sqmi": "sq mi", "m2": "m²", "sqft": "sq ft", "ha": "ha"}
# Tags whose content is not article prose: skipped (their footnotes still count).
_SKIPPED_TAGS = frozenset(
    _names(
        "table|gallery|syntaxhighlight|source|pre|timeline|imagemap|graph|mapframe|maplink"
        "|templatestyles|score|indicator|includeonly|inputbox|categorytree|hiero"
    )
)
_MEDIA_PREFIXES = ("file:", "image:", "media:", "category:", "datei:", "bild:", "kategorie:")
_INTERWIKI = re.compile(r"^[a-z]{2,3}(-[a-z]+)?:")
# Text the page does not show: behaviour switches, stray quote marks and leftovers of broken
# markup (a lone "}}" or "</ref>" is not prose).
_DROPPED_IN_TEXT = re.compile(
    r"(__[A-Z]+__|'{2,}|\{\{|\}\}|\[\[|\]\]|</?ref\b[^>]*>|[" + MARK + "\ue002])",
    re.IGNORECASE,
)


# Apostrophes the quote pass decides about, kept the same length so the source maps back:
# LITERAL is an apostrophe the page prints, SILENT one that is markup the page does not print.
LITERAL, SILENT = "\ue001", "\ue002"


def _restore(text: str, silent: str = "") -> str:
    """Turn the quote pass's placeholders back into what the page shows (or into the source)."""
    return text.replace(LITERAL, "'").replace(SILENT, silent)


def _balance_quotes(text: str) -> str:
    """Settle bold and italic markup line by line, as MediaWiki does, before parsing.

    MediaWiki reads '' and ''' per line (a run of four is an apostrophe and bold, an odd
    ''' in a line with odd '' is an apostrophe and italics, what is open at the line end is
    closed there); mwparserfromhell may instead run an unclosed '' across paragraphs and
    headings. Apostrophes that are text become LITERAL, unclosed markup SILENT.
    """
    return "\n".join(_balance_line(line) if "''" in line else line for line in text.split("\n"))


def _balance_line(line: str) -> str:
    parts = re.split(r"('{2,})", line)
    for index in range(1, len(parts), 2):
        run = len(parts[index])
        if run == 4:
            parts[index] = LITERAL + "'''"
        elif run > 5:
            parts[index] = LITERAL * (run - 5) + "'''''"

    def count() -> tuple[int, int]:
        runs = [parts[i].lstrip(LITERAL) for i in range(1, len(parts), 2)]
        italics = sum(1 for run in runs if run in ("''", "'''''"))
        bold = sum(1 for run in runs if run in ("'''", "'''''"))
        return italics, bold

    italics, bold = count()
    if italics % 2 and bold % 2:
        # One ''' is an apostrophe and italics: after a one-letter word, else after a word,
        # else after a space (MediaWiki's own order of preference).
        single = multi = space = None
        for index in range(1, len(parts), 2):
            if parts[index] != "'''":
                continue
            before = parts[index - 1]
            if before[-1:] == " ":
                space = space or index
            elif before[-2:-1] == " ":
                single = index
                break
            else:
                multi = multi or index
        chosen = single or multi or space
        if chosen:
            parts[chosen] = LITERAL + "''"
    italics, bold = count()
    for odd, runs in ((italics % 2, ("''", "'''''")), (bold % 2, ("'''", "'''''"))):
        if not odd:
            continue
        for index in range(len(parts) - 2, 0, -2):
            run = parts[index].lstrip(LITERAL)
            if run in runs:
                width = 2 if runs[0] == "''" else 3
                prefix = parts[index][: len(parts[index]) - len(run)]
                parts[index] = prefix + SILENT * width + run[width:]
                break
    return "".join(parts)


def _tname(template: Template) -> str:
    """Return a template's name as this module compares names: lower case, spaced, bare."""
    name = re.sub(r"<!--.*?-->", "", str(template.name), flags=re.S)
    name = _SPACES.sub(" ", name.replace("_", " ")).strip().lower()
    return name.removeprefix("template:")


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def _key(text: str) -> str:
    """Return an anchor key as Module:Footnotes compares them (no spaces, case-folded)."""
    return re.sub(r"[\s_]+", "", text).casefold()


def _param(template: Template, *names: str) -> Parameter | None:
    """Return the first of `names` that the template sets to something, or None."""
    # One pass over the parameters: Template.has() would strip every name for every lookup.
    params = {str(param.name).strip(): param for param in template.params}
    for name in names:
        found = params.get(name)
        if found is not None and str(found.value).strip():
            return found
    return None


def _value(template: Template, *names: str) -> str:
    """Return the plain text of the first of `names` that the template sets, or ""."""
    found = _param(template, *names)
    return plain(found.value) if found is not None else ""


def _positional(template: Template) -> list[Parameter]:
    return [param for param in template.params if not param.showkey]


def _attr(tag: Tag, name: str) -> str:
    if not tag.has(name):
        return ""
    value = str(tag.get(name).value)
    return _SPACES.sub(" ", html.unescape(value)).strip().strip("\"'").strip()


def _is_cite(name: str) -> bool:
    return name == "citation" or re.match(r"(v?cite|citation)\b", name) is not None


# --- atoms: rendered text beside the source it came from --------------------------------------


@dataclass
class Mark:
    """What one MARK in a paragraph stands for: a citation, a note or a cleanup tag."""

    kind: str  # "cite", "note" or "tag"
    value: str  # footnote label or tag name
    page: str = ""


@dataclass
class Atom:
    """A piece of a paragraph: the text it renders to and the wikitext it came from.

    `sliceable` atoms render to their source character for character (quote placeholders
    aside, which keep the length), so a sentence may take part of one.
    Atoms that render to nothing are `glue`d to the text after ("open") or before ("close").
    """

    text: str
    source: str
    mark: Mark | None = None
    sliceable: bool = False
    glue: str = "close"


@dataclass
class _Block:
    section: list[str]
    atoms: list[Atom]


@dataclass
class _Short:
    """A short citation ({{sfn}}, {{harvnb}}): the work it points at and the pages."""

    names: tuple[str, ...]
    year: str
    key: str
    page: str = ""
    pages: str = ""
    loc: str = ""
    #: What else makes two calls one footnote ({{sfnm}} cites several works at once).
    identity: str = ""

    @property
    def where(self) -> str:
        return ", ".join(part for part in (self.page or self.pages, self.loc) if part)

    def render(self, style: str = "nb") -> str:
        names = list(self.names)
        if len(names) > 3:
            who = f"{names[0]} et al."
        elif len(names) > 1:
            who = ", ".join(names[:-1]) + " & " + names[-1]
        else:
            who = names[0] if names else ""
        where = ""
        if self.page:
            where = f"p. {self.page}"
        elif self.pages:
            where = f"pp. {self.pages}"
        where = ", ".join(part for part in (where, self.loc) if part)
        if style == "paren":
            return f"({who} {self.year}{', ' + where if where else ''})"
        if style == "txt":
            return f"{who} ({self.year}{', ' + where if where else ''})"
        if style == "p":
            return f"{who} ({self.year}){', ' + where if where else ''}"
        return f"{who} {self.year}{', ' + where if where else ''}".strip()


def _short_from(template: Template) -> _Short:
    """Read {{sfn|Last|Last2|Year|p=}} (or a harv template) into a _Short.

    The last positional parameter is the year, the ones before it (at most four) the authors'
    surnames; {{sfnRef|…}} in the first one names the anchor instead.
    """
    if _tname(template) in ("sfnm", "sfnmp"):
        # {{sfnm|1a1=Smith|1y=2020|1p=5|2a1=Roe|2y=1999}}: the first work names the source.
        names = [_value(template, f"1a{n}") for n in range(1, 5) if _value(template, f"1a{n}")]
        year = _value(template, "1y")
        return _Short(
            names=tuple(names),
            year=year,
            key="citeref" + _key("".join(names) + year),
            page=_value(template, "1p"),
            pages=_value(template, "1pp"),
            loc=_value(template, "1loc"),
            identity=_SPACES.sub(" ", str(template)),
        )
    positional = _positional(template)
    first = positional[0].value.filter_templates(recursive=False) if positional else []
    if first and _tname(first[0]) in ("sfnref", "harvid"):
        positional = _positional(first[0])
    values = [plain(param.value) for param in positional]
    names, year = values[:-1][:4], (values[-1] if values else "")
    return _Short(
        names=tuple(names),
        year=year,
        key="citeref" + _key("".join(names) + year),
        page=_value(template, "p", "page"),
        pages=_value(template, "pp", "pages"),
        loc=_value(template, "loc", "at"),
    )


_ROMAN = tuple(
    zip(
        (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1),
        _names("m|cm|d|cd|c|xc|l|xl|x|ix|v|iv|i"),
        strict=True,
    )
)


def _label(group: str, number: int) -> str:
    """Return the label Cite prints for the `number`th footnote of `group`."""
    if group == "":
        return str(number)
    if group in ("lower-alpha", "upper-alpha"):
        letters = ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters if group == "lower-alpha" else letters.upper()
    if group in ("lower-roman", "upper-roman"):
        numerals = ""
        for value, numeral in _ROMAN:
            while number >= value:
                numerals, number = numerals + numeral, number - value
        return numerals if group == "lower-roman" else numerals.upper()
    if group == "lower-greek" and number <= 24:
        return "αβγδεζηθικλμνξοπρστυφχψω"[number - 1]
    return f"{group} {number}"


@dataclass
class Footnote:
    """One entry of a rendered reference list: its label and where its text comes from."""

    group: str
    label: str
    name: str = ""
    content: Wikicode | None = None
    short: _Short | None = None


class _Footnotes:
    """Numbers footnotes in order of first use, per group, as Cite does."""

    def __init__(self) -> None:
        self.by_key: dict[tuple, Footnote] = {}
        self.counts: dict[str, int] = {}
        self.order: list[Footnote] = []
        self.definitions: dict[tuple[str, str], Wikicode] = {}

    def _new(self, key: tuple, group: str, name: str = "") -> Footnote:
        self.counts[group] = self.counts.get(group, 0) + 1
        footnote = Footnote(group=group, label=_label(group, self.counts[group]), name=name)
        self.by_key[key] = footnote
        self.order.append(footnote)
        return footnote

    def use(self, group: str, name: str, content: Wikicode | None) -> Footnote:
        """Register one use of a ref (a definition, a reuse, or an unnamed ref)."""
        if content is not None and not str(content).strip():
            content = None
        key = ("name", group, name) if name else ("anon", len(self.order))
        footnote = self.by_key.get(key) or self._new(key, group, name)
        if footnote.content is None and content is not None:
            footnote.content = content
        return footnote

    def use_short(self, short: _Short) -> Footnote:
        """Register a {{sfn}}: identical calls share one footnote, as Module:Footnotes names it."""
        key = ("sfn", short.key, short.page, short.pages, short.loc, short.identity)
        footnote = self.by_key.get(key) or self._new(key, "")
        footnote.short = short
        return footnote

    def define(self, group: str, name: str, content: Wikicode) -> None:
        """Record a list-defined ref: it gets its number where the text first uses it."""
        if name and str(content).strip():
            self.definitions.setdefault((group, name), content)

    def finish(self) -> list[str]:
        """Give list-defined content to the footnotes; return warnings for undefined ones."""
        warnings = []
        for footnote in self.order:
            if footnote.content is None and footnote.short is None:
                footnote.content = self.definitions.get((footnote.group, footnote.name))
                if footnote.content is None:
                    what = f'ref name="{footnote.name}"' if footnote.name else "an empty ref"
                    warnings.append(f"footnote [{footnote.label}]: {what} is never defined")
        return warnings

    # Registering the footnotes of content that is not rendered as claims (infoboxes, tables…).

    def collect(self, code: Wikicode | None) -> None:
        """Register, in order, every footnote that `code` renders."""
        if code is not None:
            for node in code.nodes:
                self.collect_node(node)

    def collect_node(self, node: Node) -> None:
        if isinstance(node, Comment):
            return
        if isinstance(node, Tag):
            tag = str(node.tag).strip().lower()
            if tag == "ref":
                self.use(_attr(node, "group"), _attr(node, "name"), _ref_content(node))
            elif tag == "references":
                self.define_all(node.contents, _attr(node, "group"))
            elif not node.self_closing:
                self.collect(node.contents)
        elif isinstance(node, Template):
            name = _tname(node)
            if name in _NOTE_TEMPLATES:
                group, ref_name, content = _note_ref(node, name)
                self.collect(content)
                self.use(group, ref_name, content)
            elif name in _SFN:
                self.use_short(_short_from(node))
            elif name == "r":
                for param in _positional(node):
                    self.use("", plain(param.value), None)
            elif name in _REFLISTS:
                group = _value(node, "group") or _REFLISTS[name]
                refs = _param(node, "refs")
                if refs is not None:
                    self.define_all(refs.value, group)
            else:
                for param in node.params:
                    self.collect(param.value)
        elif isinstance(node, Wikilink):
            self.collect(node.text)
        elif isinstance(node, (ExternalLink, Heading)):
            self.collect(node.title)

    def define_all(self, code: Wikicode | None, group: str) -> None:
        """Record the refs a reference list defines (`<references>…</references>`, refs=)."""
        if code is None:
            return
        for node in code.nodes:
            if isinstance(node, Tag) and str(node.tag).strip().lower() == "ref":
                content = _ref_content(node)
                if content is not None:
                    self.define(_attr(node, "group") or group, _attr(node, "name"), content)
            elif isinstance(node, Template) and _tname(node) in _NOTE_TEMPLATES:
                ref_group, name, content = _note_ref(node, _tname(node))
                if content is not None:
                    self.define(ref_group or group, name, content)


def _ref_content(tag: Tag) -> Wikicode | None:
    return None if tag.self_closing else tag.contents


def _note_ref(template: Template, name: str) -> tuple[str, str, Wikicode | None]:
    """Return (group, ref name, content) of {{efn}}, {{refn}}, {{#tag:ref}} and kin."""
    found = _param(template, "1", "reference", "content", "text")
    content = found.value if found is not None else None
    group = _value(template, "group")
    if name == "efn":
        group = group if group in _EFN_GROUPS else "lower-alpha"
    elif not template.has("group"):
        group = _NOTE_TEMPLATES[name]
    return group, _value(template, "name"), content


# --- rendering ------------------------------------------------------------------------------


def _value_span(template: Template, param: Parameter) -> tuple[int, int] | None:
    """Return where `param`'s value sits in str(template), or None if it cannot be found."""
    source = str(template)
    position = 2 + len(str(template.name))
    for candidate in template.params:
        position += 1  # the "|"
        if candidate is param:
            start = position + (len(str(candidate.name)) + 1 if candidate.showkey else 0)
            end = start + len(str(candidate.value))
            return (start, end) if source[start:end] == str(candidate.value) else None
        position += len(str(candidate))
    return None


class _Renderer:
    """Render wikitext nodes to atoms; with footnotes to number, footnotes become MARKs.

    Without `footnotes` the renderer is quiet: footnotes and tags render to nothing, which is
    what plain text (titles, link text, a reference's own text) needs.
    """

    def __init__(self, footnotes: _Footnotes | None = None) -> None:
        self.footnotes = footnotes

    def code(self, code: Wikicode | None, out: list[Atom]) -> None:
        if code is not None:
            for node in code.nodes:
                self.node(node, out)

    def text(self, value: str, out: list[Atom]) -> None:
        for piece in _DROPPED_IN_TEXT.split(value):
            if not piece:
                continue
            if _DROPPED_IN_TEXT.fullmatch(piece):
                out.append(Atom("", piece))
            else:
                out.append(Atom(_restore(piece), piece, sliceable=True))

    def node(self, node: Node, out: list[Atom]) -> None:
        if isinstance(node, Text):
            self.text(node.value, out)
        elif isinstance(node, HTMLEntity):
            out.append(Atom(node.normalize().replace("\xa0", " "), str(node)))
        elif isinstance(node, Comment):
            return
        elif isinstance(node, Wikilink):
            self.wikilink(node, out)
        elif isinstance(node, ExternalLink):
            if node.brackets:
                text = plain(node.title) if node.title is not None else ""
            else:
                text = _restore(str(node.url))
            out.append(Atom(text, str(node)))
        elif isinstance(node, Tag):
            self.tag(node, out)
        elif isinstance(node, Template):
            self.template(node, out)
        elif isinstance(node, Heading):
            out.append(Atom(plain(node.title), str(node)))
        elif isinstance(node, Argument):
            out.append(Atom(plain(node.default) if node.default is not None else "", str(node)))
        else:
            out.append(Atom("", str(node)))

    def collect(self, node: Node) -> None:
        if self.footnotes is not None:
            self.footnotes.collect_node(node)

    def wikilink(self, link: Wikilink, out: list[Atom]) -> None:
        title = str(link.title).strip()
        lowered = title.lower()
        if lowered.startswith(_MEDIA_PREFIXES) or (
            _INTERWIKI.match(lowered) and not title.startswith(":")
        ):
            self.collect(link)  # an image caption's footnotes are numbered too
            out.append(Atom("", str(link)))
            return
        if link.text is not None and str(link.text).strip():
            text = plain(link.text)
        else:
            text = plain(link.title).lstrip(":")
            if link.text is not None:  # the pipe trick: [[Paris (band)|]] shows "Paris"
                text = re.sub(r"\s*\([^)]*\)$", "", text)
        out.append(Atom(text, str(link)))

    def tag(self, tag: Tag, out: list[Atom]) -> None:
        name = str(tag.tag).strip().lower()
        source = str(tag)
        if name == "ref":
            if self.footnotes is not None:
                content = _ref_content(tag)
                footnote = self.footnotes.use(_attr(tag, "group"), _attr(tag, "name"), content)
                out.append(_mark_atom(footnote, source))
        elif name == "references":
            if self.footnotes is not None:
                self.footnotes.define_all(tag.contents, _attr(tag, "group"))
        elif name == "br":
            out.append(Atom(" ", source))
        elif tag.wiki_markup in ("*", "#", ":", ";"):
            out.append(Atom("\n", source))
        elif name == "nowiki":
            out.append(Atom(html.unescape(_restore(str(tag.contents or ""), "'")), source))
        elif name in ("math", "chem", "ce"):
            out.append(Atom(_restore(str(tag.contents or ""), "'").strip(), source))
        elif name in _SKIPPED_TAGS or tag.self_closing or tag.contents is None:
            self.collect(tag)
            out.append(Atom("", source))
        else:
            self.wrap_tag(tag, out)

    def wrap_tag(self, tag: Tag, out: list[Atom]) -> None:
        """Render a formatting tag ('''bold''', <span>…) around its content, kept atom by atom."""
        source = str(tag)
        inner = str(tag.contents)
        opening = tag.wiki_markup or source[: source.find(">") + 1]
        if not (source.startswith(opening) and source[len(opening) :].startswith(inner)):
            self.collect(tag)
            out.append(Atom(plain(tag.contents), source))
            return
        out.append(Atom("", opening, glue="open"))
        self.code(tag.contents, out)
        out.append(Atom("", source[len(opening) + len(inner) :]))

    def wrap_param(
        self,
        template: Template,
        param: Parameter | None,
        out: list[Atom],
        before: str = "",
        after: str = "",
    ) -> None:
        """Render a template that shows one parameter's value, kept atom by atom."""
        source = str(template)
        span = _value_span(template, param) if param is not None else None
        if span is None:
            self.collect(template)
            text = plain(param.value) if param is not None else ""
            out.append(Atom(before + text + after, source))
            return
        out.append(Atom(before, source[: span[0]], glue="open"))
        self.code(param.value, out)
        out.append(Atom(after, source[span[1] :]))

    def template(self, template: Template, out: list[Atom]) -> None:
        name = _tname(template)
        source = str(template)
        loud = self.footnotes is not None
        if name in _NOTE_TEMPLATES:
            if loud:
                group, ref_name, content = _note_ref(template, name)
                self.footnotes.collect(content)  # a note's own refs are numbered before it
                out.append(_mark_atom(self.footnotes.use(group, ref_name, content), source))
        elif name in _SFN:
            if loud:
                short = _short_from(template)
                atom = _mark_atom(self.footnotes.use_short(short), source)
                atom.mark.page = short.where
                out.append(atom)
        elif name == "r":
            if loud:
                self.r_template(template, out)
        elif name == "rp":
            if loud:
                self.rp_template(template, out)
        elif name in _TAGS:
            if loud:
                out.append(Atom(MARK, source, mark=Mark("tag", _TAGS[name])))
        elif name in _SPAN_TAGS:
            self.wrap_param(template, _param(template, "text", "1"), out)
            if loud:
                out.append(Atom(MARK, "", mark=Mark("tag", _SPAN_TAGS[name])))
        elif name in _WRAPPERS:
            self.wrap_param(template, _param(template, *_WRAPPERS[name]), out)
        elif name.startswith("lang-") and len(name) <= 12:
            language = _LANGUAGES.get(name.removeprefix("lang-"))
            before = f"{language}: " if language else ""
            self.wrap_param(template, _param(template, "text", "1"), out, before=before)
        elif name in _SIMPLE:
            out.append(Atom(_SIMPLE[name](template), source))
        elif _is_cite(name):
            out.append(Atom(_render_cite(template), source))
        elif name in _HARV:
            out.append(Atom(_short_from(template).render(_HARV[name]), source))
        elif name in _DASHES:
            out.append(Atom(_DASHES[name], source))
        elif name in _CURRENCIES:
            out.append(Atom(_CURRENCIES[name] + _value(template, "1"), source))
        elif re.match(r"(formatnum|lc|uc|lcfirst|ucfirst):", name):
            value = str(template.name).split(":", 1)[1]
            out.append(Atom(plain(mwparserfromhell.parse(value)), source))
        else:
            self.collect(template)
            out.append(Atom("", source))

    def r_template(self, template: Template, out: list[Atom]) -> None:
        """{{r|name|name2|p=34}}: reuses of named refs, with their pages."""
        for index, param in enumerate(_positional(template), start=1):
            footnote = self.footnotes.use("", plain(param.value), None)
            atom = _mark_atom(footnote, str(template) if index == 1 else "")
            names = [f"p{index}", f"page{index}", f"pp{index}", f"pages{index}"]
            if index == 1:
                names += ["p", "page", "pp", "pages"]
            atom.mark.page = _value(template, *names)
            out.append(atom)

    def rp_template(self, template: Template, out: list[Atom]) -> None:
        """{{rp|34}} after a ref: the page goes to that ref's mark, the source with it."""
        page = _value(template, "1", "p", "page", "pp", "pages", "at", "loc")
        for atom in reversed(out):
            if atom.mark is not None and atom.mark.kind == "cite":
                if not atom.mark.page:
                    atom.mark.page = page
                atom.source += str(template)
                return
            if atom.text.strip():
                break
        out.append(Atom("", str(template)))


def _mark_atom(footnote: Footnote, source: str) -> Atom:
    kind = "cite" if footnote.group == "" else "note"
    return Atom(MARK, source, mark=Mark(kind, footnote.label))


_QUIET = _Renderer()


def plain(code: Wikicode | Node | str | None) -> str:
    """Return `code` as the plain text the rendered page shows (footnotes and tags left out)."""
    if code is None:
        return ""
    if isinstance(code, str):
        code = mwparserfromhell.parse(code)
    atoms: list[Atom] = []
    if isinstance(code, Wikicode):
        _QUIET.code(code, atoms)
    else:
        _QUIET.node(code, atoms)
    text = _restore("".join(atom.text for atom in atoms).replace(MARK, ""))
    return _SPACES.sub(" ", text).strip()


# --- simple inline templates ---------------------------------------------------------------


def _thousands(value: str) -> str:
    """Group a bare number's digits as {{convert}} prints it: 242500 -> 242,500."""
    found = re.fullmatch(r"(\d{4,})(\.\d+)?", value)
    return f"{int(found[1]):,}{found[2] or ''}" if found else value


def _convert(template: Template) -> str:
    """{{convert|5|km}} -> "5 km"; ranges ({{convert|5|to|10|km}}) keep their joiner."""
    values = [_thousands(plain(p.value)) for p in _positional(template)]
    if not values:
        return ""
    text = values[0]
    rest = values[1:]
    while len(rest) >= 2 and rest[0] in _CONVERT_JOINERS:
        text += _CONVERT_JOINERS[rest[0]] + rest[1]
        rest = rest[2:]
    unit = rest[0] if rest else ""
    return f"{text} {_UNITS.get(unit, unit)}".strip()


def _as_of(template: Template) -> str:
    if _value(template, "alt"):
        return _value(template, "alt")
    values = [plain(p.value) for p in _positional(template)]
    parts = []
    if len(values) > 2 and values[2].isdigit():
        parts.append(str(int(values[2])))
    if len(values) > 1 and values[1].isdigit() and 1 <= int(values[1]) <= 12:
        parts.append(_MONTH_NAMES[int(values[1]) - 1])
    if values:
        parts.append(values[0])
    lead = "as of" if _value(template, "lc") else "As of"
    return " ".join([lead, *parts])


def _date_template(template: Template) -> str:
    """{{start date|2022|9|21}} and kin -> "21 September 2022" or "September 21, 2022"."""
    values = [plain(p.value) for p in _positional(template)][:3]
    if not values:
        return ""
    if len(values) == 1 or not values[1].isdigit() or not 1 <= int(values[1]) <= 12:
        return values[0]
    month = _MONTH_NAMES[int(values[1]) - 1]
    day = str(int(values[2])) if len(values) > 2 and values[2].isdigit() else ""
    if not day:
        return f"{month} {values[0]}"
    if _value(template, "df").lower() in ("y", "yes"):
        return f"{day} {month} {values[0]}"
    return f"{month} {day}, {values[0]}"


def _first(template: Template) -> str:
    return _value(template, "1")


def _last(template: Template) -> str:
    values = [plain(p.value) for p in _positional(template)]
    return values[-1] if values else ""


def _ill(template: Template) -> str:
    return _value(template, "lt", "1")


def _frac(template: Template) -> str:
    values = [plain(p.value) for p in _positional(template)]
    if len(values) == 3:
        return f"{values[0]} {values[1]}/{values[2]}"
    if len(values) == 2:
        return f"{values[0]}/{values[1]}"
    return f"1/{values[0]}" if values else ""


def _nihongo(template: Template) -> str:
    values = [plain(p.value) for p in _positional(template)]
    inside = ", ".join(value for value in values[1:3] if value)
    return f"{values[0]} ({inside})" if values and inside else (values[0] if values else "")


def _sic(template: Template) -> str:
    values = [plain(p.value) for p in _positional(template) if plain(p.value) != "?"]
    return " ".join([*values[-1:], "[sic]"])


def _identifier(prefix: str) -> Callable[[Template], str]:
    return lambda template: f"{prefix} {_first(template)}"


def _joined(template: Template) -> str:
    return ", ".join(plain(p.value) for p in _positional(template) if plain(p.value))


def _circa(template: Template) -> str:
    values = [plain(p.value) for p in _positional(template)]
    return "c. " + "–".join(values) if values else "c."


def _flag(template: Template) -> str:
    return _value(template, "name", "1")


_SIMPLE: dict[str, Callable[[Template], str]] = {
    "convert": _convert,
    "cvt": _convert,
    "as of": _as_of,
    "circa": _circa,
    "c.": _circa,
    "ca.": _circa,
    "start date": _date_template,
    "start date and age": _date_template,
    "end date": _date_template,
    "birth date": _date_template,
    "birth date and age": _date_template,
    "death date": _date_template,
    "dts": _date_template,
    "frac": _frac,
    "fraction": _frac,
    "isbn": _identifier("ISBN"),
    "issn": _identifier("ISSN"),
    "oclc": _identifier("OCLC"),
    "doi": _identifier("doi:"),
    "ill": _ill,
    "interlanguage link": _ill,
    "interlanguage link multi": _ill,
    "transl": _last,
    "transliteration": _last,
    "nihongo": _nihongo,
    "sic": _sic,
    "flag": _flag,
    "flagu": _flag,
    "flagcountry": _flag,
    "flag country": _flag,
    "hlist": _joined,
    "flatlist": _joined,
    "ubl": _joined,
    "unbulleted list": _joined,
    "plainlist": _joined,
    "bulleted list": _joined,
    "lit": lambda t: f"lit. '{_first(t)}'",
    "pagename": lambda t: "",
}


# --- cite templates -------------------------------------------------------------------------

_WORK = ("website", "work", "newspaper", "magazine", "journal", "periodical", "encyclopedia")


def _authors(template: Template) -> list[str]:
    """Return the authors a cite template names, each as "Last, First" (or as written)."""
    names = []
    for number in range(1, 100):
        lasts = [f"last{number}", f"surname{number}", f"author{number}-last", f"author{number}"]
        firsts = [f"first{number}", f"given{number}", f"author{number}-first"]
        if number == 1:
            lasts = ["last1", "last", "surname1", "surname", "author-last", "author1", "author"]
            firsts = ["first1", "first", "given1", "given", "author-first"]
        last = _value(template, *lasts)
        if not last:
            break
        first = _value(template, *firsts)
        names.append(f"{last}, {first}" if first else last)
    if not names and _value(template, "authors"):
        names.append(_value(template, "authors"))
    if not names and _value(template, "vauthors"):
        names = [name.strip() for name in _value(template, "vauthors").split(",") if name.strip()]
    return names


def _anchor_names(template: Template) -> list[str]:
    """Return the surnames CS1 builds a citation's CITEREF anchor from (at most four)."""
    names = []
    for number in range(1, 5):
        found = _value(
            template,
            f"last{number}",
            f"surname{number}",
            f"author{number}-last",
            f"author{number}",
            *(("last", "surname", "author-last", "author") if number == 1 else ()),
        )
        if not found:
            break
        names.append(found)
    if not names and _value(template, "vauthors"):
        names = [n.split()[0] for n in _value(template, "vauthors").split(",") if n.strip()][:4]
    if not names:
        for number in range(1, 5):
            found = _value(
                template,
                f"editor{number}-last",
                f"editor-last{number}",
                f"editor{number}",
                *(("editor-last", "editor") if number == 1 else ()),
            )
            if not found:
                break
            names.append(found)
    return names


def _anchor_year(template: Template) -> str:
    year = _value(template, "year")
    if year:
        return year
    date = _value(template, "date")
    iso = re.match(r"(\d{4})-\d\d-\d\d", date)
    if iso:
        return iso[1]
    found = re.search(r"\b(\d{4}(?:[–-]\d{4}|–\d\d)?[a-z]?)\b", date)
    return found.group(1) if found else ""


def _anchors(template: Template) -> list[str]:
    """Return the CITEREF keys a short citation can reach this cite template by."""
    ref = _param(template, "ref")
    if ref is not None:
        inner = ref.value.filter_templates(recursive=False)
        if inner and _tname(inner[0]) in ("harvid", "sfnref"):
            return ["citeref" + _key("".join(plain(p.value) for p in _positional(inner[0])))]
        text = plain(ref.value)
        if text.lower() == "none":
            return []
        if text.lower() != "harv":
            return [_key(text)]
    names = _anchor_names(template)
    year = _anchor_year(template)
    if not names or not year:
        return []
    return ["citeref" + _key("".join(names) + year)]


def parse_date(text: str) -> datetime.date | None:
    """Return the date `text` names with day, month and year ("1 May 2023", "May 1, 2023",
    "2023-05-01"); None for anything less precise or unreadable."""
    text = _SPACES.sub(" ", text).strip()
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    dmy = re.fullmatch(r"(\d{1,2}) ([A-Za-z]+)\.?,? (\d{4})", text)
    mdy = re.fullmatch(r"([A-Za-z]+)\.? (\d{1,2}),? (\d{4})", text)
    try:
        if iso:
            return datetime.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dmy and dmy[2].lower() in _MONTHS:
            return datetime.date(int(dmy[3]), _MONTHS[dmy[2].lower()], int(dmy[1]))
        if mdy and mdy[1].lower() in _MONTHS:
            return datetime.date(int(mdy[3]), _MONTHS[mdy[1].lower()], int(mdy[2]))
    except ValueError:
        return None
    return None


def _fill(source: ParsedSource, template: Template) -> None:
    """Fill `source`'s empty fields from a cite template."""
    values = {
        "title": _value(template, "title", "script-title", "trans-title", "chapter"),
        "url": _value(template, "url", "chapter-url", "contribution-url", "article-url"),
        "publisher": _value(template, *_WORK, "agency", "publisher", "via", "institution"),
        "author": "; ".join(_authors(template)),
        "archive_url": _value(template, "archive-url", "archiveurl"),
        "doi": _value(template, "doi"),
        "isbn": _value(template, "isbn", "ISBN"),
        "pages": _value(template, "pages", "page", "pp", "p", "at"),
    }
    for name, value in values.items():
        if value and not getattr(source, name):
            setattr(source, name, value)
    dates = {
        "published_on": _value(template, "date", "publication-date"),
        "accessed_on": _value(template, "access-date", "accessdate"),
        "archive_date": _value(template, "archive-date", "archivedate"),
    }
    for name, value in dates.items():
        if value and getattr(source, name) is None:
            setattr(source, name, parse_date(value))


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".?!" else text + "."


def _quoted(title: str) -> str:
    """Quote a title as CS1 does: "Title". (a question keeps its mark inside: "Why?")"""
    return f'"{title}"' + ("" if title[-1:] in "?!" else ".")


def _render_cite(template: Template) -> str:
    """Render a cite template roughly as CS1 prints it."""
    name = _tname(template)
    authors = "; ".join(_authors(template))
    date = _value(template, "date", "year")
    title = _value(template, "title", "script-title")
    chapter = _value(template, "chapter", "contribution", "section")
    work = _value(template, *_WORK)
    publisher = _value(template, "publisher", "agency")
    quoted = bool(work) or any(kind in name for kind in ("web", "news", "journal", "magazine"))
    parts = []
    if authors:
        parts.append(f"{authors} ({date})." if date else _sentence(authors))
    if chapter:
        parts.append(_quoted(chapter) + (" In" if title else ""))
    if title:
        parts.append(_quoted(title) if quoted and not chapter else _sentence(title))
    for part in (work, publisher if publisher != work else ""):
        if part:
            parts.append(_sentence(part))
    if date and not authors:
        parts.append(_sentence(date))
    page, pages = _value(template, "page", "p"), _value(template, "pages", "pp")
    if page or pages:
        parts.append(_sentence(f"p. {page}" if page else f"pp. {pages}"))
    for label, names in (("doi:", ("doi",)), ("ISBN", ("isbn", "ISBN"))):
        if _value(template, *names):
            parts.append(
                _sentence(f"{label}{'' if label.endswith(':') else ' '}" + _value(template, *names))
            )
    accessed = _value(template, "access-date", "accessdate")
    if accessed:
        parts.append(f"Retrieved {_sentence(accessed)}")
    return " ".join(parts)


# --- the walk over the article --------------------------------------------------------------


class _Article:
    """Walk a parsed article once: number its footnotes and gather its paragraphs."""

    def __init__(self, code: Wikicode) -> None:
        self.footnotes = _Footnotes()
        self.renderer = _Renderer(self.footnotes)
        self.blocks: list[_Block] = []
        self.atoms: list[Atom] = []
        self.nodes: list[Node | str] = []  # what the paragraph is made of, to spot headings
        self.item = ""  # the list markup ("*", "#", ":", ";") of a list item being gathered
        self.newlines = 0  # line ends since the last content: two end a paragraph
        self.line_start = True
        self.table = 0  # depth of a table the parser left as text (":{|" is one)
        self.headings: list[tuple[int, str]] = []
        self.display_title = ""
        self.walk(code)
        self.flush()

    @property
    def section(self) -> list[str]:
        return [title for _, title in self.headings]

    def excluded(self) -> bool:
        return any(_norm(title) in EXCLUDED_SECTIONS for title in self.section)

    def flush(self) -> None:
        """End the paragraph (or list item) being gathered."""
        if any(atom.mark or atom.text.strip() for atom in self.atoms) and not self.heading_like():
            self.blocks.append(_Block(self.section, self.atoms))
        self.atoms, self.nodes, self.item = [], [], ""

    def heading_like(self) -> bool:
        """Return whether the block is a line set as a heading (bold alone, or ;Term)."""
        if any(atom.mark for atom in self.atoms):
            return False
        if "".join(atom.text for atom in self.atoms).strip()[-1:] in (".", "!", "?"):
            return False
        if self.item == ";":
            return True
        only = self.nodes[0] if len(self.nodes) == 1 else None
        return isinstance(only, Tag) and only.wiki_markup == "'''"

    def heading(self, heading: Heading) -> None:
        self.flush()
        self.footnotes.collect(heading.title)
        while self.headings and self.headings[-1][0] >= heading.level:
            self.headings.pop()
        self.headings.append((heading.level, plain(heading.title)))

    def content(self, node: Node | str) -> None:
        self.nodes.append(node)
        self.newlines, self.line_start = 0, False

    def text(self, value: str) -> None:
        if self.table:
            value = self.table_text(value)
        pieces = re.split(r"(\n)", value)
        for index, piece in enumerate(pieces):
            if piece == "\n":
                self.newlines += 1
                self.line_start = True
                if self.newlines > 1 or self.item:
                    self.flush()  # a blank line ends a paragraph; a line end ends a list item
                else:
                    self.renderer.text(piece, self.atoms)
            elif self.line_start and piece.lstrip().startswith("{|"):
                self.flush()
                self.table = 1
                self.line_start = False
                self.text(self.table_text("".join(pieces[index + 1 :])))
                return
            elif piece:
                self.renderer.text(piece, self.atoms)
                if piece.strip():
                    self.content(piece)

    def table_text(self, value: str) -> str:
        """Skip a table the parser left as text; return the text after its end."""
        lines = value.split("\n")
        for index, line in enumerate(lines):
            if index == 0 and not self.line_start:
                continue
            if line.lstrip().startswith("{|"):
                self.table += 1
            elif line.lstrip().startswith("|}"):
                self.table -= 1
                if not self.table:
                    self.line_start = False
                    return "\n".join(["", *lines[index + 1 :]]) if index + 1 < len(lines) else ""
        self.line_start = value.endswith("\n") or (self.line_start and "\n" not in value)
        return ""

    def walk(self, code: Wikicode | None) -> None:
        if code is None:
            return
        for node in code.nodes:
            if isinstance(node, Heading):
                self.heading(node)
            elif isinstance(node, Template) and _tname(node).startswith("displaytitle:"):
                self.display_title = plain(str(node.name).split(":", 1)[1])
            elif self.excluded():
                self.footnotes.collect_node(node)
            elif isinstance(node, Text):
                self.text(node.value)
            elif self.table:
                self.footnotes.collect_node(node)
            elif not self.block(node):
                self.renderer.node(node, self.atoms)
                if not isinstance(node, Comment):
                    self.content(node)

    def block(self, node: Node) -> bool:
        """Handle a node that starts or is a block; return False for inline nodes."""
        if isinstance(node, Tag):
            return self.block_tag(node)
        if isinstance(node, Template):
            return self.block_template(node)
        return False

    def block_tag(self, tag: Tag) -> bool:
        """Handle a tag that starts or is a block; return False for inline tags."""
        name = str(tag.tag).strip().lower()
        if tag.wiki_markup in ("*", "#", ":", ";"):
            self.flush()
            self.item = tag.wiki_markup
            self.line_start = True
        elif name == "hr":
            self.flush()
        elif name in _SKIPPED_TAGS:
            self.flush()
            self.footnotes.collect_node(tag)
        elif name in ("blockquote", "poem", "div", "center", "p") and not tag.self_closing:
            self.flush()
            self.walk(tag.contents)
            self.flush()
        else:
            return False
        return True

    def block_template(self, template: Template) -> bool:
        """Handle a template that is a block (infobox, quote, hatnote…); False for inline."""
        name = _tname(template)
        if name in _QUOTES:
            self.flush()
            quote = _param(template, *_QUOTES[name])
            self.walk(quote.value if quote is not None else None)
            self.flush()
            for param in template.params:
                if param is not quote:
                    self.footnotes.collect(param.value)
            return True
        blockish = (
            "infobox" in name
            or "sidebar" in name
            or "navbox" in name
            or "campaignbox" in name
            or name in _HATNOTES
            or name in _REFLISTS
            or name.startswith(("multiple image", "image frame", "div col", "columns-list"))
        )
        if blockish:
            self.flush()
            self.footnotes.collect_node(template)
        return blockish


# --- sentences -------------------------------------------------------------------------------


def _locate(text: str, sentences: list) -> list[tuple[int, int] | None]:
    """Return, for each sentence, the span [first, last] of its characters in `text`."""
    marks = [index for index, char in enumerate(text) if char == MARK]
    spans: list[tuple[int, int] | None] = []
    position = 0
    for sentence in sentences:
        first = last = None
        for char in sentence.text:
            if char.isspace():
                continue
            found = text.find(char, position)
            if found < 0:
                break
            first = found if first is None else first
            last, position = found, found + 1
        own = [marks[index] for index, _ in sentence.marks if index < len(marks)]
        points = [point for point in (first, last, *own) if point is not None]
        if not points:
            spans.append(None)
            continue
        spans.append((min(points), max(points)))
        position = max(position, max(points) + 1)
    return spans


def _raw(atoms: list[Atom], span: tuple[int, int]) -> str:
    """Return the wikitext of the atoms that make up the characters span[0]..span[1]."""
    low, high = span
    parts = []
    start = 0
    for atom in atoms:
        end = start + len(atom.text)
        if atom.text:
            if end > low and start <= high:
                if atom.sliceable:
                    parts.append(atom.source[max(low - start, 0) : high + 1 - start])
                else:
                    parts.append(atom.source)
        elif (atom.glue == "open" and low <= start <= high) or (
            atom.glue == "close" and low < start <= high + 1
        ):
            parts.append(atom.source)
        start = end
    return _restore("".join(parts), "'").strip()


def _tidy(text: str) -> str:
    """Remove what dropped templates leave behind: empty brackets, stray spaces."""
    text = re.sub(r"\(\s*[,;:]?\s*\)", "", _restore(text))
    text = re.sub(r"\(\s*[,;]\s*", "(", text)
    text = _SPACES.sub(" ", text).strip()
    text = re.sub(r"([(\[]) ", r"\1", text)
    return re.sub(r" ([.,;:!?)\]])", r"\1", text)


def _claims(blocks: list[_Block], warnings: list[str]) -> list[ParsedClaim]:
    claims: list[ParsedClaim] = []
    for block in blocks:
        text = "".join(atom.text for atom in block.atoms)
        marks = [atom.mark for atom in block.atoms if atom.mark is not None]
        sentences = split_sentences(text)
        for sentence, span in zip(sentences, _locate(text, sentences), strict=True):
            clean = _tidy(sentence.text)
            raw = _raw(block.atoms, span) if span else ""
            if not re.search(r"\w", clean):  # markers, or punctuation a segmenter cut off
                if not claims:
                    if sentence.marks:
                        warnings.append("footnotes before the first sentence were left out")
                    continue
                claim = claims[-1]
                claim.continuation.append(raw)
                marked = [(marks[index], TRAILING) for index, _ in sentence.marks]
            else:
                claim = ParsedClaim(
                    line=len(claims) + 1, raw=raw, text=clean, section=list(block.section)
                )
                claims.append(claim)
                marked = [(marks[index], position) for index, position in sentence.marks]
            for mark, position in marked:
                claim.add_mark(mark.kind, mark.value, position, mark.page)
    return claims


# --- sources ---------------------------------------------------------------------------------


def _bibliography(code: Wikicode) -> dict[str, Template]:
    """Return every cite template of the article by the CITEREF keys that reach it."""
    found: dict[str, Template] = {}
    for template in code.filter_templates(recursive=True):
        if _is_cite(_tname(template)):
            for anchor in _anchors(template):
                found.setdefault(anchor, template)
    return found


def _first_template(code: Wikicode, accept: Callable[[str], bool]) -> Template | None:
    for template in code.filter_templates(recursive=True):
        if accept(_tname(template)):
            return template
    return None


def _sources(
    footnotes: Iterable[Footnote], bibliography: dict[str, Template], warnings: list[str]
) -> tuple[dict[str, ParsedSource], dict[str, str]]:
    sources: dict[str, ParsedSource] = {}
    notes: dict[str, str] = {}
    unresolved: list[str] = []
    for footnote in footnotes:
        if footnote.group != "":
            notes[footnote.label] = plain(footnote.content)
            continue
        source = ParsedSource(label=footnote.label)
        short = footnote.short
        if footnote.content is not None:
            cite = _first_template(footnote.content, _is_cite)
            if cite is not None:
                _fill(source, cite)
            else:
                harv = _first_template(footnote.content, lambda n: n in _HARV or n in _SFN)
                short = _short_from(harv) if harv is not None else None
            for link in footnote.content.filter_external_links(recursive=True):
                if not source.url:
                    source.url = _restore(str(link.url), "'").strip()
                    if not source.title and link.title is not None:
                        source.title = plain(link.title)
            isbn = _first_template(footnote.content, lambda n: n == "isbn")
            if isbn is not None and not source.isbn:
                source.isbn = _first(isbn)
            source.text = plain(footnote.content)
        if short is not None:
            if footnote.short is not None:
                source.text = _sentence(short.render())
            target = bibliography.get(short.key)
            if target is None:
                unresolved.append(short.render())
            else:
                if short.where:
                    source.pages = short.where
                _fill(source, target)
                if not source.text:
                    source.text = _render_cite(target)
        sources[footnote.label] = source
    if unresolved:
        shown = ", ".join(unresolved[:5]) + (", …" if len(unresolved) > 5 else "")
        warnings.append(
            f"{len(unresolved)} short citation(s) match no entry of the bibliography: {shown}"
        )
    return sources, notes


# --- entry points ----------------------------------------------------------------------------

_WIKITEXT_SIGNS = re.compile(
    r"<ref[\s>/]|\{\{\s*(?:cite|sfn|reflist|infobox|citation needed|efn)\b|\[\[[^\[\]\n]+\]\]"
    r"|'''[^'\n]+'''|^(?P<level>={2,6})[^=\n]+(?P=level)\s*$|^\{\|",
    re.IGNORECASE | re.MULTILINE,
)


def looks_like_wikitext(text: str) -> bool:
    """Return whether `text` is clearly wikitext (refs, cite templates, links, bold, headings)."""
    return _WIKITEXT_SIGNS.search(text) is not None


def parse_wikitext(data: bytes, name: str) -> ParsedDocument:
    """Parse a Wikipedia article's wikitext into claims and sources, or raise FormatError."""
    text = decode_seed(data, name)
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    try:
        code = mwparserfromhell.parse(_balance_quotes(text))
    except Exception as exc:  # the tokenizer's own errors have no common base class
        raise FormatError(name, f"not readable as wikitext ({exc})") from None
    article = _Article(code)
    warnings = article.footnotes.finish()
    claims = _claims(article.blocks, warnings)
    if not claims:
        raise FormatError(name, "no sentence found (only markup, tables or reference lists)")
    sources, notes = _sources(article.footnotes.order, _bibliography(code), warnings)
    title = article.display_title or PurePath(name).stem.replace("_", " ").strip()
    return ParsedDocument(
        claims=claims,
        line_count=len(lines),
        sha256=hashlib.sha256(data).hexdigest(),
        sources=sources,
        notes=notes,
        title=title,
        warnings=warnings,
    )
