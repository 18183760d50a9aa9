"""Properties of the seed grammar that hold for any text, checked with hypothesis."""

import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from claims.formats.base import FormatError
from claims.formats.seed import parse_seed

MARKER = re.compile(r"\[([0-9]+)\]")
GLUED_MARKER = re.compile(r"(?:^|\S)\[[0-9]+\]")

# Pieces of seed-like lines: words, markers (some with pages), notes, tags, text brackets,
# stray quotes, white space and the digits and brackets that only look like annotations.
TOKENS = st.one_of(
    st.sampled_from(
        [
            "Putin",
            "said",
            "mobilization",
            "in",
            "2022",
            "Москва",
            "naïve",
            "—",
            ".",
            ",",
            "?",
            '"',
            "”",
            "’",
            "'",
            "(1931)",
            "[ru]",
            "[sic]",
            "[the mobilized men]",
            "[a]",
            "[iv]",
            "[note 1]",
            "[NB 2]",
            "[citation needed]",
            "[Dubious - discuss]",
            "[١٢]",
            "[]",
            "[",
            "]",
            ":",
            ":12",
            "p.",
            "–",
        ]
    ),
    st.integers(min_value=0, max_value=10**6).map(lambda n: f"[{n}]"),
    st.integers(min_value=1, max_value=300).map(lambda n: f"[{n}]:{n}–{n + 2}"),
    st.text(max_size=6),
)
GAPS = st.sampled_from(["", "", " ", "  "])
LINE = st.lists(st.tuples(GAPS, TOKENS), max_size=25).map(
    lambda pieces: "".join(gap + token for gap, token in pieces)
)
DOCUMENT = st.lists(LINE, min_size=1, max_size=30).map("\n".join)


def parse_or_none(text: str):
    """Parse `text`, or return None for a FormatError (a file the grammar refuses)."""
    try:
        return parse_seed(text.encode(), "doc.txt")
    except FormatError:
        return None


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), DOCUMENT.map(str.encode)))
def test_it_raises_nothing_but_a_format_error(data):
    try:
        parse_seed(data, "doc.txt")
    except FormatError as exc:
        assert str(exc).startswith("doc.txt")
        assert "\n" not in str(exc)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT)
def test_claim_text_never_holds_a_footnote_marker(text):
    parsed = parse_or_none(text)
    assume(parsed is not None)

    for claim in parsed.claims:
        assert not GLUED_MARKER.search(claim.text), claim


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT)
def test_every_marker_label_of_the_input_is_cited_or_kept_as_text(text):
    parsed = parse_or_none(text)
    assume(parsed is not None)
    assume("edit" not in text.lower())  # a heading line makes no claim of its markers

    cited = {label for claim in parsed.claims for label, _ in claim.citations}
    kept = " ".join(claim.text for claim in parsed.claims)
    for label in MARKER.findall(text):
        assert label in cited or f"[{label}]" in kept, label


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT)
def test_parsing_is_deterministic(text):
    first, second = parse_or_none(text), parse_or_none(text)

    assert first == second
    if first is not None:
        assert [c.fingerprint for c in first.claims] == [c.fingerprint for c in second.claims]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT)
def test_line_numbers_strictly_increase_and_pages_follow_the_citations(text):
    parsed = parse_or_none(text)
    assume(parsed is not None)

    lines = [claim.line for claim in parsed.claims]
    assert lines == sorted(set(lines))
    assert all(1 <= line <= parsed.line_count for line in lines)
    for claim in parsed.claims:
        assert len(claim.pages) == len(claim.citations)
        assert claim.text and claim.text == claim.text.strip()
