"""The seed grammar, line by line (design.md section 2)."""

import json
from pathlib import Path

import pytest

from claims.formats.seed import SeedError, parse_line, parse_seed

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "seeds" / "000_cd3426a0e815e9f2.txt"
DATA = ROOT / "tests" / "data" / "plaintext"

L, IN, T = "leading", "inline", "trailing"

# raw line -> (claim text, citations as (label, position) in order, tags, notes)
GRAMMAR = [
    ("Plain sentence.", "Plain sentence.", [], [], []),
    ("Ends with a marker.[19]", "Ends with a marker.", [("19", T)], [], []),
    ("[19] Closed the sentence before.", "Closed the sentence before.", [("19", L)], [], []),
    ('"[73] Stray straight quote.', "Stray straight quote.", [("73", L)], [], []),
    ("”[74] Stray curly quote.", "Stray curly quote.", [("74", L)], [], []),
    ("’[75] Stray curly apostrophe.", "Stray curly apostrophe.", [("75", L)], [], []),
    ("'[76] Stray apostrophe.", "Stray apostrophe.", [("76", L)], [], []),
    ('"Quoted" is not a stray quote.', '"Quoted" is not a stray quote.', [], [], []),
    ("[31][32] A run.", "A run.", [("31", L), ("32", L)], [], []),
    (
        "[174][175][176][177][178][179][180][181] Eight markers.",
        "Eight markers.",
        [(str(n), L) for n in range(174, 182)],
        [],
        [],
    ),
    ("In 1994[9] and later.[10]", "In 1994 and later.", [("9", IN), ("10", T)], [], []),
    ("People in osuokhay [ru], a dance.", "People in osuokhay [ru], a dance.", [], [], []),
    (
        "About half of [the mobilized men] left.",
        "About half of [the mobilized men] left.",
        [],
        [],
        [],
    ),
    ("Spelt wrong [sic] here.", "Spelt wrong [sic] here.", [], [], []),
    ("Unsourced.[citation needed]", "Unsourced.", [], ["citation needed"], []),
    ("Odd.[dubious – discuss]", "Odd.", [], ["dubious – discuss"], []),
    ("Odd.[Dubious - Discuss]", "Odd.", [], ["dubious – discuss"], []),
    ("Odd.[DISPUTED—discuss][who?]", "Odd.", [], ["disputed – discuss", "who?"], []),
    ("Noted.[a][12]", "Noted.", [("12", T)], [], ["a"]),
    ("Both[b] inside[5] text.", "Both inside text.", [("5", IN)], [], ["b"]),
    (
        "Marker then tag.[7][citation needed]",
        "Marker then tag.",
        [("7", T)],
        ["citation needed"],
        [],
    ),
    ("  Spaces   collapse\tinside.  ", "Spaces collapse inside.", [], [], []),
    ("[3] Leading and trailing.[4]", "Leading and trailing.", [("3", L), ("4", T)], [], []),
    (
        "Script <script>alert(1)</script>.[5]",
        "Script <script>alert(1)</script>.",
        [("5", T)],
        [],
        [],
    ),
]


@pytest.mark.parametrize(("raw", "text", "citations", "tags", "notes"), GRAMMAR)
def test_it_parses_a_line(raw, text, citations, tags, notes):
    parsed = parse_line(1, raw)

    assert parsed.text == text
    assert parsed.citations == citations
    assert parsed.tags == tags
    assert parsed.notes == notes
    assert parsed.raw == raw


def test_a_markers_only_line_gives_its_markers_to_the_claim_before():
    parsed = parse_seed(b"First sentence.\n[18][19]\nSecond sentence.[20]\n", "doc.txt")

    assert [c.text for c in parsed.claims] == ["First sentence.", "Second sentence."]
    assert parsed.claims[0].citations == [("18", T), ("19", T)]
    assert [c.line for c in parsed.claims] == [1, 3]


def test_line_numbers_are_physical_and_count_blank_lines_and_every_line_end():
    parsed = parse_seed(b"\xef\xbb\xbfOne.\r\n\r\nTwo.\rThree.\nFour.", "doc.txt")

    assert [(c.line, c.text) for c in parsed.claims] == [
        (1, "One."),
        (3, "Two."),
        (4, "Three."),
        (5, "Four."),
    ]
    assert parsed.claims[0].raw == "One."  # the BOM is dropped
    assert parsed.line_count == 5


def test_a_changed_continuation_changes_the_fingerprint():
    a = parse_seed(b"Sentence.\n[1]\n", "d").claims[0]
    b = parse_seed(b"Sentence.\n[2]\n", "d").claims[0]
    c = parse_seed(b"Sentence.\n[1]\n", "d").claims[0]

    assert a.fingerprint != b.fingerprint
    assert a.fingerprint == c.fingerprint


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "doc.txt: the file is empty"),
        (b"\n  \n\r\n", "doc.txt: the file is empty"),
        (b"Fine.\n\x00\x01\x02", "doc.txt: line 2: binary data (NUL byte), not a text file"),
        (b"Fine.\nCaf\xe9.\n", "doc.txt: line 2: not valid UTF-8"),
        (b"[1][2]\nAfter.\n", "doc.txt: line 1: footnote markers with no sentence before them"),
        (b"[citation needed]\n", "doc.txt: line 1: annotations with no sentence before them"),
    ],
)
def test_it_rejects_a_bad_file_naming_file_and_line(data, message):
    with pytest.raises(SeedError) as caught:
        parse_seed(data, "doc.txt")

    assert str(caught.value).startswith(message)


def test_the_first_seed_parses_exactly_as_it_always_has():
    """Pin all 30 claims of the first seed, as the grammar parsed them before the plain-text work.

    The table was generated once from the grammar of commit d599ad1; a change to it means
    reviewers' claims would move, split or lose a citation on re-import.
    """
    expected = json.loads((DATA / "seed_000_claims.json").read_text(encoding="utf-8"))

    parsed = parse_seed(SEED.read_bytes(), SEED.name)

    actual = [
        {
            "line": c.line,
            "text": c.text,
            "citations": [list(citation) for citation in c.citations],
            "tags": c.tags,
            "notes": c.notes,
            "fingerprint": c.fingerprint,
        }
        for c in parsed.claims
    ]
    assert len(actual) == 30
    assert actual == expected
