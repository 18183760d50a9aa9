"""Sentences and the markers they close, whatever the segmenter makes of the markers."""

import pytest

from claims.formats.sentences import MARK as M
from claims.formats.sentences import split_sentences

IN, T = "inline", "trailing"

CASES = [
    ("One sentence.", [("One sentence.", [])]),
    (f"Ends.{M} Next.", [("Ends.", [(0, T)]), ("Next.", [])]),
    (
        f"Ends.{M}{M} Next one{M} here.{M}",
        [("Ends.", [(0, T), (1, T)]), ("Next one here.", [(2, IN), (3, T)])],
    ),
    (f"In 1994{M} and later.{M}", [("In 1994 and later.", [(0, IN), (1, T)])]),
    (f'He said "no."{M} Then he left.', [('He said "no."', [(0, T)]), ("Then he left.", [])]),
    (f'He said "no.{M}" Then he left.', [('He said "no."', [(0, T)]), ("Then he left.", [])]),
    ('"Quoted" is fine. "Another" one.', [('"Quoted" is fine.', []), ('"Another" one.', [])]),
    (
        f"Dr. Smith met U.S. envoys on 19 Feb. 2022.{M}",
        [("Dr. Smith met U.S. envoys on 19 Feb. 2022.", [(0, T)])],
    ),
    (f"{M} Opens with a marker.", [("Opens with a marker.", [(0, IN)])]),
    (f"Word{M} .", [("Word.", [(0, IN)])]),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_it_gives_each_marker_to_the_sentence_it_closes(text, expected):
    got = [(s.text, s.marks) for s in split_sentences(text)]
    assert got == expected
