"""The wikitext format: claims, footnotes numbered as the rendered page numbers them, sources."""

import datetime
import hashlib
import re
from pathlib import Path

import pytest

from claims.formats import format_for, parse_document
from claims.formats.base import FormatError
from claims.formats.seed import CLEANUP_TAGS
from claims.formats.wikitext import looks_like_wikitext, parse_date, parse_wikitext

IN, T = "inline", "trailing"
ARTICLES = Path(__file__).resolve().parents[2] / "data" / "articles"
MARKUP = ("[[", "]]", "{{", "}}", "<ref", "''", "==")


def parse(text: str, name: str = "Test_article.wiki"):
    return parse_wikitext(text.encode(), name)


def claim(text, citations=(), pages=None, tags=(), notes=()):
    """The expected (text, citations, pages, tags, notes) of a claim; pages default to none."""
    citations = list(citations)
    pages = list(pages) if pages is not None else [""] * len(citations)
    return (text, citations, pages, list(tags), list(notes))


def got(doc):
    return [(c.text, c.citations, c.pages, c.tags, c.notes) for c in doc.claims]


CITE_A = "{{cite web |url=https://a.example/x |title=Alpha report |website=Example News}}"

CASES = [
    (
        "named ref reused across sentences",
        f'Alpha rose.<ref name="a">{CITE_A}</ref> Beta fell.<ref>Beta.</ref> '
        'Gamma held.<ref name="a" />',
        [
            claim("Alpha rose.", [("1", T)]),
            claim("Beta fell.", [("2", T)]),
            claim("Gamma held.", [("1", T)]),
        ],
    ),
    (
        "named ref used before its definition",
        'Alpha.<ref name=x/> Beta.<ref name="x">Defined late.</ref> Gamma.<ref>Other.</ref>',
        [claim("Alpha.", [("1", T)]), claim("Beta.", [("1", T)]), claim("Gamma.", [("2", T)])],
    ),
    (
        "ref inside a quotation",
        'He said "we will not retreat.<ref>Speech.</ref>" Then he left.',
        [claim('He said "we will not retreat."', [("1", T)]), claim("Then he left.")],
    ),
    (
        "three refs in one sentence",
        "Prices rose<ref>A.</ref> and wages fell.<ref>B.</ref><ref>C.</ref>",
        [claim("Prices rose and wages fell.", [("1", IN), ("2", T), ("3", T)])],
    ),
    (
        "refs printed after the full stop close that sentence",
        "One. <ref>A.</ref> Two<ref>B.</ref>, three.",
        [claim("One.", [("1", T)]), claim("Two, three.", [("2", IN)])],
    ),
    (
        "sfn: identical calls share a label, other pages get their own",
        "First.{{sfn|Smith|2020|p=34}} Second.{{sfn|Smith|2020|pp=36–38}} "
        "Third.{{sfnp|Smith|Jones|2021|loc=ch. 2}} Fourth.{{sfn|Smith|2020|p=34}}",
        [
            claim("First.", [("1", T)], ["34"]),
            claim("Second.", [("2", T)], ["36–38"]),
            claim("Third.", [("3", T)], ["ch. 2"]),
            claim("Fourth.", [("1", T)], ["34"]),
        ],
    ),
    (
        "rp gives the page of the ref before it",
        "A claim.<ref name=b>Book.</ref>{{rp|12}} Again.<ref name=b/>{{rp|p=14}} More.<ref name=b/>",
        [
            claim("A claim.", [("1", T)], ["12"]),
            claim("Again.", [("1", T)], ["14"]),
            claim("More.", [("1", T)]),
        ],
    ),
    (
        "r template reuses named refs with pages",
        "Alpha.<ref name=a>A.</ref> Beta.{{r|a|p=7}}",
        [claim("Alpha.", [("1", T)]), claim("Beta.", [("1", T)], ["7"])],
    ),
    (
        "efn and grouped refs are notes; a note's own ref takes a number",
        "The army grew.{{efn|Counting reservists.<ref>Inner.</ref>}} It shrank.<ref>x</ref> "
        'Notes too.<ref group="note">A note.</ref>{{efn|Second.}} '
        "Lettered.<ref group=lower-alpha>Third.</ref> Hashed.{{#tag:ref|Fourth.|group=note}}",
        [
            claim("The army grew.", notes=["a"]),
            claim("It shrank.", [("2", T)]),
            claim("Notes too.", notes=["note 1", "b"]),
            claim("Lettered.", notes=["c"]),
            claim("Hashed.", notes=["note 2"]),
        ],
    ),
    (
        "refs in the infobox render first and take the first numbers",
        "{{Infobox country\n| name = X\n| population = 5<ref>Census.</ref>\n}}\n"
        "'''X''' is a country.<ref>Atlas.</ref>",
        [claim("X is a country.", [("2", T)])],
    ),
    (
        "list-defined refs are numbered where the text uses them",
        'Alpha.<ref name="a"/> Beta.<ref name="b"/> Alpha again.<ref name="a"/>\n\n'
        "== References ==\n{{reflist|refs=\n"
        '<ref name="b">B.</ref>\n<ref name="a">A.</ref>\n}}',
        [
            claim("Alpha.", [("1", T)]),
            claim("Beta.", [("2", T)]),
            claim("Alpha again.", [("1", T)]),
        ],
    ),
    (
        "refs defined inside <references> are numbered where the text uses them",
        'Alpha.<ref name="b"/> Beta.<ref name="a"/>\n\n== Notes ==\n<references>\n'
        '<ref name="a">A.</ref>\n<ref name="b">B.</ref>\n</references>',
        [claim("Alpha.", [("1", T)]), claim("Beta.", [("2", T)])],
    ),
    (
        "sfnm is one footnote per call, with the first work's pages",
        "One.{{sfnm|1a1=Smith|1y=2020|1p=5|2a1=Roe|2y=1999}} "
        "Two.{{sfnm|1a1=Smith|1y=2020|1p=5|2a1=Doe|2y=2001}}",
        [claim("One.", [("1", T)], ["5"]), claim("Two.", [("2", T)], ["5"])],
    ),
    (
        "cleanup templates and their redirects become tags",
        "Crowds gathered.{{cn|date=May 2023}} The mayor resigned.{{Dubious|date=May 2023}} "
        "Figures doubled.{{fv}} It rained.<ref>x</ref>{{better source needed}} "
        "Nobody knew.{{Citation needed|reason=why}}{{failed verification}} "
        "It was odd.{{dubious-inline}}{{bsn}}{{fact}}",
        [
            claim("Crowds gathered.", tags=["citation needed"]),
            claim("The mayor resigned.", tags=["dubious – discuss"]),
            claim("Figures doubled.", tags=["failed verification"]),
            claim("It rained.", [("1", T)], tags=["better source needed"]),
            claim("Nobody knew.", tags=["citation needed", "failed verification"]),
            claim(
                "It was odd.",
                tags=["dubious – discuss", "better source needed", "citation needed"],
            ),
        ],
    ),
    (
        "a tag after the full stop belongs to the sentence it follows",
        "Crowds gathered. {{cn|date=May 2023}} Then they left.",
        [claim("Crowds gathered.", tags=["citation needed"]), claim("Then they left.")],
    ),
    (
        "paragraphs and list items are split apart, never merged",
        "First paragraph ends here\n\nSecond one.\n* An item<ref>A.</ref>\n* Another item",
        [
            claim("First paragraph ends here"),
            claim("Second one."),
            claim("An item", [("1", T)]),
            claim("Another item"),
        ],
    ),
    (
        "a paragraph of footnotes alone closes the sentence before",
        "Alpha ends.\n\n<ref>A.</ref>",
        [claim("Alpha ends.", [("1", T)])],
    ),
]


@pytest.mark.parametrize(
    ("wikitext", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_it_turns_sentences_into_claims_with_their_footnotes(wikitext, expected):
    assert got(parse(wikitext)) == expected


def test_claims_are_numbered_by_their_ordinal_in_the_document():
    doc = parse("One. Two.\n\n== Part ==\nThree.")
    assert [c.line for c in doc.claims] == [1, 2, 3]


# --- what is not a claim ---------------------------------------------------------------------

NOT_CLAIMS = """{{Short description|Test}}
{{Infobox country
| name = Infobox text is not a claim.
}}
{{Main|Other article}}
[[File:Map.svg|thumb|A caption is not a claim.<ref>Caption ref.</ref>]]
'''Lead''' sentence.<ref>Lead ref.</ref>
__TOC__
<!-- A comment is not a claim. -->
{| class="wikitable"
| A table cell is not a claim.<ref>Table ref.</ref>
|}
== History ==
'''A pseudo heading'''
{{See also|Something}}
History sentence.<ref>History ref.</ref>
=== 2022 ===
Deeper sentence.
{{Navbox|title=Navbox text is not a claim.}}
{{Campaignbox Something|list=Campaignbox text.}}

== See also ==
* [[Another article]]

== References ==
{{Reflist}}

== External links ==
* [https://example.org Official site]

[[Category:Tests]]
"""


def test_only_prose_gives_claims_each_under_its_heading_path():
    doc = parse(NOT_CLAIMS)
    assert [(c.text, c.section, c.citations) for c in doc.claims] == [
        ("Lead sentence.", [], [("2", T)]),
        ("History sentence.", ["History"], [("4", T)]),
        ("Deeper sentence.", ["History", "2022"], []),
    ]


def test_refs_in_captions_and_tables_still_take_their_numbers():
    doc = parse(NOT_CLAIMS)
    assert [doc.sources[label].text for label in ("1", "2", "3", "4")] == [
        "Caption ref.",
        "Lead ref.",
        "Table ref.",
        "History ref.",
    ]


@pytest.mark.parametrize(
    "section",
    [
        "References",
        "Notes",
        "Sources",
        "Bibliography",
        "External links",
        "Further reading",
        "See also",
    ],
)
def test_apparatus_sections_give_no_claims(section):
    doc = parse(f"Prose.\n\n== {section} ==\nNot a claim.\n\n=== Deeper ===\nNor this.")
    assert [c.text for c in doc.claims] == ["Prose."]


def test_an_unclosed_italic_ends_with_its_line_as_on_the_page():
    doc = parse("The ''Star'''s view.\nIt is ''open.\n\n== Next ==\nAfter.")
    assert [(c.text, c.section) for c in doc.claims] == [
        ("The Star's view.", []),
        ("It is open.", []),
        ("After.", ["Next"]),
    ]
    assert [c.raw for c in doc.claims[:2]] == ["The ''Star'''s view.", "It is ''open."]


def test_a_table_the_parser_leaves_as_text_is_not_a_claim():
    doc = parse('Before.\n:{|class="wikitable"\n|-\n! Index\n|-\n| Rank 14\n|}\nAfter.')
    assert [c.text for c in doc.claims] == ["Before.", "After."]


# --- markup ----------------------------------------------------------------------------------

MARKUP_CASES = [
    ("[[Moscow|The capital]] and [[Kyiv]] lie apart.", "The capital and Kyiv lie apart."),
    ("[[apple]]s and [[pear (fruit)|]] grow.", "apples and pear grow."),
    ("''Italic'' and '''bold''' and '''''both'''''.", "Italic and bold and both."),
    ("The word {{lang|ru|текст}} means text.", "The word текст means text."),
    ("It is {{lang-ru|текст}} here.", "It is Russian: текст here."),
    ("It runs {{convert|5|km}} east.", "It runs 5 km east."),
    ("It covers {{convert|242500|km2|sqmi}}.", "It covers 242,500 km²."),
    ("It runs {{convert|5|to|10|km|mi}} east.", "It runs 5 to 10 km east."),
    ("On {{nowrap|5 May}} it began.", "On 5 May it began."),
    ("See [http://x.example the site] now.", "See the site now."),
    ("Bare [http://x.example] link.", "Bare link."),
    ("A{{nbsp}}B{{snd}}C&nbsp;D &amp; E.", "A B – C D & E."),
    ("Hidden<!-- comment --> text.", "Hidden text."),
    ("Unknown {{Some unknown template|x|y=z}}templates vanish.", "Unknown templates vanish."),
    ("He met {{ill|Ivan Petrov|ru|Пётр}} there.", "He met Ivan Petrov there."),
    ("Born {{circa|1000}} in {{abbr|UK|United Kingdom}}.", "Born c. 1000 in UK."),
    ("{{As of|2014|10}}, it grew.", "As of October 2014, it grew."),
    ("It is {{small|(small)}} and {{sic|hte}} thing.", "It is (small) and hte [sic] thing."),
    ("Costs {{US$|5 million}} now.", "Costs US$5 million now."),
    ("Pronounced ({{IPAc-en|ˈ|r|ʌ|ʃ|ə}}) Russia.", "Pronounced Russia."),
    ("He said<br/>so.", "He said so."),
    ("The name {{transl|ru|Moskva}} is old.", "The name Moskva is old."),
    ("The ''Star'''s view.", "The Star's view."),
    ("An ''''emphatic'''' word.", "An 'emphatic' word."),
    ("Mass is <math>E=mc^2</math> here.", "Mass is E=mc^2 here."),
    ("A [[File:X.jpg|20px]] flag and [[Category:Y]] end.", "A flag and end."),
]


@pytest.mark.parametrize(("wikitext", "text"), MARKUP_CASES)
def test_it_renders_markup_as_the_page_shows_it(wikitext, text):
    assert [c.text for c in parse(wikitext).claims] == [text]


def test_a_quotation_block_gives_claims_with_its_refs():
    doc = parse(
        "He wrote:\n{{quote|text=We shall fight.<ref>Speech.</ref>|author=Someone}}\nAfter."
    )
    assert got(doc) == [
        claim("He wrote:"),
        claim("We shall fight.", [("1", T)]),
        claim("After."),
    ]


# --- sources ---------------------------------------------------------------------------------


def test_a_named_ref_reused_shares_one_source_with_the_cite_fields():
    doc = parse(
        'Alpha.<ref name="a">{{cite web |url=https://a.example/x |title=Alpha report '
        "|website=Example News |publisher=Example Group |date=1 May 2023 |last=Smith "
        "|first=Jane |last2=Doe |first2=John |access-date=2023-05-03 "
        "|archive-url=https://web.archive.org/a |archive-date=May 4, 2023}}</ref> "
        'Gamma.<ref name="a" />'
    )
    assert list(doc.sources) == ["1"]
    source = doc.sources["1"]
    assert (source.title, source.url, source.publisher, source.author) == (
        "Alpha report",
        "https://a.example/x",
        "Example News",
        "Smith, Jane; Doe, John",
    )
    assert source.published_on == datetime.date(2023, 5, 1)
    assert source.accessed_on == datetime.date(2023, 5, 3)
    assert (source.archive_url, source.archive_date) == (
        "https://web.archive.org/a",
        datetime.date(2023, 5, 4),
    )
    assert source.text == (
        'Smith, Jane; Doe, John (1 May 2023). "Alpha report". Example News. Example Group. '
        "Retrieved 2023-05-03."
    )


@pytest.mark.parametrize(
    ("cite", "field", "value"),
    [
        (
            "{{Cite news|title=T|newspaper=The Daily|publisher=Daily Group}}",
            "publisher",
            "The Daily",
        ),
        ("{{cite book|title=T|publisher=[[Penguin Books|Penguin]]}}", "publisher", "Penguin"),
        ("{{cite journal|title=T|journal=Nature|doi=10.1038/x}}", "doi", "10.1038/x"),
        ("{{cite book|title=T|isbn=978-3-16-148410-0|pages=3–5}}", "isbn", "978-3-16-148410-0"),
        ("{{cite book|title=T|isbn=978-3-16-148410-0|pages=3–5}}", "pages", "3–5"),
        ("{{citation|author=[[Jane Roe]]|title=T}}", "author", "Jane Roe"),
        ("{{cite journal|vauthors=Smith JA, Jones B|title=T}}", "author", "Smith JA; Jones B"),
        ("{{Cite Magazine|title=''Deep'' [[Title]]|magazine=Mag}}", "title", "Deep Title"),
        ("{{cite press release|title=T|url=https://p.example}}", "url", "https://p.example"),
        ("{{cite av media|title=Film|year=1999}}", "published_on", None),
        ("{{cite web|title=T|date=2023-05-01}}", "published_on", datetime.date(2023, 5, 1)),
        ("{{cite report|title=T|date=March 2021}}", "published_on", None),
    ],
)
def test_it_reads_cite_templates(cite, field, value):
    doc = parse(f"Claim.<ref>{cite}</ref>")
    assert getattr(doc.sources["1"], field) == value


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("1 May 2023", datetime.date(2023, 5, 1)),
        ("May 1, 2023", datetime.date(2023, 5, 1)),
        ("2023-05-01", datetime.date(2023, 5, 1)),
        ("1 Sept 2023", datetime.date(2023, 9, 1)),
        ("May 2023", None),
        ("2023", None),
        ("30 February 2023", None),
        ("soon", None),
    ],
)
def test_a_date_needs_day_month_and_year(text, date):
    assert parse_date(text) == date


def test_a_bare_url_ref_keeps_its_url_and_title():
    doc = parse(
        "One.<ref>https://example.org/a</ref> Two.<ref>[https://example.org/b Some ''title'']</ref>"
    )
    assert [(s.url, s.title) for s in doc.sources.values()] == [
        ("https://example.org/a", ""),
        ("https://example.org/b", "Some title"),
    ]


SFN_ARTICLE = """First.{{sfn|Smith|2020|p=34}} Second.{{sfn|Smith|2020|pp=36–38}} \
Third.{{sfnp|Smith|Jones|2021a|loc=ch. 2}} Fourth.<ref>{{harvnb|Roe|1999|p=5}}, and more.</ref>

== Sources ==
* {{cite book |last=Smith |first=Ann |year=2020 |title=The Book |url=https://books.example/smith}}
* {{cite journal |last1=Smith |first1=Ann |last2=Jones |first2=Bo |date=March 2021a |title=Paper}}
* {{citation |author=Roe, R. |title=Old |date=1999 |ref={{harvid|Roe|1999}}}}
"""


def test_short_citations_fill_their_source_from_the_bibliography():
    sources = parse(SFN_ARTICLE).sources
    assert [(s.title, s.url, s.author, s.pages, s.text) for s in sources.values()] == [
        ("The Book", "https://books.example/smith", "Smith, Ann", "34", "Smith 2020, p. 34."),
        (
            "The Book",
            "https://books.example/smith",
            "Smith, Ann",
            "36–38",
            "Smith 2020, pp. 36–38.",
        ),
        ("Paper", "", "Smith, Ann; Jones, Bo", "ch. 2", "Smith & Jones 2021a, ch. 2."),
        ("Old", "", "Roe, R.", "5", "Roe 1999, p. 5, and more."),
    ]


def test_notes_text_goes_to_the_document_not_to_the_sources():
    doc = parse(
        "Grew.{{efn|Counting ''reservists''.<ref>Inner.</ref>}} "
        "Shrank.<ref group=note>A [[note]].</ref>"
    )
    assert doc.notes == {"a": "Counting reservists.", "note 1": "A note."}
    assert list(doc.sources) == ["1"]


def test_each_note_group_is_labelled_as_cite_prints_it():
    doc = parse(
        "Alpha.{{efn-ua|x}} Beta.{{efn-lr|y}}{{efn-lr|z}}{{efn-lr|w}}{{efn-lr|v}} "
        "Gamma.{{efn-lg|u}} Delta.{{NoteTag|t}} Epsilon.{{efn|group=upper-roman|s}} "
        "Zeta.{{efn|group=bogus|r}}"
    )
    assert [c.notes for c in doc.claims] == [
        ["A"],
        ["i", "ii", "iii", "iv"],
        ["α"],
        ["note 1"],
        ["I"],
        ["a"],
    ]


def test_it_warns_of_footnotes_it_cannot_fill():
    doc = parse('Alpha.<ref name="ghost"/> Beta.{{sfn|Nobody|1900}}')
    assert doc.warnings == [
        'footnote [1]: ref name="ghost" is never defined',
        "1 short citation(s) match no entry of the bibliography: Nobody 1900",
    ]


# --- raw: the identity of a claim across re-imports ------------------------------------------


def test_raw_is_the_sentences_own_wikitext():
    doc = parse(
        "'''Alpha''' rose [[sharply]].<ref name=\"a\">{{cite web|title=A}}</ref>{{rp|3}} "
        "Beta<!-- hidden --> fell."
    )
    assert [c.raw for c in doc.claims] == [
        "'''Alpha''' rose [[sharply]].<ref name=\"a\">{{cite web|title=A}}</ref>{{rp|3}}",
        "Beta fell.",
    ]


def test_raw_stays_when_footnotes_elsewhere_are_renumbered():
    before = parse("Alpha rose. Beta fell.<ref>B.</ref>")
    after = parse("Alpha rose.<ref>New.</ref> Beta fell.<ref>B.</ref>")
    assert before.claims[1].citations == [("1", T)]
    assert after.claims[1].citations == [("2", T)]
    assert before.claims[1].fingerprint == after.claims[1].fingerprint


def test_raw_changes_when_the_sentence_or_its_ref_changes():
    base = parse("Beta fell.<ref>{{cite web|url=https://a.example}}</ref>").claims[0]
    new_ref = parse("Beta fell.<ref>{{cite web|url=https://b.example}}</ref>").claims[0]
    new_text = parse("Beta rose.<ref>{{cite web|url=https://a.example}}</ref>").claims[0]
    assert len({base.fingerprint, new_ref.fingerprint, new_text.fingerprint}) == 3


# --- the document ----------------------------------------------------------------------------


def test_the_document_knows_its_title_lines_and_checksum():
    data = b"Line one.\nLine two.\r\n\nLine four.\n"
    doc = parse_wikitext(data, "some/dir/2022_Russian_mobilization.wiki")
    assert doc.title == "2022 Russian mobilization"
    assert doc.line_count == 4
    assert doc.sha256 == hashlib.sha256(data).hexdigest()


def test_a_displaytitle_names_the_document():
    assert parse("{{DISPLAYTITLE:''iPhone''}}\nText.", "IPhone.wiki").title == "iPhone"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"Fine line.\n\xff\xfe bad", "line 2: not valid UTF-8"),
        (b"{{Infobox country|name=X}}\n== References ==\n{{reflist}}", "no sentence found"),
        (b"<!-- only a comment -->", "no sentence found"),
    ],
)
def test_unreadable_input_raises_a_format_error(data, problem):
    with pytest.raises(FormatError) as error:
        parse_wikitext(data, "bad.wiki")
    assert problem in str(error.value)
    assert str(error.value).startswith("bad.wiki")


@pytest.mark.parametrize(
    "text",
    [
        "Claim.<ref>Source.</ref>",
        "Claim.<ref name=a />",
        "{{cite web|url=https://x.example}}",
        "Claim.{{sfn|Smith|2020}}",
        "See [[Moscow]] for more.",
        "The '''Thing''' is a thing.",
        "Intro.\n\n== History ==\nMore.",
    ],
)
def test_it_recognises_wikitext(text):
    assert looks_like_wikitext(text)


@pytest.mark.parametrize(
    "text",
    [
        "Russia mobilized reservists.[19] Many fled.[20][21]",
        "A claim.[citation needed] Another one.[a]",
        "He said 'no' and x == y holds [sic].",
        "Heading-like == but inside a sentence == here.",
    ],
)
def test_it_does_not_mistake_plain_text_for_wikitext(text):
    assert not looks_like_wikitext(text)


def test_the_format_is_registered_by_name_and_extension():
    assert format_for("Article.wiki") == "wikitext"
    assert format_for("Article.WIKITEXT") == "wikitext"
    doc = parse_document(b"Claim.<ref>Source.</ref>", "Article.wiki")
    assert doc.claims[0].citations == [("1", T)]


def test_every_tag_is_a_canonical_cleanup_tag():
    text = " ".join(
        f"Claim {n}.{{{{{alias}}}}}"
        for n, alias in enumerate(
            ["cn", "who", "when", "clarify", "verify source", "page needed", "full", "atw"]
        )
    )
    tags = [tag for c in parse(text).claims for tag in c.tags]
    assert len(tags) == 8
    assert set(tags) <= set(CLEANUP_TAGS)


# --- real articles ---------------------------------------------------------------------------

# (file stem, claims, sources, with title, with url, with both, notes)
REAL = [
    ("United_Kingdom", 727, 605, 567, 529, 526, 18),
    ("Ibn_al-Haytham", 265, 128, 123, 44, 44, 1),
    ("Toronto_Star", 167, 32, 28, 31, 28, 0),
]
_HEADING = re.compile(r"^(={2,6})\s*(.+?)\s*\1\s*$", re.MULTILINE)


def load(stem):
    path = ARTICLES / f"{stem}.wiki"
    return path, parse_wikitext(path.read_bytes(), path.name)


@pytest.mark.parametrize(("stem", "claims", "sources", "titled", "linked", "both", "notes"), REAL)
def test_a_real_article_parses_cleanly(stem, claims, sources, titled, linked, both, notes):
    path, doc = load(stem)
    assert (path.with_suffix(".origin")).exists()
    assert len(doc.claims) == claims
    assert doc.title == stem.replace("_", " ")
    for parsed in doc.claims:
        assert not any(mark in parsed.text for mark in MARKUP), parsed.text
    headings = {m.group(2).replace("'''", "") for m in _HEADING.finditer(path.read_text())}
    assert not headings & {c.text for c in doc.claims}
    values = doc.sources.values()
    assert len(doc.sources) == sources
    assert sum(1 for s in values if s.title) == titled
    assert sum(1 for s in values if s.url) == linked
    assert sum(1 for s in values if s.title and s.url) == both
    assert len(doc.notes) == notes
    # Every footnote a claim cites is described, and its pages run parallel to it.
    for parsed in doc.claims:
        assert all(label in doc.sources for label, _ in parsed.citations)
        assert len(parsed.pages) == len(parsed.citations)
    assert doc.warnings == []


def find(doc, start):
    (found,) = [c for c in doc.claims if c.text.startswith(start)]
    return found


def test_united_kingdom_spot_checks():
    _, doc = load("United_Kingdom")
    # The lead's land-border sentence carries the ninth note: eight notes sit in the infobox.
    border = find(doc, "Northern Ireland is the only part of the United Kingdom")
    assert border.text.endswith("another sovereign state—the Republic of Ireland.")
    assert (border.section, border.citations, border.notes) == ([], [], ["note 9"])
    assert doc.notes["note 9"].startswith("Although Northern Ireland is the only part of the UK")
    # 54 numbered footnotes precede this one, counted by hand in the wikitext.
    passport = find(doc, "Its first page shows the long form name of the state")
    assert passport.section == ["Etymology and terminology"]
    assert passport.citations == [("54", T)]
    guardian = doc.sources["54"]
    assert (guardian.title, guardian.publisher, guardian.author, guardian.published_on) == (
        "Why I'm saddened by Scotland going Gaelic",
        "The Guardian",
        "Jack, Ian",
        datetime.date(2010, 12, 11),
    )
    # Three refs after three commas: all inline, each its own source.
    devolved = find(doc, "The last three have devolved administrations")
    assert devolved.citations == [("16", IN), ("17", IN), ("18", IN)]
    assert doc.sources["17"].url == "http://news.bbc.co.uk/1/hi/education/7859034.stm"


def test_ibn_al_haytham_spot_checks():
    _, doc = load("Ibn_al-Haytham")
    lead = doc.claims[0]
    assert lead.text.startswith("Ibn al-Haytham (latinized Alhazen full name Abū ʿAlī")
    assert lead.text.endswith(
        "was a mathematician, astronomer, and physicist of the Islamic Golden Age."
    )
    assert lead.citations == [("8", IN), ("9", T)]
    # <ref>{{harvnb|Vernet|1996|p=788}}</ref>: filled from the bibliography's {{citation}}.
    vernet = doc.sources["8"]
    assert (vernet.title, vernet.author, vernet.pages) == (
        "Encyclopaedia of Islam",
        "Vernet, J.",
        "788",
    )
    basra = find(doc, "Born in Basra, he spent most of his productive period")
    assert basra.citations == [("14", T)]
    assert (
        doc.sources["14"].url
        == "http://www-history.mcs.st-andrews.ac.uk/Biographies/Al-Haytham.html"
    )
    latin = find(doc, "Optics was translated into Latin by an unknown scholar")
    assert (latin.section, latin.notes) == (["Book of Optics"], ["a"])
    assert doc.notes["a"].startswith("A. Mark Smith has determined that there were at least two")


def test_toronto_star_spot_checks():
    _, doc = load("Toronto_Star")
    editorials = find(doc, "Editorials have denounced political correctness")
    assert editorials.section == ["Editorial position"]
    assert editorials.tags == ["citation needed"] * 3
    liberal = find(doc, "Its precise position in the political spectrum")
    assert liberal.citations == [("19", T)]
    assert liberal.tags == ["better source needed"]
    assert doc.sources["19"].url == "http://sixthestate.net/?page_id=1794"
    assert sum(len(c.tags) for c in doc.claims) == 7
