"""Find the passages of a source text that bear on a claim, and look quotes up in it.

The claim page shows, under each cited source that has a snapshot, the passages that best match
the claim. `passages` cuts a source text into sentence-centred passages (a sentence with at most
its neighbours, `MAX_CHARS` long at most, so that length cannot buy recall); `rank` scores them
against a claim with BM25 over the source's own sentences, made to notice what a fact-check turns
on: numbers ("30,000" = "30000" = "thirty thousand"), dates ("19 February" = "Feb 19"), names
(spelled with or without a transliteration variant), stems, and a small list of general English
synonyms. `highlight` cuts a passage into matched and unmatched segments for the template, and
`quote_match` finds an assessment's quote in the snapshot text, exactly or nearly.

Everything here is a pure function of its arguments; the ranking is meant to run once when a
snapshot arrives, not per page view. `baseline_rank` is plain BM25 over single sentences, kept to
measure the ranker against (docs/evidence.md).
"""

from __future__ import annotations

import bisect
import json
import math
import re
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from rapidfuzz import fuzz, process
from sentencex import segment
from snowballstemmer import stemmer

#: A passage is at most this long (a sentence longer than this is cut into pieces).
MAX_CHARS = 400

#: quote_match: a fuzzy alignment scoring at least this (0-100, rapidfuzz partial_ratio on the
#: normalised texts) is a "close" match; below it the quote is "not_found".
CLOSE_THRESHOLD = 90.0

# BM25 parameters (the usual ones) and the ranker's weights, set before the first evaluation run;
# docs/evidence.md says what changed after it, and on which pairs.
K1 = 1.2
B = 0.75
NUMBER_WEIGHT = 2.0  # a number in the claim ("30,000", "one million")
DATE_WEIGHT = 3.0  # a day next to a month, in either order ("19 February", "Feb. 19")
NAME_WEIGHT = 1.5  # a capitalised word inside the claim (Peskov, Ust-Ilimsk, NATO)
SYNONYM_WEIGHT = 0.6  # a general-English synonym of a claim word
FUZZY_MIN = 85.0  # a claim word matches a source word of another spelling from this ratio on
FUZZY_LENGTH = 6  # ... if its stem is this long at least (short words differ by one letter)
PREFIX_WEIGHT = 0.8  # "failure" (failur) meets "failing" (fail): one stem begins the other
NEIGHBOUR_WEIGHT = 0.25  # how much the neighbours' match adds to a passage's own sentence

_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either else
    ever every few for from further had has have having he her here hers herself him himself his
    how however i if in into is it its itself just may me might more most must my myself no nor
    not now of off on once only or other ought our ours ourselves out over own same shall she
    should so some such than that the their theirs them themselves then there these they this
    those through thus to too under until up upon us very was we were what when where whether
    which while who whom whose why will with within without would yet you your yours yourself
    yourselves""".split()
)

# General English synonyms and spelling families, each group matched as one meaning. Written from
# everyday English before any ranking was run (see docs/evidence.md on the bias this may carry).
_SYNONYM_GROUPS = [
    # "call" for "call up": the stop words drop "up", so "called up" is left as "call".
    "draft conscript conscription mobilize mobilization summon summons enlist recruit call",
    "arrest detain detention custody",
    "kill killed dead death die died",
    "shoot shot shooting gunshot fire",
    "weapon weapons arms",
    "nuclear atomic",
    "soldier soldiers troop troops serviceman servicemen fighter fighters combatant",
    "start begin began launch",
    "end finish stop complete",
    "big large huge major",
    "country nation",
    "army military",
    "ministry department",
    "law legislation bill",
    "prison jail",
    "protest protests demonstration rally",
    "city town",
    "child children kid kids",
    "man men",
    "woman women",
    "wife wives",
    "leader head chief",
    "official officer",
    "video footage clip",
    "money funding fund funds finance cash",
    "abroad foreign",
    "car cars vehicle vehicles",
    "seize seizing requisition confiscate",
    "mistake error",
    "refuse refusal decline reject",
    "flee fleeing escape",
    "help support aid assist",
    "urge encourage",
    "threat threaten danger",
    "talk talks dialogue negotiation",
    "ceasefire truce",
    "allow let permit permission",
    "house home",
    "old elderly pensioner",
    "illegal illegally unlawful unlawfully",
    "dismiss dismissed remove removed sack",
]

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}  # fmt: skip
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "mln": 1_000_000,
    "billion": 1_000_000_000, "bln": 1_000_000_000, "bn": 1_000_000_000,
}  # fmt: skip

# A number with thousands separators ("30,000", "300 000", "1.300.000") or a decimal ("1.5"),
# or a word (letters, with inner apostrophes).
_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:(?:,|\.|[ \u00a0\u202f])\d{3})+(?!\d|[.,]\d)|\d+(?:[.,]\d+)?)"
    r"(?:st|nd|rd|th)?"
    r"|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*)"
)
_SPACES = re.compile(r"\s+")
_stem = stemmer("english").stemWord


@dataclass(frozen=True)
class Passage:
    """A piece of a source text: a sentence (the centre) with at most its two neighbours.

    `start`/`end` are offsets in the source text, `text` is that slice, and `centre_start`/
    `centre_end` locate the sentence the passage was built around. `page` is the page the centre
    sentence is on when the text came from a PDF, else None.
    """

    text: str
    start: int
    end: int
    centre_start: int
    centre_end: int
    page: int | None = None

    @property
    def centre(self) -> str:
        """Return the sentence the passage was built around."""
        return self.text[self.centre_start - self.start : self.centre_end - self.start]


@dataclass(frozen=True)
class RankedPassage:
    """A passage with its score and the words of it that matched the claim.

    `spans` are (start, end) offsets in `passage.text` of the matched words, `terms` those words.
    """

    passage: Passage
    score: float
    terms: tuple[str, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class QuoteMatch:
    """Where a quote was found in a text: status "found" | "close" | "not_found".

    `score` is 100 for an exact match (after normalisation), else rapidfuzz's partial_ratio;
    `span` is (start, end) in the original text, `page` the page it starts on (PDF text only).
    """

    status: str
    score: float
    span: tuple[int, int] | None = None
    page: int | None = None


# --- splitting -------------------------------------------------------------------------------


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets of the sentences of `text`, trimmed of white space.

    Sentences come from sentencex; one longer than MAX_CHARS is cut at spaces into pieces of at
    most MAX_CHARS, so that no passage can grow long enough to match everything.
    """
    spans: list[tuple[int, int]] = []
    position = 0
    for piece in segment("en", text):
        found = text.find(piece, position)
        if found < 0:  # sentencex changed the text: fall back to a search for its stripped form
            found = text.find(piece.strip(), position)
            if found < 0:
                continue
            piece = piece.strip()
        start, end = found, found + len(piece)
        position = end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.extend(_cut(text, start, end))
    return spans


def _cut(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut text[start:end] into pieces of at most MAX_CHARS at white space."""
    pieces = []
    while end - start > MAX_CHARS:
        cut = text.rfind(" ", start + MAX_CHARS // 2, start + MAX_CHARS)
        if cut < 0:
            cut = start + MAX_CHARS
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    pieces.append((start, end))
    return pieces


def page_at(offset: int, pages: Sequence[tuple[int, int]] | None) -> int | None:
    """Return the page holding `offset`, given pages as sorted (start offset, page number)."""
    if not pages:
        return None
    index = bisect.bisect_right(pages, (offset, math.inf)) - 1
    return pages[index][1] if index >= 0 else pages[0][1]


def passages(
    text: str,
    *,
    pages: Sequence[tuple[int, int]] | None = None,
    neighbours: bool = True,
    max_chars: int = MAX_CHARS,
) -> list[Passage]:
    """Split a source text into one passage per sentence, in text order.

    Each passage is a sentence with its previous and next sentence added when the whole stays
    within `max_chars` (the previous one first, since a sentence often leans on the one before);
    a neighbour that does not fit is left out. `pages` — (start offset, page number) pairs of a
    PDF's text — gives each passage the page of its sentence. `neighbours=False` gives single
    sentences (the baseline's unit).
    """
    spans = sentence_spans(text)
    result = []
    for index, (centre_start, centre_end) in enumerate(spans):
        start, end = centre_start, centre_end
        if neighbours:
            if index > 0 and centre_end - spans[index - 1][0] <= max_chars:
                start = spans[index - 1][0]
            if index + 1 < len(spans) and spans[index + 1][1] - start <= max_chars:
                end = spans[index + 1][1]
        result.append(
            Passage(
                text=text[start:end],
                start=start,
                end=end,
                centre_start=centre_start,
                centre_end=centre_end,
                page=page_at(centre_start, pages),
            )
        )
    return result


# --- tokens ----------------------------------------------------------------------------------


class _Token(NamedTuple):
    key: str  # what matches: a stem, "#30000" for a number, "@02-19" for a date
    surface: str
    start: int
    end: int
    kind: str = "word"  # word | number | date


_BRITISH = re.compile(r"is(e|ed|es|ing|ation|ations)$")


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    """Return `word` lower-cased, without accents, with British -ise spellings made -ize."""
    word = unicodedata.normalize("NFKD", word)
    word = "".join(char for char in word if not unicodedata.combining(char)).lower()
    word = word.replace("’", "'")
    # Symmetric on both sides, so "mobilise" meets "mobilize"; the rare word it bends
    # ("promise") is bent in the source too.
    return _BRITISH.sub(r"iz\1", word)


@lru_cache(maxsize=65536)
def _word_key(word: str) -> str:
    """Return the matching key of a word: its Snowball stem, folded."""
    folded = _fold(word)
    if folded.endswith("'s"):
        folded = folded[:-2]
    return _stem(folded)


def _number(surface: str) -> float:
    """Return the value of a digit string with separators: "30,000" -> 30000, "1.5" -> 1.5."""
    compact = re.sub(r"[ \u00a0\u202f]", "", surface)
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", compact):
        return float(re.sub(r"[.,]", "", compact))
    return float(compact.replace(",", "."))


def _number_key(value: float) -> str:
    return "#" + (str(int(value)) if value == int(value) else repr(value))


def _raw_tokens(text: str) -> list[tuple[str, str, int, int]]:
    """Return (group, value text, start, end) for each number or word of `text`.

    The value text of "21st" is "21"; its span still covers the suffix.
    """
    return [
        ("num", match.group("num"), match.start(), match.end())
        if match.group("num")
        else ("word", match.group(0), match.start(), match.end())
        for match in _TOKEN.finditer(text)
    ]


def tokens(text: str) -> list[_Token]:
    """Return the matching tokens of `text`: stems, numbers (digits or words), dates.

    Number words ("thirty thousand", "one million") and digits followed by a scale ("25
    million", "2 mln") become one number token; a day next to a month, in either order, adds a
    date token "@MM-DD" beside the number and the month.
    """
    raw = _raw_tokens(text)
    result: list[_Token] = []
    index = 0
    while index < len(raw):
        group, value, start, end = raw[index]
        surface = text[start:end]
        lower = _fold(value)
        if group == "num" or lower in _UNITS:
            number, last = _read_number(raw, index)
            # A lone "one" is a pronoun far more often than a count ("one of the leaders").
            if number is not None and not (lower == "one" and last == index):
                end = raw[last][3]
                result.append(_Token(_number_key(number), text[start:end], start, end, "number"))
                index = last + 1
                continue
        if group == "word" and lower in _MONTHS and (lower != "may" or surface == "May"):
            month = _MONTHS[lower]
            result.append(_Token(f"@{month:02d}", surface, start, end, "date"))
            index += 1
            continue
        if group == "word" and lower not in _STOPWORDS:
            result.append(_Token(_word_key(surface), surface, start, end, "word"))
        index += 1
    return _add_dates(result, text)


def _read_number(raw: list[tuple[str, str, int, int]], index: int) -> tuple[float | None, int]:
    """Read a number starting at raw[index]; return its value and the index of its last token."""
    group, digits, _, _ = raw[index]
    if group == "num":
        try:
            value = _number(digits)
        except ValueError:
            return None, index
        last = index
        if index + 1 < len(raw) and _fold(raw[index + 1][1]) in _SCALES:
            last = index + 1
            value *= _SCALES[_fold(raw[last][1])]
        return value, last
    # Number words: "three hundred thousand", "twenty five", "one million".
    total, current, last = 0.0, 0.0, index
    position = index
    while position < len(raw):
        word = _fold(raw[position][1])
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _SCALES and (current or total):
            scale = _SCALES[word]
            if scale == 100:
                current *= 100
            else:
                total += (current or 1) * scale
                current = 0.0
        elif word == "and" and position > index:
            position += 1
            continue
        else:
            break
        last = position
        position += 1
    return total + current, last


def _add_dates(found: list[_Token], text: str) -> list[_Token]:
    """Add a date token where a day (1-31) stands right next to a month token."""
    result = list(found)
    for index, token in enumerate(found):
        if token.kind != "date":
            continue
        neighbours = found[max(index - 1, 0) : index] + found[index + 1 : index + 2]
        for other in neighbours:
            if other.kind != "number":
                continue
            day = float(other.key[1:])
            gap = text[min(other.end, token.end) : max(other.start, token.start)]
            if day == int(day) and 1 <= day <= 31 and not gap.strip(" ."):
                start, end = min(token.start, other.start), max(token.end, other.end)
                key = f"{token.key}-{int(day):02d}"
                result.append(_Token(key, text[start:end], start, end, "date"))
    return result


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, frozenset[str]]:
    """Return, for each synonym key, the keys of its group."""
    groups: dict[str, set[str]] = defaultdict(set)
    for line in _SYNONYM_GROUPS:
        keys = {_word_key(word) for word in line.split()}
        for key in keys:
            groups[key] |= keys
    return {key: frozenset(group - {key}) for key, group in groups.items()}


@lru_cache(maxsize=8192)
def _keys(sentence: str) -> tuple[str, ...]:
    """Return the matching keys of a sentence (cached: a snapshot is ranked for every claim)."""
    return tuple(token.key for token in tokens(sentence))


def _query(claim: str) -> dict[str, float]:
    """Return the claim's query: matching key -> weight (numbers, dates and names weigh more)."""
    weights: dict[str, float] = {}
    for token in tokens(claim):
        if token.kind == "number":
            weight = NUMBER_WEIGHT
        elif token.kind == "date":
            weight = DATE_WEIGHT if "-" in token.key else 1.0
        elif token.surface[:1].isupper() and not _is_sentence_start(claim, token.start):
            weight = NAME_WEIGHT
        else:
            weight = 1.0
        weights[token.key] = max(weights.get(token.key, 0.0), weight)
    return weights


def _is_sentence_start(text: str, offset: int) -> bool:
    """Return whether `offset` opens a sentence (a capital there says nothing of a name)."""
    before = text[:offset].rstrip(" \"'“‘([")
    return not before or before[-1] in ".!?:"


# --- BM25 ------------------------------------------------------------------------------------


@dataclass
class _Index:
    """BM25 statistics over a list of documents (each a Counter of keys)."""

    docs: list[Counter]
    idf: dict[str, float] = field(init=False)
    average: float = field(init=False)

    def __post_init__(self) -> None:
        count = len(self.docs)
        frequency: Counter = Counter()
        for doc in self.docs:
            frequency.update(doc.keys())
        # Lucene's IDF (as bm25s computes it): never negative, even for a word in every sentence.
        self.idf = {
            key: math.log(1 + (count - df + 0.5) / (df + 0.5)) for key, df in frequency.items()
        }
        self.average = (sum(sum(doc.values()) for doc in self.docs) / count) if count else 0.0

    def score(self, doc: Counter, query: dict[str, float]) -> float:
        length = sum(doc.values())
        norm = K1 * (1 - B + B * length / self.average) if self.average else K1
        total = 0.0
        for key, weight in query.items():
            tf = doc.get(key, 0)
            if tf:
                total += weight * self.idf.get(key, 0.0) * tf * (K1 + 1) / (tf + norm)
        return total


def _plain_tokens(text: str) -> list[str]:
    """Return the baseline's tokens: lower-cased runs of letters and digits."""
    return re.findall(r"\w+", text.lower())


def baseline_rank(claim: str, candidates: Sequence[Passage], k: int = 3) -> list[RankedPassage]:
    """Rank candidates by plain BM25 of their centre sentence: no stems, stop words or weights.

    Give it `passages(text, neighbours=False)` for the baseline of docs/evidence.md (BM25 over
    single sentences).
    """
    index = _Index([Counter(_plain_tokens(candidate.centre)) for candidate in candidates])
    query = dict.fromkeys(_plain_tokens(claim), 1.0)
    scored = [(index.score(doc, query), position) for position, doc in enumerate(index.docs)]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [
        RankedPassage(candidates[position], score) for score, position in scored[:k] if score > 0
    ]


# --- ranking ---------------------------------------------------------------------------------


def _expand(query: dict[str, float], vocabulary: set[str]) -> dict[str, float]:
    """Add to a query the source words it would miss by spelling, word form or synonym.

    A claim word the source lacks matches a source word spelled alike (transliterations:
    Eliseev/Eliseyev, Degtyarev/Degtyaryov) at the rapidfuzz ratio's share of its weight, and a
    source word whose stem is its stem plus at most two letters, or the reverse (stems of four
    letters or more: "fail"/"failur", not "lead"/"leadership"), at PREFIX_WEIGHT of it; its
    general-English synonyms match at SYNONYM_WEIGHT of it.
    """
    expanded = dict(query)
    synonyms = _synonyms()
    words = sorted(key for key in vocabulary if key[:1] not in "#@")
    for key, weight in query.items():
        if key[:1] in "#@":
            continue
        for synonym in synonyms.get(key, ()):
            if synonym in vocabulary:
                expanded[synonym] = max(expanded.get(synonym, 0.0), weight * SYNONYM_WEIGHT)
        if key in vocabulary:
            continue
        for word in words:
            shorter, longer = sorted((key, word), key=len)
            if len(shorter) >= 4 and len(longer) - len(shorter) <= 2 and longer.startswith(shorter):
                expanded[word] = max(expanded.get(word, 0.0), weight * PREFIX_WEIGHT)
        if len(key) < FUZZY_LENGTH:
            continue
        for match, score, _ in process.extract(
            key, words, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN, limit=3
        ):
            expanded[match] = max(expanded.get(match, 0.0), weight * score / 100)
    return expanded


def rank(claim: str, candidates: Sequence[Passage], k: int = 3) -> list[RankedPassage]:
    """Return the `k` passages that best match `claim`, best first, with their matched words.

    A passage scores the BM25 of its centre sentence (IDF taken over the candidates' sentences)
    plus NEIGHBOUR_WEIGHT times that of each other candidate sentence inside it (its
    neighbours). The claim's numbers, dates and
    names weigh more; stems, number and date normalisation, transliteration-tolerant spelling and
    general-English synonyms widen what matches. A passage whose centre sentence is already shown
    inside a better passage is skipped, so the k passages show k different places; passages
    matching nothing are left out.
    """
    if not candidates:
        return []
    # Each sentence is tokenised once: a passage's neighbours are other passages' centres.
    counts: dict[tuple[int, int], Counter] = {}
    for candidate in candidates:
        span = (candidate.centre_start, candidate.centre_end)
        if span not in counts:
            counts[span] = Counter(_keys(candidate.centre))
    spans = sorted(counts)
    index = _Index(list(counts.values()))
    query = _expand(_query(claim), set(index.idf))
    centre_scores = {span: index.score(count, query) for span, count in counts.items()}
    scores = []
    for position, candidate in enumerate(candidates):
        own = (candidate.centre_start, candidate.centre_end)
        score = centre_scores[own]
        first = bisect.bisect_left(spans, (candidate.start, candidate.start))
        for span in spans[first:]:
            if span[0] >= candidate.end:
                break
            if span != own and span[1] <= candidate.end:
                score += NEIGHBOUR_WEIGHT * centre_scores[span]
        scores.append((score, position))
    scores.sort(key=lambda item: (-item[0], item[1]))
    chosen: list[RankedPassage] = []
    for score, position in scores:
        if len(chosen) == k or score <= 0:
            break
        candidate = candidates[position]
        if any(
            shown.passage.start <= candidate.centre_start
            and candidate.centre_end <= shown.passage.end
            for shown in chosen
        ):
            continue
        spans = _matched_spans(candidate.text, query)
        terms = tuple(dict.fromkeys(candidate.text[start:end] for start, end in spans))
        chosen.append(RankedPassage(candidate, score, terms, tuple(spans)))
    return chosen


def _matched_spans(text: str, query: dict[str, float]) -> list[tuple[int, int]]:
    """Return the sorted, merged spans of the tokens of `text` whose key is in `query`."""
    spans = sorted((token.start, token.end) for token in tokens(text) if token.key in query)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(passage_text: str, terms: Iterable[str]) -> list[tuple[str, bool]]:
    """Cut `passage_text` into (text, matched) segments, matched where a word matches a term.

    A word matches when it has the same matching key as one of `terms` (so "mobilised" lights up
    for the term "mobilization", "30000" for "30,000"). Adjacent segments never share a flag and
    their texts join back into `passage_text`.
    """
    keys = {token.key for term in terms for token in tokens(term)}
    spans = _matched_spans(passage_text, dict.fromkeys(keys, 1.0))
    segments: list[tuple[str, bool]] = []
    position = 0
    for start, end in spans:
        if start > position:
            segments.append((passage_text[position:start], False))
        segments.append((passage_text[start:end], True))
        position = end
    if position < len(passage_text):
        segments.append((passage_text[position:], False))
    return segments


# --- quotes ----------------------------------------------------------------------------------

_CHARACTER_MAP = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    "…": "...",
}


def normalise(text: str) -> tuple[str, list[int]]:
    """Return `text` normalised for quote look-up, and the original offset of each character.

    Curly quotes become straight, dashes become "-", any run of white space one space, and
    letters are case-folded; the offsets map a match back onto the original text.
    """
    characters: list[str] = []
    offsets: list[int] = []
    space = False
    for position, char in enumerate(text):
        if char.isspace():
            if not space and characters:
                characters.append(" ")
                offsets.append(position)
            space = True
            continue
        space = False
        for out in _CHARACTER_MAP.get(char, char).casefold():
            characters.append(out)
            offsets.append(position)
    if characters and characters[-1] == " ":
        characters.pop()
        offsets.pop()
    return "".join(characters), offsets


@lru_cache(maxsize=8)
def _normalised(text: str) -> tuple[str, tuple[int, ...]]:
    """Return `normalise(text)`, kept for the next quote of the same snapshot."""
    normal, offsets = normalise(text)
    return normal, tuple(offsets)


def quote_match(
    quote: str,
    text: str,
    *,
    pages: Sequence[tuple[int, int]] | None = None,
    threshold: float = CLOSE_THRESHOLD,
) -> QuoteMatch:
    """Look an assessment's quote up in a snapshot text: "found", "close" or "not_found".

    Both are normalised (`normalise`); an exact substring is "found" (score 100), else
    rapidfuzz's partial_ratio_alignment finds the best-matching stretch of the text, "close" when
    it scores `threshold` or more. The span is in the original text; `pages` gives the page it
    starts on.
    """
    needle, _ = normalise(quote)
    haystack, offsets = _normalised(text)
    if not needle or not haystack:
        return QuoteMatch("not_found", 0.0)
    found = haystack.find(needle)
    if found >= 0:
        span = (offsets[found], offsets[found + len(needle) - 1] + 1)
        return QuoteMatch("found", 100.0, span, page_at(span[0], pages))
    if len(needle) > len(haystack):
        return QuoteMatch("not_found", 0.0)
    alignment = fuzz.partial_ratio_alignment(needle, haystack, score_cutoff=threshold)
    if alignment is None or alignment.dest_end <= alignment.dest_start:
        return QuoteMatch("not_found", 0.0)
    span = (offsets[alignment.dest_start], offsets[alignment.dest_end - 1] + 1)
    return QuoteMatch("close", round(alignment.score, 1), span, page_at(span[0], pages))


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One claim-source pair of the evaluation set, with its hand-marked gold sentence."""

    id: str
    kind: str
    claim: str
    text: str
    gold: str
    split: str = ""


def load_pairs(folder: str | Path) -> list[Pair]:
    """Read `pairs.jsonl` of an evaluation folder and the source texts it names."""
    folder = Path(folder)
    pairs = []
    for line in (folder / "pairs.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        text = (folder / record["source"]).read_text(encoding="utf-8")
        pairs.append(
            Pair(
                record["id"],
                record["kind"],
                record["claim"],
                text,
                record["gold"],
                record.get("split", ""),
            )
        )
    return pairs


def pooled(pairs: Sequence[Pair]) -> list[Pair]:
    """Return the pairs with every source of the set joined into one long text (a stress test).

    The joined text stands in for a long page in which most sentences share the claim's topic,
    so that only the fact itself singles out the gold sentence. It is not a real page: another
    source's sentence may support the claim as well as the gold one does.
    """
    text = "\n\n".join(dict.fromkeys(pair.text for pair in pairs))
    return [
        Pair(pair.id, pair.kind, pair.claim, text, pair.gold, pair.split)
        for pair in pairs
        if text.count(pair.gold) == 1
    ]


def contains_gold(passage: Passage, text: str, gold: str) -> bool:
    """Return whether the passage shows the gold sentence (at least half of it, by characters).

    Half, not all, because the segmenter may cut a gold sentence differently from the person
    who marked it (a quote closing after the full stop, a headline run into the first line).
    """
    start = text.find(gold)
    if start < 0:
        raise ValueError(f"gold sentence not in the source text: {gold[:60]!r}")
    end = start + len(gold)
    overlap = min(end, passage.end) - max(start, passage.start)
    return overlap >= len(gold) / 2


@dataclass(frozen=True)
class Outcome:
    """How one pair fared: gold in the first passage, in the first three, and the time taken."""

    pair: Pair
    hit1: bool
    hit3: bool
    split_seconds: float
    rank_seconds: float


@dataclass
class Evaluation:
    """The outcomes of one ranker over a set of pairs."""

    name: str
    outcomes: list[Outcome] = field(default_factory=list)

    def select(self, kind: str | None = None, split: str | None = None) -> list[Outcome]:
        """Return the outcomes of pairs of that kind and split (None: any)."""
        return [
            outcome
            for outcome in self.outcomes
            if (kind is None or outcome.pair.kind == kind)
            and (split is None or outcome.pair.split == split)
        ]

    def recall(self, at: int, kind: str | None = None, split: str | None = None) -> float:
        """Return the share of pairs whose gold sentence is in the first `at` (1 or 3) passages."""
        chosen = self.select(kind, split)
        hits = [outcome.hit1 if at == 1 else outcome.hit3 for outcome in chosen]
        return sum(hits) / len(hits) if hits else 0.0

    def misses(self, at: int = 1) -> list[str]:
        """Return the ids of the pairs whose gold sentence is not in the first `at` passages."""
        return [o.pair.id for o in self.outcomes if not (o.hit1 if at == 1 else o.hit3)]


def evaluate(pairs: Sequence[Pair], *, baseline: bool = False, cold: bool = True) -> Evaluation:
    """Rank each pair's source for its claim; note whether the gold sentence is in the top 1 / 3.

    Times the splitting of the source and the ranking separately: a snapshot is split once (a
    source shared by several pairs is split once here too, each of its pairs reporting that one
    time), and ranked once per claim citing it. With `cold`, the sentence cache is emptied before
    each pair, so that each ranking is timed as the first one on its snapshot.
    """
    result = Evaluation("baseline: BM25, single sentences" if baseline else "ranker")
    ranker = baseline_rank if baseline else rank
    split_once: dict[str, tuple[list[Passage], float]] = {}
    for pair in pairs:
        if pair.text not in split_once:
            began = time.perf_counter()
            candidates = passages(pair.text, neighbours=not baseline)
            split_once[pair.text] = (candidates, time.perf_counter() - began)
        candidates, split_seconds = split_once[pair.text]
        if cold:
            _keys.cache_clear()
        began = time.perf_counter()
        ranked = ranker(pair.claim, candidates, k=3)
        rank_seconds = time.perf_counter() - began
        hits = [contains_gold(r.passage, pair.text, pair.gold) for r in ranked]
        result.outcomes.append(
            Outcome(pair, any(hits[:1]), any(hits[:3]), split_seconds, rank_seconds)
        )
    return result
