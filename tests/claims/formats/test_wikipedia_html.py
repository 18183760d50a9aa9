"""Wikipedia article HTML: claims, citations, notes, tags and sources, desktop and Parsoid.

The fragments below copy the markup of real pages (tests/data/articles holds three whole ones);
only the prose is shortened.
"""

import datetime
import re
from pathlib import Path

import lxml.html
import pytest

from claims.formats import format_for, parse_document
from claims.formats.base import FormatError
from claims.formats.wikipedia_html import looks_like_html, parse_wikipedia_html

IN, T = "inline", "trailing"
ARTICLES = Path(__file__).resolve().parents[2] / "data" / "articles"


def ref(note: str, label: str, ref_id: str | None = None) -> str:
    """Return a desktop footnote marker linking to #cite_note-<note>."""
    return (
        f'<sup id="cite_ref-{ref_id or note}" class="reference"><a href="#cite_note-{note}">'
        f'<span class="cite-bracket">[</span>{label}<span class="cite-bracket">]</span></a></sup>'
    )


def entry(note: str, inner: str, uses: int = 1) -> str:
    """Return a desktop reference-list item; several uses print `^ a b` back-links."""
    if uses == 1:
        back = f'<b><a href="#cite_ref-{note}">^</a></b>'
    else:
        back = "^ " + " ".join(
            f'<a href="#cite_ref-{note}_{i}"><sup><i><b>{chr(97 + i)}</b></i></sup></a>'
            for i in range(uses)
        )
    return (
        f'<li id="cite_note-{note}"><span class="mw-cite-backlink">{back}</span> '
        f'<span class="reference-text">{inner}</span></li>'
    )


def desktop(body: str, refs: str = "", title: str = "Mozilla") -> bytes:
    """Return a desktop page (new heading markup) around `body`, `refs` in its reference list."""
    return f"""<!DOCTYPE html>
<html class="client-nojs" lang="en" dir="ltr"><head><meta charset="UTF-8">
<title>{title} - Wikipedia</title>
<link rel="canonical" href="https://en.wikipedia.org/wiki/{title}"></head>
<body><h1 id="firstHeading" class="firstHeading mw-first-heading">{title}</h1>
<div id="bodyContent" class="vector-body"><div id="siteSub">From Wikipedia, the free encyclopedia</div>
<div id="mw-content-text" class="mw-body-content"><div class="mw-content-ltr mw-parser-output" lang="en" dir="ltr">
{body}
<div class="mw-heading mw-heading2"><h2 id="References">References</h2><span class="mw-editsection"><span class="mw-editsection-bracket">[</span><a href="/w/index.php?title={title}&amp;action=edit&amp;section=9">edit</a><span class="mw-editsection-bracket">]</span></span></div>
<div class="reflist"><div class="mw-references-wrap mw-references-columns"><ol class="references">
{refs}
</ol></div></div>
</div></div></div>
<footer id="footer"><ul id="footer-info"><li id="footer-info-lastmod"> This page was last edited on 5 May 2024, at 12:07<span class="anonymous-show">&#160;(UTC)</span>.</li></ul></footer>
</body></html>""".encode()


def claims_of(data: bytes) -> list[tuple]:
    return [
        (c.text, c.citations, c.tags, c.notes) for c in parse_wikipedia_html(data, "t.html").claims
    ]


COINS_2 = (
    '<span title="ctx_ver=Z39.88-2004&amp;rfr_id=info%3Asid%2Fen.wikipedia.org%3AMozilla&amp;'
    "rft.btitle=About+the+Mozilla+Corporation&amp;rft.genre=unknown&amp;"
    "rft_id=https%3A%2F%2Fwww.mozilla.org%2Ffoundation%2Fmoco%2F&amp;rft.pub=Mozilla+Foundation"
    '&amp;rft_val_fmt=info%3Aofi%2Ffmt%3Akev%3Amtx%3Abook" class="Z3988"></span>'
)
CITE_2 = (
    '<cite class="citation web cs1"><a rel="nofollow" class="external text" '
    'href="https://www.mozilla.org/foundation/moco/">"About the Mozilla Corporation"</a>. '
    "Mozilla Foundation.</cite>" + COINS_2
)
CITATION_NEEDED = (
    '<sup class="noprint Inline-Template Template-Fact" style="white-space:nowrap;">[<i>'
    '<a href="/wiki/Wikipedia:Citation_needed" title="Wikipedia:Citation needed"><span title="This'
    ' claim needs references to reliable sources. (August 2015)">citation needed</span></a></i>]</sup>'
)
DUBIOUS = (
    '<sup class="noprint Inline-Template" style="white-space:nowrap;">[<i><a href="/wiki/'
    'Wikipedia:Accuracy_dispute#Disputed_statement" title="Wikipedia:Accuracy dispute"><span '
    'title="The material near this tag is possibly inaccurate">dubious</span></a> &#8211; '
    '<a href="/wiki/Talk:Mozilla#Dubious" title="Talk:Mozilla"><span>discuss</span></a></i>]</sup>'
)
NOT_IN_CITATION = (  # the name "[failed verification]" had before 2018 (Dog, revision 845493773)
    '<sup class="noprint Inline-Template " style="white-space:nowrap;">[<i><a href="/wiki/'
    'Wikipedia:Verifiability"><span title="No percentages given (April 2016)">not in citation '
    "given</span></a></i>]</sup>"
)

CASES = {
    "a sentence with three refs, then one with none": (
        f"<p>Mozilla is a free-software community.{ref(1, '1')}{ref(2, '2')}{ref(3, '3')} "
        "It was created in 1998.</p>",
        [
            ("Mozilla is a free-software community.", [("1", T), ("2", T), ("3", T)], [], []),
            ("It was created in 1998.", [], [], []),
        ],
    ),
    "inline and trailing markers": (
        f"<p>Eich previously donated US$1,000{ref(23, '23')} in 2008 in support of "
        f'<a href="/wiki/California_Proposition_8_(2008)">Proposition 8</a>.{ref(24, "24")}</p>',
        [
            (
                "Eich previously donated US$1,000 in 2008 in support of Proposition 8.",
                [("23", IN), ("24", T)],
                [],
                [],
            )
        ],
    ),
    "a ref inside a quotation closes the quoted sentence": (
        f"<p>Baker posted a statement: &quot;We didn’t move fast enough.{ref(28, '28')}&quot; "
        "Eich resigned.</p>",
        [
            ('Baker posted a statement: "We didn’t move fast enough."', [("28", T)], [], []),
            ("Eich resigned.", [], [], []),
        ],
    ),
    "a block quotation is prose": (
        f"<p>According to the Mozilla Foundation:{ref(41, '41')}</p>"
        '<blockquote class="templatequote"><p>The Mozilla Foundation pledges to support the '
        f"Mozilla Manifesto in its activities.{ref(42, '42')}</p></blockquote>",
        [
            ("According to the Mozilla Foundation:", [("41", T)], [], []),
            (
                "The Mozilla Foundation pledges to support the Mozilla Manifesto in its activities.",
                [("42", T)],
                [],
                [],
            ),
        ],
    ),
    "cleanup tags become canonical tags and leave the text": (
        f"<p>He was forced out of the company.{CITATION_NEEDED} The Mozilla Community consists "
        f"of over 40,000 active contributors{DUBIOUS}. About 24% of samples held eggs."
        f"{ref(203, '203')}{NOT_IN_CITATION}</p>",
        [
            ("He was forced out of the company.", [], ["citation needed"], []),
            (
                "The Mozilla Community consists of over 40,000 active contributors.",
                [],
                ["dubious – discuss"],
                [],
            ),
            ("About 24% of samples held eggs.", [("203", T)], ["failed verification"], []),
        ],
    ),
    "lettered and named note groups are notes, not citations": (
        f"<p>The cat descended from the African wildcat.{ref(22, '22')}{ref(24, 'a')} "
        f"Its name is Late Latin.{ref('n1-5', 'note 1')}</p>",
        [
            ("The cat descended from the African wildcat.", [("22", T)], [], ["a"]),
            ("Its name is Late Latin.", [], [], ["note 1"]),
        ],
    ),
    "markers after the last sentence's full stop on a new paragraph line": (
        f"<p>Firefox is a web browser.\n{ref(5, '5')}\n</p>",
        [("Firefox is a web browser.", [("5", T)], [], [])],
    ),
    "prose list items are claims, lists of names are not": (
        "<p>Mozilla produces:</p><ul><li>Firefox</li><li>Thunderbird</li></ul>"
        "<p>Notable exceptions include:</p><ul>"
        "<li>The Andamanese, who were isolated when rising sea levels covered the land bridge"
        f"</li><li>Palau,{ref(142, '142')} Tonga</li></ul>",
        [
            ("Mozilla produces:", [], [], []),
            ("Notable exceptions include:", [], [], []),
            (
                "The Andamanese, who were isolated when rising sea levels covered the land bridge",
                [],
                [],
                [],
            ),
            ("Palau, Tonga", [("142", IN)], [], []),
        ],
    ),
    "hidden text is left out and formulas keep their TeX": (
        '<p>A matrix is Hermitian when <span class="mwe-math-element"><span class="mwe-math-'
        'mathml-inline mwe-math-mathml-a11y" style="display: none;"><math xmlns="http://www.w3.'
        'org/1998/Math/MathML" alttext="{\\displaystyle A=A^{\\mathsf {H}}}"><semantics><mrow>'
        '<mi>A</mi><mo>=</mo></mrow></semantics></math></span><img src="//wikimedia.org/m.svg" '
        'class="mwe-math-fallback-image-inline" alt="{\\displaystyle A=A^{\\mathsf {H}}}"></span>'
        '.<span style="display:none">&#160;(1998-02-28)</span></p>',
        [("A matrix is Hermitian when A=A^{\\mathsf {H}}.", [], [], [])],
    ),
    "page furniture is left out": (
        '<div role="note" class="hatnote navigation-not-searchable">For other uses, see '
        '<a href="/wiki/Mozilla_(disambiguation)">Mozilla (disambiguation)</a>.</div>'
        '<style data-mw-deduplicate="TemplateStyles:r1">.mw-parser-output .hatnote{x:y}</style>'
        '<span id="coordinates"><a href="/wiki/Geographic_coordinate_system">Coordinates</a>: '
        "37°23′N 122°05′W</span>"
        '<table class="infobox vcard"><tbody><tr><th>Founded</th><td><p>February 28, 1998.</p>'
        "</td></tr></tbody></table>"
        '<table class="sidebar nomobile"><tbody><tr><td><p>Part of a series on free software.'
        "</p></td></tr></tbody></table>"
        "<p>Mozilla is a free-software community.</p>"
        '<div id="toc" class="toc" role="navigation"><div class="toctitle"><h2 id="mw-toc-heading">'
        'Contents</h2></div><ul><li class="toclevel-1"><a href="#History"><span class="tocnumber">'
        '1</span> <span class="toctext">History of the Mozilla community in detail</span></a>'
        "</li></ul></div>"
        '<figure class="mw-default-size" typeof="mw:File/Thumb"><a href="/wiki/File:M.png">'
        '<img src="//upload.wikimedia.org/m.png"></a><figcaption>The Mozilla dinosaur head logo '
        "was designed by Shepard Fairey.</figcaption></figure>"
        '<div class="thumb tright"><div class="thumbinner"><div class="thumbcaption">Firefox is the '
        "best known product of the community.</div></div></div>"
        '<table class="wikitable"><tbody><tr><td>Firefox was released in 2004 by the '
        "Mozilla Foundation.</td></tr></tbody></table>"
        '<script>document.write("Nothing here is prose at all.");</script>'
        '<div class="mw-heading mw-heading2"><h2 id="See_also">See also</h2></div>'
        "<ul><li>List of Mozilla products and the communities that build them</li></ul>"
        "<p>This paragraph sits under See also, so it is left out.</p>"
        '<div class="mw-heading mw-heading3"><h3 id="More">More links below See also</h3></div>'
        "<p>A subsection of an end section is left out too.</p>"
        '<div role="navigation" class="navbox" aria-labelledby="Mozilla"><table class="nowraplinks">'
        "<tbody><tr><td><p>Mozilla Firefox Thunderbird SeaMonkey Bugzilla.</p></td></tr></tbody>"
        "</table></div>"
        '<div class="mw-heading mw-heading2"><h2 id="External_links">External links</h2></div>'
        '<ul><li><a class="external text" href="https://www.mozilla.org/">Official website of the '
        "Mozilla community and foundation</a></li></ul>",
        [("Mozilla is a free-software community.", [], [], [])],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_it_turns_paragraphs_into_claims(case):
    body, expected = CASES[case]
    assert claims_of(desktop(body)) == expected


def test_headings_give_the_section_path_in_old_and_new_markup():
    body = (
        "<p>The lead sentence.</p>"
        '<h2><span class="mw-headline" id="History">History</span><span class="mw-editsection">'
        '<span class="mw-editsection-bracket">[</span><a href="/w/index.php?action=edit&amp;'
        'section=1">edit</a><span class="mw-editsection-bracket">]</span></span></h2>'
        "<p>A history sentence.</p>"
        '<div class="mw-heading mw-heading3"><h3 id="2022">2022</h3><span class="mw-editsection">'
        '<span class="mw-editsection-bracket">[</span><a href="/w/index.php?action=edit&amp;'
        'section=2">edit</a><span class="mw-editsection-bracket">]</span></span></div>'
        "<p>A sentence of 2022.</p>"
        '<div class="mw-heading mw-heading2"><h2 id="Software">Software</h2></div>'
        "<p>A software sentence.</p>"
    )
    claims = parse_wikipedia_html(desktop(body), "t.html").claims
    assert [(c.text, c.section) for c in claims] == [
        ("The lead sentence.", []),
        ("A history sentence.", ["History"]),
        ("A sentence of 2022.", ["History", "2022"]),
        ("A software sentence.", ["Software"]),
    ]


def test_line_is_the_sentence_ordinal_and_raw_prints_the_markers():
    body = (
        f"<p>Created in 1998{ref(1, '1')} by Netscape.{ref(2, '2')}{ref(3, 'a')} Second one.</p>"
        f"<p>Third one.{CITATION_NEEDED}</p>"
    )
    claims = parse_wikipedia_html(desktop(body), "t.html").claims
    assert [(c.line, c.raw) for c in claims] == [
        (1, "Created in 1998[1] by Netscape.[2][a]"),
        (2, "Second one."),
        (3, "Third one.[citation needed]"),
    ]


def test_the_fingerprint_is_stable_and_follows_the_markers():
    body = f"<p>Created in 1998 by Netscape.{ref(1, '1')}</p>"
    first = parse_wikipedia_html(desktop(body), "t.html").claims[0]
    again = parse_wikipedia_html(desktop(body), "t.html").claims[0]
    moved = parse_wikipedia_html(desktop(body.replace("[</span>1", "[</span>2")), "t.html")
    assert first.fingerprint == again.fingerprint
    assert first.fingerprint != moved.claims[0].fingerprint


def test_rp_superscripts_give_the_page_of_the_citation_before():
    body = (
        f"<p>Cats have seven cervical vertebrae.{ref(50, '50')}"
        '<sup class="reference nowrap"><span title="Page / location: 11">: 11 </span></sup> '
        f"Attached to the spine are 13 ribs.{ref(51, '51')}{ref(52, '52')}"
        '<sup class="reference nowrap"><span title="Pages: 34–36">:&#8202;34–36</span></sup></p>'
    )
    claims = parse_wikipedia_html(desktop(body), "t.html").claims
    assert [(c.citations, c.pages) for c in claims] == [
        ([("50", T)], ["11"]),
        ([("51", T), ("52", T)], ["", "34–36"]),
    ]
    assert claims[0].raw == "Cats have seven cervical vertebrae.[50]:11"


def test_a_reused_reference_is_one_source():
    body = (
        f"<p>The name blends Mosaic and Godzilla.{ref('google-5', '5', 'google_5-0')}</p>"
        f"<p>Andreessen wrote the Mosaic browser.{ref('google-5', '5', 'google_5-1')}</p>"
    )
    refs = entry(
        "google-5",
        '<cite class="citation book">Payment, S. (2007). <a rel="nofollow" class="external text" '
        'href="//books.google.co.uk/books?id=zyIvOn7sKCsC"><i>Marc Andreessen and Jim Clark: The '
        "Founders of Netscape</i></a>. Rosen Publishing Group. "
        '<a href="/wiki/International_Standard_Book_Number">ISBN</a>&#160;'
        '<a href="/wiki/Special:BookSources/9781404207196">9781404207196</a>.</cite>',
        uses=2,
    )
    document = parse_wikipedia_html(desktop(body, refs), "t.html")
    assert [c.citations for c in document.claims] == [[("5", T)], [("5", T)]]
    assert list(document.sources) == ["5"]
    source = document.sources["5"]
    assert source.title == "Marc Andreessen and Jim Clark: The Founders of Netscape"
    assert source.url == "https://books.google.co.uk/books?id=zyIvOn7sKCsC"
    assert source.isbn == "9781404207196"
    assert source.published_on is None  # a year alone is no date
    assert source.text == (
        "Payment, S. (2007). Marc Andreessen and Jim Clark: The Founders of Netscape. "
        "Rosen Publishing Group. ISBN 9781404207196."
    )


def test_sources_take_coins_metadata_and_the_printed_dates():
    coins = (
        '<span title="ctx_ver=Z39.88-2004&amp;rft_val_fmt=info%3Aofi%2Ffmt%3Akev%3Amtx%3Ajournal'
        "&amp;rft.genre=article&amp;rft.jtitle=BioScience&amp;rft.atitle=Is+Wildlife+Going+to+the"
        "+Dogs%3F&amp;rft.volume=61&amp;rft.pages=125-132&amp;rft.date=2011-02-01&amp;"
        "rft_id=info%3Adoi%2F10.1525%2Fbio.2011.61.2.7&amp;rft.aulast=Young&amp;rft.aufirst=Julie+K."
        "&amp;rft.au=Olson%2C+Kirk+A.&amp;rft_id=https%3A%2F%2Facademic.oup.com%2Fbioscience%2F"
        'article%2F61%2F2%2F125%2F242696" class="Z3988"></span>'
    )
    cite = (
        '<cite id="CITEREFYoung2011" class="citation journal cs1">Young, Julie K.; Olson, Kirk A. '
        '(1 February 2011). <a rel="nofollow" class="external text" href="https://web.archive.org/'
        'web/20200101000000/https://academic.oup.com/bioscience/article/61/2/125/242696">"Is '
        'Wildlife Going to the Dogs?"</a>. <i>BioScience</i>. <b>61</b> (2): 125–132. '
        '<a href="/wiki/Doi_(identifier)">doi</a>:<a rel="nofollow" class="external text" '
        'href="https://doi.org/10.1525%2Fbio.2011.61.2.7">10.1525/bio.2011.61.2.7</a>. Archived '
        'from <a rel="nofollow" class="external text" href="https://academic.oup.com/bioscience/'
        'article/61/2/125/242696">the original</a> on 1 January 2020<span class="reference-'
        'accessdate">. Retrieved <span class="nowrap">5 May</span> 2023</span>.</cite>'
    )
    body = f"<p>Dogs compete with other carnivores.{ref(6, '6')}</p>"
    source = parse_wikipedia_html(desktop(body, entry(6, cite + coins)), "t.html").sources["6"]
    assert source.title == "Is Wildlife Going to the Dogs?"
    assert source.url == "https://academic.oup.com/bioscience/article/61/2/125/242696"
    assert source.publisher == "BioScience"
    assert source.author == "Young, Julie K.; Olson, Kirk A."
    assert source.published_on == datetime.date(2011, 2, 1)
    assert source.accessed_on == datetime.date(2023, 5, 5)
    assert source.archive_url.startswith("https://web.archive.org/web/20200101000000/")
    assert source.archive_date == datetime.date(2020, 1, 1)
    assert source.doi == "10.1525/bio.2011.61.2.7"
    assert source.pages == "125-132"


def test_a_citation_without_coins_is_read_from_its_text():
    cite = (
        '<cite class="citation news"><a rel="nofollow" class="external text" href="http://www.'
        'highbeam.com/doc/1G1-20453744.html">"Mac vendors ponder Netscape gambit."</a>. '
        "<i>Macworld</i>. May 1, 1998. Archived from the original on October 4, 2002"
        '<span class="reference-accessdate">. Retrieved <span class="nowrap">2012-08-19</span>'
        "</span>.</cite>"
    )
    body = f"<p>Vendors pondered the gambit.{ref(7, '7')}</p>"
    source = parse_wikipedia_html(desktop(body, entry(7, cite)), "t.html").sources["7"]
    assert (source.title, source.url) == (
        "Mac vendors ponder Netscape gambit.",
        "http://www.highbeam.com/doc/1G1-20453744.html",
    )
    assert source.published_on == datetime.date(1998, 5, 1)
    assert source.accessed_on == datetime.date(2012, 8, 19)
    assert source.archive_date == datetime.date(2002, 10, 4)


def test_a_handwritten_reference_keeps_its_text():
    body = f"<p>The dog is a member of the genus Canis.{ref(4, '4')}</p>"
    refs = entry(4, "Wang, Xiaoming; Tedford, Richard H.; <i>Dogs</i>. 2008, page 1")
    source = parse_wikipedia_html(desktop(body, refs), "t.html").sources["4"]
    assert source.text == "Wang, Xiaoming; Tedford, Richard H.; Dogs. 2008, page 1"
    assert (source.title, source.url, source.pages) == ("Dogs", "", "1")


def test_a_short_citation_takes_the_details_of_its_bibliography_entry():
    body = (
        f"<p>Cats were domesticated in the Near East.{ref('FOOTNOTESmith202034-7', '7')}</p>"
        '<div class="mw-heading mw-heading2"><h2 id="Bibliography">Bibliography</h2></div>'
        '<div class="refbegin"><ul><li><cite id="CITEREFSmith2020" class="citation book cs1">'
        'Smith, John (2020). <a rel="nofollow" class="external text" href="https://example.org/'
        'cats"><i>Cats of the Near East</i></a>. Oxford University Press. '
        '<a href="/wiki/ISBN_(identifier)">ISBN</a> <a href="/wiki/Special:BookSources/'
        '978-0-19-000000-2"><bdi>978-0-19-000000-2</bdi></a>.</cite></li></ul></div>'
    )
    refs = entry("FOOTNOTESmith202034-7", '<a href="#CITEREFSmith2020">Smith 2020</a>, p.&#160;34.')
    document = parse_wikipedia_html(desktop(body, refs), "t.html")
    source = document.sources["7"]
    assert (source.title, source.url, source.pages) == (
        "Cats of the Near East",
        "https://example.org/cats",
        "34",
    )
    assert source.isbn == "978-0-19-000000-2"
    assert source.text == "Smith 2020, p. 34."
    assert [c.text for c in document.claims] == ["Cats were domesticated in the Near East."]


def test_notes_keep_their_text_and_are_not_sources():
    body = f"<p>The cat descended from the wildcat.{ref(22, '22')}{ref(24, 'a')}</p>"
    refs = entry(
        22, '<cite class="citation journal">Driscoll, C. A. (2009). "Domestication".</cite>'
    ) + entry(
        24,
        f'<a href="#CITEREFDriscoll2009">Driscoll 2009</a> did not conclude a date{ref(23, "23")}.',
    )
    document = parse_wikipedia_html(desktop(body, refs), "t.html")
    assert list(document.sources) == ["22"]
    assert document.notes == {"a": "Driscoll 2009 did not conclude a date."}


def test_a_marker_with_no_reference_entry_is_a_warning():
    document = parse_wikipedia_html(desktop(f"<p>Orphan.{ref(9, '9')}</p>"), "t.html")
    assert document.claims[0].citations == [("9", T)]
    assert document.warnings == ["footnote [9] has no entry in the reference list"]


def test_the_page_states_its_title_address_and_last_edit():
    document = parse_wikipedia_html(desktop("<p>One sentence.</p>", title="Firefox"), "t.html")
    assert (document.title, document.origin_url, document.revised_on) == (
        "Firefox",
        "https://en.wikipedia.org/wiki/Firefox",
        datetime.date(2024, 5, 5),
    )


PARSOID = """<!DOCTYPE html>
<html prefix="dc: http://purl.org/dc/terms/ mw: http://mediawiki.org/rdf/" about="https://en.wikipedia.org/wiki/Special:Redirect/revision/1312052947"><head prefix="mwr: https://en.wikipedia.org/wiki/Special:Redirect/"><meta charset="utf-8"/><meta property="dc:modified" content="2025-09-18T11:33:53.000Z"/><meta property="mw:htmlVersion" content="2.8.0"/><link rel="dc:isVersionOf" href="//en.wikipedia.org/wiki/Dog"/><base href="//en.wikipedia.org/wiki/"/><title>Dog</title></head><body lang="en" class="mw-content-ltr sitedir-ltr ltr mw-body-content parsoid-body mediawiki mw-parser-output" dir="ltr" id="mwAA">
<section data-mw-section-id="0" id="mwAQ"><p id="mwAg">The dog is a domesticated descendant of the wolf.<sup about="#mwt5" class="mw-ref reference" id="cite_ref-wang2008_1-0" rel="dc:references" typeof="mw:Extension/ref" data-mw='{"name":"ref","attrs":{"name":"wang2008"}}'><a href="./Dog#cite_note-wang2008-1" id="mwAw"><span class="mw-reflink-text" id="mwBA"><span class="cite-bracket" id="mwBQ">[</span>1<span class="cite-bracket" id="mwBg">]</span></span></a></sup></p></section>
<section data-mw-section-id="1" id="mwBw"><h2 id="Taxonomy">Taxonomy</h2>
<section data-mw-section-id="2" id="mwCA"><h3 id="Names">Names</h3>
<p id="mwCQ">Wozencraft listed two subspecies.<sup about="#mwt7" class="mw-ref" id="cite_ref-40" rel="dc:references" typeof="mw:Extension/ref" data-mw='{"name":"ref","attrs":{"group":"lower-alpha"},"body":{"id":"mw-reference-text-cite_note-40"}}'><a href="./Dog#cite_note-40" style="counter-reset: mw-Ref 1;" data-mw-group="lower-alpha"><span class="mw-reflink-text">[lower-alpha 1]</span></a></sup> The dingo is disputed.<sup about="#mwt9" class="mw-ref reference" id="cite_ref-wang2008_1-1" rel="dc:references" typeof="mw:Extension/ref" data-mw='{"name":"ref","attrs":{"name":"wang2008"}}'><a href="./Dog#cite_note-wang2008-1"><span class="mw-reflink-text">[1]</span></a></sup><sup about="#mwt11" class="mw-ref reference" id="cite_ref-2" rel="dc:references" typeof="mw:Extension/ref" data-mw='{"name":"ref","attrs":{}}'><a href="./Dog#cite_note-2"><span class="mw-reflink-text">[2]</span></a></sup></p></section></section>
<section data-mw-section-id="3" id="mwDA"><h2 id="Notes">Notes</h2><div class="mw-references-wrap" typeof="mw:Extension/references" data-mw='{"name":"references","attrs":{"group":"lower-alpha"}}'><ol class="mw-references references" data-mw-group="lower-alpha"><li about="#cite_note-40" id="cite_note-40"><a href="./Dog#cite_ref-40" data-mw-group="lower-alpha" rel="mw:referencedBy"><span class="mw-linkback-text">↑ </span></a> <span id="mw-reference-text-cite_note-40" class="mw-reference-text">The addition of [domestic dog] is inferred.</span></li></ol></div></section>
<section data-mw-section-id="4" id="mwDQ"><h2 id="References">References</h2><div class="mw-references-wrap" typeof="mw:Extension/references"><ol class="mw-references references"><li about="#cite_note-wang2008-1" id="cite_note-wang2008-1"><span rel="mw:referencedBy" class="mw-cite-backlink"><a href="./Dog#cite_ref-wang2008_1-0"><span class="mw-linkback-text">1 </span></a><a href="./Dog#cite_ref-wang2008_1-1"><span class="mw-linkback-text">2 </span></a></span> <span id="mw-reference-text-cite_note-wang2008-1" class="mw-reference-text reference-text"><cite class="citation book" about="#mwt3" typeof="mw:Transclusion" data-mw='{"parts":[{"template":{"target":{"wt":"cite book","href":"./Template:Cite_book"},"params":{"last":{"wt":"Wang"},"title":{"wt":"Dogs: Their Fossil Relatives"},"url":{"wt":"https://archive.org/details/dogstheirfossil00wang"},"date":{"wt":"5 March 2008"},"access-date":{"wt":"2017-02-11"}},"i":0}}]}'>Wang, Xiaoming (2008). <i>Dogs: Their Fossil Relatives</i>. Columbia University Press.</cite></span></li><li about="#cite_note-2" id="cite_note-2"><span class="mw-cite-backlink"><a href="./Dog#cite_ref-2" rel="mw:referencedBy"><span class="mw-linkback-text">↑ </span></a></span> <span id="mw-reference-text-cite_note-2" class="mw-reference-text reference-text"><a rel="mw:ExtLink nofollow" href="https://www.bbc.co.uk/news/dingo" class="external text">Dingo debate</a>, BBC News, 1 June 2020.</span></li></ol></div></section>
</body></html>"""


def test_parsoid_html_gives_claims_notes_and_sources():
    document = parse_wikipedia_html(PARSOID.encode(), "Dog.html")
    assert [(c.text, c.citations, c.notes, c.section) for c in document.claims] == [
        ("The dog is a domesticated descendant of the wolf.", [("1", T)], [], []),
        ("Wozencraft listed two subspecies.", [], ["a"], ["Taxonomy", "Names"]),
        ("The dingo is disputed.", [("1", T), ("2", T)], [], ["Taxonomy", "Names"]),
    ]
    assert document.notes == {"a": "The addition of [domestic dog] is inferred."}
    assert list(document.sources) == ["1", "2"]
    wang = document.sources["1"]  # no COinS: the template's parameters fill in
    assert (wang.title, wang.url) == (
        "Dogs: Their Fossil Relatives",
        "https://archive.org/details/dogstheirfossil00wang",
    )
    assert (wang.published_on, wang.accessed_on) == (
        datetime.date(2008, 3, 5),
        datetime.date(2017, 2, 11),
    )
    bbc = document.sources["2"]
    assert (bbc.title, bbc.url, bbc.published_on) == (
        "Dingo debate",
        "https://www.bbc.co.uk/news/dingo",
        datetime.date(2020, 6, 1),
    )
    assert (document.title, document.origin_url, document.revised_on) == (
        "Dog",
        "https://en.wikipedia.org/wiki/Dog",
        datetime.date(2025, 9, 18),
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (b"<p>caf\xe9</p>", "not valid UTF-8"),
        (b"The dog is a mammal.[1]\n", "not an HTML page"),
        (b"<html><body><p>A blog post.</p></body></html>", "no article body"),
        (
            desktop('<table class="infobox"><tr><td><p>Only a table.</p></td></tr></table>'),
            "no article text found",
        ),
    ],
)
def test_it_refuses_what_is_not_an_article(data, problem):
    with pytest.raises(FormatError, match=problem) as error:
        parse_wikipedia_html(data, "page.html")
    assert error.value.name == "page.html"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!DOCTYPE html>\n<html><body></body></html>", True),
        ('\ufeff  <!-- saved --> <div class="mw-parser-output"><p>x</p></div>', True),
        ("<section data-mw-section-id='0'><p>x</p></section>", True),
        ("The dog is a mammal.[1]\n", False),
        ("[1] <html> later\n", False),
    ],
)
def test_looks_like_html(text, expected):
    assert looks_like_html(text) is expected


def test_the_dispatcher_reads_html_files():
    assert format_for("Dog.html") == format_for("Mozilla.HTM") == "html"
    document = parse_document(desktop("<p>One sentence.</p>"), "Mozilla.html")
    assert [c.text for c in document.claims] == ["One sentence."]


# --- real articles -------------------------------------------------------------------------

# Footnote markers, cleanup tags and note markers as a reader sees them ("[t]he" in a quotation
# is text, so a lone letter counts only when no letter follows it).
MARKER = re.compile(r"\[(?:\d+|note \d+|edit|[a-z ]+ needed)\]|\[[a-z]\](?![a-z])")
MARKUP = re.compile(r"<[a-zA-Z/!]|&(?:[a-z]+|#\d+);|\{\{|\}\}|\ue000|\bedit\]")


def headings_of(data: bytes) -> set[str]:
    page = lxml.html.document_fromstring(data.decode())
    for edit in page.xpath("//*[contains(@class, 'mw-editsection')]"):
        edit.drop_tree()
    return {" ".join(h.text_content().split()) for h in page.xpath("//h1|//h2|//h3|//h4|//h5|//h6")}


# file: (claims, sources, sources with title and URL, notes, lead claims)
REAL = {
    "mozilla-desktop-2016.html": (139, 72, 71, 0, 4),
    "dog-parsoid-2018.html": (337, 233, 110, 1, 8),
    "cat-mobile-2024.html": (379, 250, 130, 1, 16),
}


@pytest.fixture(scope="module")
def real() -> dict:
    return {name: (ARTICLES / name).read_bytes() for name in REAL}


@pytest.mark.parametrize("name", REAL)
def test_real_articles_give_clean_claims(real, name):
    data = real[name]
    document = parse_wikipedia_html(data, name)
    claims, sources, titled, notes, lead = REAL[name]
    assert len(document.claims) == claims
    assert len(document.sources) == sources
    assert sum(1 for s in document.sources.values() if s.title and s.url) == titled
    assert len(document.notes) == notes
    assert sum(1 for c in document.claims if not c.section) == lead
    assert [c.line for c in document.claims] == list(range(1, claims + 1))
    assert not [c.text for c in document.claims if MARKER.search(c.text) or MARKUP.search(c.text)]
    headings = headings_of(data)
    assert not [c.text for c in document.claims if c.text in headings]
    assert not [c.section for c in document.claims if set(c.section) & {"References", "Notes"}]
    cited = {label for c in document.claims for label, _ in c.citations}
    assert cited == set(document.sources)
    assert document.warnings == []


def claim(document, text: str):
    found = [c for c in document.claims if c.text == text]
    assert len(found) == 1, text
    return found[0]


def test_mozilla_desktop_page_by_hand(real):
    document = parse_wikipedia_html(real["mozilla-desktop-2016.html"], "m.html")
    assert (document.title, document.origin_url, document.revised_on) == (
        "Mozilla",
        "https://en.wikipedia.org/wiki/Mozilla",
        datetime.date(2016, 10, 28),
    )
    one = claim(document, "One day later, Jamie Zawinski from Netscape registered mozilla.org.")
    assert (one.citations, one.section) == ([("4", T)], ["History"])
    webmaker = claim(
        document,
        'As part of Mozilla’s non-profit mission, Webmaker aims "to help the world increase their'
        " understanding of the web, take greater control of their online lives, and create a more"
        ' web literate planet."',
    )
    assert webmaker.citations == [("69", T), ("70", T), ("70", T)]
    assert webmaker.section == ["Other activities", "Webmaker"]
    backlash = claim(
        document,
        "Eich's resignation promoted a larger backlash from conservatives who felt he had been"
        " forced out of the company internally.",
    )
    assert (backlash.citations, backlash.tags) == ([], ["citation needed"])
    netscape = document.sources["6"]  # title links to the archive; COinS has the original
    assert netscape.url == "https://wp.netscape.com/newsref/pr/newsrelease577.html"
    assert netscape.archive_url.startswith("https://web.archive.org/web/20021004080737/")
    assert netscape.archive_date == datetime.date(2002, 10, 4)
    assert netscape.accessed_on == datetime.date(2012, 8, 21)


def test_dog_parsoid_page_by_hand(real):
    document = parse_wikipedia_html(real["dog-parsoid-2018.html"], "d.html")
    assert (document.title, document.origin_url, document.revised_on) == (
        "Dog",
        "https://en.wikipedia.org/wiki/Dog",
        datetime.date(2018, 6, 12),
    )
    wolves = claim(document, "Wolves kill dogs wherever they are found together.")
    assert (wolves.citations, wolves.section) == ([("130", T)], ["Ecology", "Competitors"])
    collar = [c for c in document.claims if c.text.startswith("The spiked collar")][0]
    assert (collar.citations, collar.tags) == ([("136", T)], ["better source needed"])
    wozencraft = [c for c in document.claims if "Wozencraft listed under the wolf" in c.text][0]
    assert (wozencraft.citations, wozencraft.notes) == ([("1", T)], ["a"])
    assert document.notes["a"].startswith("The addition of [domestic dog] against dingo")
    jaws = claim(document, "The temporalis muscle that closes the jaws is more robust in wolves.")
    assert (jaws.citations, jaws.pages) == ([("4", T)], ["p158"])  # Parsoid's {{rp}}
    source = document.sources["1"]
    assert (source.title, source.author, source.isbn, source.pages) == (
        "Order Carnivora",
        "Wozencraft, W.C.",
        "978-0-8018-8221-0",
        "575-577",
    )


def test_cat_mobile_page_by_hand(real):
    document = parse_wikipedia_html(real["cat-mobile-2024.html"], "c.html")
    assert (document.title, document.origin_url, document.revised_on) == ("", "", None)
    ribs = claim(document, "Attached to the spine are 13 ribs, the shoulder, and the pelvis.")
    assert (ribs.citations, ribs.pages) == ([("50", T)], ["16"])
    assert ribs.section == ["Characteristics", "Skeleton"]
    wildcat = [c for c in document.claims if c.text.startswith("In 2007, the modern")][0]
    assert (wildcat.citations, wildcat.notes) == ([("22", T), ("23", T)], ["a"])
    assert wildcat.section == ["Taxonomy"]
    tom = claim(document, "A male cat is called a tom or tomcat (or a gib, if neutered).")
    assert tom.citations == [("11", IN), ("12", IN)]
    assert (
        document.sources["4"].url == "https://archive.org/details/englishwordsthei00mckn/page/300"
    )
