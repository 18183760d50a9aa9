"""Split a paragraph into sentences and give each footnote marker to the sentence it closes.

Formats that know where their footnotes sit (wikitext refs, Wikipedia HTML superscripts) render
a paragraph to plain text with MARK standing for each marker, in order, and call
`split_sentences`. Sentence boundaries come from Wikimedia's own segmenter (sentencex). A
marker printed after a full stop (`… in Russia.[19] Then …`) closes the sentence before it, so
markers at the start of a segment go to the previous sentence: the leading-marker ambiguity of
plain text does not arise.
"""

import re
from dataclasses import dataclass, field

from sentencex import segment

from claims.formats.base import INLINE, TRAILING

#: Stands for one footnote marker in the text given to split_sentences (a private-use character).
MARK = "\ue000"
_SPACES = re.compile(r"\s+")
# Closing punctuation that may follow a marker and still belong to the sentence it closes.
_CLOSERS = "\"'”’»)]"
_MARKS_BEFORE_CLOSERS = re.compile(f"([.!?])({MARK}+)([{re.escape(_CLOSERS)}]+)")


@dataclass
class Sentence:
    """One sentence: its clean text and the markers it carries as (marker index, position)."""

    text: str
    marks: list[tuple[int, str]] = field(default_factory=list)


def clean(text: str) -> str:
    """Return `text` with markers removed and white space collapsed and trimmed."""
    text = _SPACES.sub(" ", text.replace(MARK, " ")).strip()
    # A marker removed before punctuation leaves a space: "1994 ." -> "1994."
    return re.sub(r" ([.,;:!?])", r"\1", text)


def split_sentences(text: str, language: str = "en") -> list[Sentence]:
    """Return the sentences of `text`; each MARK in it becomes a mark of one sentence.

    Marks are numbered in the order they appear in `text` (0-based). A mark at the very end of
    a sentence is trailing, elsewhere inline; marks opening a segment belong to the sentence
    before (they were printed after its full stop), unless the paragraph starts with them.
    """
    # `no.[1]" Then` hides the boundary from the segmenter: put the quote before the markers.
    text = _MARKS_BEFORE_CLOSERS.sub(r"\1\3\2", text)
    sentences: list[Sentence] = []
    counter = 0
    for piece in segment(language, text):
        body = piece.lstrip(MARK + " \t\n")
        opening = piece[: len(piece) - len(body)].count(MARK)
        if opening and sentences:
            sentences[-1].marks.extend((counter + i, TRAILING) for i in range(opening))
            counter += opening
        else:
            body = piece  # a paragraph that opens with markers keeps them
        end = len(body.rstrip(MARK + _CLOSERS + " \t\n"))
        sentence = Sentence(text=clean(body))
        for index, char in enumerate(body):
            if char == MARK:
                sentence.marks.append((counter, INLINE if index < end else TRAILING))
                counter += 1
        if sentence.text.strip(_CLOSERS):
            sentences.append(sentence)
        elif sentences:
            # Markers alone (or with a stray quote): they close the sentence before.
            sentences[-1].marks.extend((index, TRAILING) for index, _ in sentence.marks)
        elif sentence.marks:
            sentences.append(sentence)  # markers before any sentence: kept, text empty
    return sentences
