"""Text and metadata out of HTML, PDF and plain text, with page numbers for PDFs.

The samples in tests/data/sources/ are real text (see its README for origin and licence); the
PDFs are laid out from that text with fpdf2 here, so the page each paragraph lands on is known.
"""

import codecs
import datetime
from pathlib import Path

import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod

from sources.extract import MAX_PDF_PAGES, Extracted, ExtractError, extract

DATA = Path(__file__).resolve().parent.parent / "data" / "sources"
PARAGRAPHS = (DATA / "mobilization.txt").read_text(encoding="utf-8").splitlines()
WIKI_URL = "https://en.m.wikipedia.org/wiki/2022_Russian_mobilization"


def make_pdf(
    pages: list[str],
    *,
    label_start: int | None = None,
    owner_password: str | None = None,
    user_password: str | None = None,
    encryption: EncryptionMethod = EncryptionMethod.RC4,
) -> bytes:
    """Lay out one string per page with fpdf2 (Helvetica, so Latin-1 text only)."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    if owner_password is not None:
        pdf.set_encryption(owner_password, user_password, encryption_method=encryption)
    for index, text in enumerate(pages):
        pdf.add_page()
        if index == 0 and label_start is not None:
            pdf.set_page_label(label_style="D", label_start=label_start)
        if text:
            pdf.multi_cell(0, 6, text)
        else:
            pdf.rect(20, 20, 100, 100)  # a drawing but no text, like a scanned page
    return bytes(pdf.output())


def words(text: str) -> str:
    """Collapse the line breaks a PDF puts where lines wrapped."""
    return " ".join(text.split())


def test_html_keeps_the_article_and_drops_the_page_around_it():
    data = (DATA / "mobilization.html").read_bytes()

    result = extract(data, "text/html; charset=UTF-8", url=WIKI_URL)

    assert result.kind == "html"
    assert PARAGRAPHS[0] in result.text.replace("[4][5]", "")
    assert "Recruits without training and combat experience" in result.text
    for boilerplate in ("Random article", "Privacy policy", "Content is available under"):
        assert boilerplate not in result.text
    assert result.title == "2022 Russian mobilization - Wikipedia"
    assert result.date == datetime.date(2022, 9, 21)
    assert result.pages == () and result.page_at(10) is None


def test_html_metadata_gives_author_date_title_and_site():
    data = (DATA / "kremlin-troop-mobilization.html").read_bytes()

    result = extract(
        data, "text/html", url="https://www.state.gov/the-kremlins-troop-mobilization/"
    )

    assert result.title == "The Kremlin’s Troop Mobilization"
    # trafilatura normalises names ("Antony J. Blinken" -> "Antony J Blinken").
    assert result.author.startswith("Antony J") and result.author.endswith("Blinken")
    assert result.date == datetime.date(2022, 9, 21)
    assert result.sitename == "United States Department of State"
    assert result.text.startswith("President Putin’s call to partially mobilize Russian citizens")
    assert "Inspector General" not in result.text and "Facebook" not in result.text


def test_html_charset_in_the_content_type_overrides_the_page():
    # The page says <meta charset="utf-8">, but the server says (rightly) Windows-1252.
    data = (DATA / "kremlin-troop-mobilization.html").read_text(encoding="utf-8").encode("cp1252")

    result = extract(data, "text/html; charset=windows-1252")

    assert result.encoding == "cp1252"
    assert "Russians’ unwillingness to fight" in result.text


def test_xhtml_with_an_xml_declaration_is_read():
    body = "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
    data = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Mobilization</title></head>'
        f"<body>{body}</body></html>"
    ).encode()

    result = extract(data, "application/xhtml+xml; charset=utf-8")

    assert result.title == "Mobilization"
    assert PARAGRAPHS[3] in result.text


def test_html_without_text_is_an_error():
    with pytest.raises(ExtractError, match="no readable text"):
        extract(b"<html><head><title>x</title></head><body></body></html>", "text/html")


def test_pdf_text_carries_page_numbers():
    data = make_pdf(PARAGRAPHS[:3])

    result = extract(data, "application/pdf")

    assert result.kind == "pdf"
    assert result.page_count == 3 and not result.truncated and result.notes == ()
    assert [number for _start, number in result.pages] == [1, 2, 3]
    assert words(result.text) == " ".join(words(p) for p in PARAGRAPHS[:3])
    for phrase, page in (("Zaporizhzhia", 1), ("Shoigu", 2), ("Peskov", 3)):
        assert result.page_at(result.text.index(phrase)) == page
    # The first and last characters of a page belong to it, not to its neighbours.
    start_of_two = result.pages[1][0]
    assert result.page_at(start_of_two) == 2 and result.page_at(start_of_two - 1) == 1
    assert result.page_at(len(result.text) - 1) == 3


def test_pdf_page_labels_give_the_printed_page():
    data = make_pdf(PARAGRAPHS[:2], label_start=345)

    result = extract(data, "application/pdf")

    offset = result.text.index("Shoigu")
    assert result.page_at(offset) == 2
    assert result.page_label_at(offset) == "346"


def test_pdf_empty_page_does_not_take_the_next_pages_text():
    data = make_pdf([PARAGRAPHS[0], "", PARAGRAPHS[1]])

    result = extract(data, "application/pdf")

    assert result.pages[1][0] == result.pages[2][0]
    assert result.page_at(result.text.index("Shoigu")) == 3


def test_pdf_with_thousands_of_pages_is_capped_and_says_so():
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for number in range(1, 5001):
        pdf.add_page()
        pdf.cell(text=f"Page {number} of the annex.")
    data = bytes(pdf.output())

    result = extract(data, "application/pdf")

    assert result.page_count == 5000
    assert len(result.pages) == MAX_PDF_PAGES
    assert result.truncated
    assert result.notes == (f"Only the first {MAX_PDF_PAGES} of 5,000 pages were read.",)
    assert result.text.endswith(f"Page {MAX_PDF_PAGES} of the annex.")


def test_pdf_page_cap_is_a_parameter():
    result = extract(make_pdf(PARAGRAPHS), "application/pdf", max_pages=2)

    assert (result.page_count, len(result.pages)) == (4, 2)
    assert "Peskov" not in result.text
    assert result.notes == ("Only the first 2 of 4 pages were read.",)


@pytest.mark.parametrize("method", [EncryptionMethod.RC4, EncryptionMethod.AES_128])
def test_pdf_encrypted_without_a_reading_password_opens(method):
    data = make_pdf(PARAGRAPHS[:1], owner_password="owner-only", encryption=method)

    result = extract(data, "application/pdf")

    assert "partial mobilization of military reservists" in words(result.text)


def test_pdf_needing_a_password_is_an_error():
    data = make_pdf(PARAGRAPHS[:1], owner_password="owner", user_password="reader")

    with pytest.raises(ExtractError, match="protected by a password"):
        extract(data, "application/pdf")


def test_pdf_without_a_text_layer_is_an_error():
    with pytest.raises(ExtractError, match="no text layer"):
        extract(make_pdf(["", ""]), "application/pdf")


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\nthis is not a PDF body\n%%EOF", b"<html>not a pdf</html>"],
    ids=["garbage-after-header", "html-bytes"],
)
def test_unreadable_pdf_is_an_error(data):
    with pytest.raises(ExtractError, match="could not be read"):
        extract(data, "application/pdf")


def test_plain_text_defaults_to_utf8():
    data = (DATA / "mobilization.txt").read_bytes()

    result = extract(data, "text/plain")

    assert result == Extracted(text="\n".join(PARAGRAPHS), kind="text", encoding="utf-8")


def test_plain_text_uses_the_declared_charset():
    # The article's infobox gives the Russian name of the mobilization.
    name = "Частичная мобилизация в России (Chastichnaya mobilizatsiya v Rossii)"

    result = extract(name.encode("cp1251"), "text/plain; charset=windows-1251")

    assert (result.text, result.encoding) == (name, "cp1251")


def test_plain_text_latin1_label_means_windows_1252():
    # Browsers read "iso-8859-1" as Windows-1252, where 0x92 is a right single quote.
    result = extract("Putin’s call".encode("cp1252"), "text/plain; charset=ISO-8859-1")

    assert result.text == "Putin’s call"


def test_plain_text_not_utf8_falls_back_to_windows_1252_with_a_note():
    text = "Russians’ unwillingness to fight – the Kremlin’s struggles"

    result = extract(text.encode("cp1252"), "text/plain")

    assert (result.text, result.encoding) == (text, "cp1252")
    assert result.notes == ("Not valid UTF-8 and no charset given; read as Windows-1252.",)


@pytest.mark.parametrize(
    ("encoded", "codec"),
    [
        (codecs.BOM_UTF8 + PARAGRAPHS[3].encode("utf-8"), "utf-8-sig"),
        (PARAGRAPHS[3].encode("utf-16"), "utf-16"),
    ],
    ids=["utf-8-bom", "utf-16-bom"],
)
def test_plain_text_byte_order_mark_wins_over_the_header(encoded, codec):
    result = extract(encoded, "text/plain; charset=windows-1251")

    assert (result.text, result.encoding) == (PARAGRAPHS[3], codec)


def test_plain_text_line_ends_normalised_and_nuls_dropped():
    # PostgreSQL text columns cannot hold U+0000; UTF-16 is how one gets past the binary check.
    result = extract("one\r\ntwo\x00\rthree".encode("utf-16"), "text/plain")

    assert result.text == "one\ntwo\nthree"


def test_binary_bytes_declared_as_text_are_an_error():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"

    with pytest.raises(ExtractError, match="binary"):
        extract(png, "text/plain")


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        (b"", "text/plain", "empty"),
        (b" \n\t\n", "text/plain", "blank"),
        (b"\x89PNG\r\n\x1a\n", "image/png", r"Unsupported type \(image/png\)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "application/octet-stream", "no content type|Unsupported"),
    ],
    ids=["empty", "blank", "image", "binary-untyped"],
)
def test_unusable_input_is_an_error(data, content_type, message):
    with pytest.raises(ExtractError, match=message):
        extract(data, content_type)


def test_untyped_upload_is_sniffed():
    pdf = extract(make_pdf(PARAGRAPHS[:1]), "application/octet-stream")
    html = extract((DATA / "mobilization.html").read_bytes(), "")
    text = extract((DATA / "mobilization.txt").read_bytes(), "")

    assert (pdf.kind, html.kind, text.kind) == ("pdf", "html", "text")
    assert html.title == "2022 Russian mobilization - Wikipedia"


def test_long_text_is_cut_with_a_note_and_pages_kept_in_range():
    data = make_pdf(PARAGRAPHS[:3])
    full = extract(data, "application/pdf")
    cut_at = full.pages[1][0] + 10  # inside page 2

    result = extract(data, "application/pdf", max_chars=cut_at)

    assert result.text == full.text[:cut_at]
    assert result.truncated
    assert [number for _start, number in result.pages] == [1, 2]
    assert (
        result.notes[-1] == f"Only the first {cut_at:,} characters of {len(full.text):,} were kept."
    )


def test_pdf_page_that_fails_to_read_is_skipped_with_a_note(monkeypatch):
    import pypdf

    original = pypdf.PageObject.extract_text

    def extract_text(page, *args, **kwargs):
        if page.page_number == 1:  # the second page, counted from 0
            raise ValueError("damaged content stream")
        return original(page, *args, **kwargs)

    monkeypatch.setattr(pypdf.PageObject, "extract_text", extract_text)

    result = extract(make_pdf(PARAGRAPHS[:3]), "application/pdf")

    assert "Sergei" not in result.text
    assert result.page_at(result.text.index("Peskov")) == 3
    assert result.notes == ("Pages that could not be read: 2.",)
