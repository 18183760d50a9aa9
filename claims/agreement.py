"""How far blind reviewers agreed: percent agreement, Cohen's κ and Krippendorff's α.

Pure statistics over plain data, no database: `claims.selectors.review_pairs` turns every pair
of blind reviews of one claim (a second review and the first it met) into a `Pair`; `report`
gives the figures per document and overall, as the dashboard and `manage.py agreement` show
them.

- Percent agreement: the share of pairs whose two verdicts are the same.
- Cohen's κ, per pair of reviewers (whoever came first): (p_o − p_e) / (1 − p_e), with p_e from
  each reviewer's own distribution of verdicts. Only for reviewers who reviewed at least
  MIN_ITEMS claims together.
- Krippendorff's α, nominal, over all reviewers at once (the `krippendorff` package): each
  pair is one unit with two values, so it pools any number of reviewers.
- Stances: the same percent agreement and α over the footnotes both reviews assessed.

A figure on fewer than MIN_ITEMS claims (or footnotes) is "not enough data", never a number;
one whose reviews all gave the same single value has no chance correction to make and is
"no variation".
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import krippendorff
import numpy as np

#: The fewest claims (or footnotes) a figure is computed on.
MIN_ITEMS = 10
NOT_ENOUGH = "not enough data"
NO_VARIATION = "no variation"
#: The verdicts a review can give, and the stances it can record, in the workbench's order.
VERDICTS = ("corroborated", "disputed", "refuted")
STANCES = ("supports", "disputes", "refutes", "not_in_source", "unavailable")

Rating = tuple[str, str]


@dataclass(frozen=True)
class Pair:
    """Two blind reviews of one claim: who gave them (first, second) and what they said."""

    document: str
    reviewers: tuple[str, str]
    verdicts: Rating
    #: (first, second) stance of each footnote both reviews assessed.
    stances: tuple[Rating, ...] = ()


@dataclass(frozen=True)
class Figure:
    """One agreement figure and the number of items behind it; `value` None with a `note`."""

    value: float | None
    n: int
    note: str = ""

    def __str__(self) -> str:
        return self.note if self.value is None else f"{self.value:.2f}"

    @property
    def percent(self) -> str:
        """The value as a percentage ("87%"), or the note."""
        return self.note if self.value is None else f"{100 * self.value:.0f}%"

    @property
    def bar(self) -> float:
        """The value on a 0–100 scale for a bar (κ and α below 0 draw nothing)."""
        return 0.0 if self.value is None else round(max(0.0, min(1.0, self.value)) * 100, 1)


def percent_agreement(ratings: Sequence[Rating]) -> float:
    """Return the share of `ratings` whose two values are the same."""
    return sum(a == b for a, b in ratings) / len(ratings)


def cohen_kappa(ratings: Sequence[Rating]) -> float | None:
    """Return Cohen's κ of two raters' `ratings` (first rater, second rater), None if undefined.

    κ = (p_o − p_e) / (1 − p_e): p_o the observed agreement, p_e the agreement expected if
    each rater drew their values at random from their own distribution. Undefined when p_e
    is 1: both raters always gave the one same value.
    """
    n = len(ratings)
    first: dict[str, int] = defaultdict(int)
    second: dict[str, int] = defaultdict(int)
    for a, b in ratings:
        first[a] += 1
        second[b] += 1
    observed = percent_agreement(ratings)
    expected = sum(first[value] * second[value] for value in first) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(ratings: Sequence[Rating], categories: Sequence[str]) -> float | None:
    """Return Krippendorff's α (nominal) of `ratings`, each a unit with two values.

    None when every value is the same one (the expected disagreement is zero).
    """
    if len({value for rating in ratings for value in rating}) < 2:
        return None
    column = {value: i for i, value in enumerate(categories)}
    counts = np.zeros((len(ratings), len(categories)), dtype=int)
    for row, (a, b) in enumerate(ratings):
        counts[row, column[a]] += 1
        counts[row, column[b]] += 1
    return float(krippendorff.alpha(value_counts=counts, level_of_measurement="nominal"))


def confusion_matrix(ratings: Iterable[Rating], categories: Sequence[str]) -> list[list[int]]:
    """Return counts[first][second]: rows the first value, columns the second, in order."""
    column = {value: i for i, value in enumerate(categories)}
    counts = [[0] * len(categories) for _ in categories]
    for a, b in ratings:
        counts[column[a]][column[b]] += 1
    return counts


def _figure(ratings: Sequence[Rating], compute, minimum: int) -> Figure:
    if len(ratings) < minimum:
        return Figure(None, len(ratings), NOT_ENOUGH)
    value = compute(ratings)
    return (
        Figure(None, len(ratings), NO_VARIATION) if value is None else Figure(value, len(ratings))
    )


@dataclass(frozen=True)
class ReviewerPair:
    """Two reviewers who reviewed the same claims: their κ and percent agreement."""

    reviewers: tuple[str, str]
    kappa: Figure
    percent: Figure


@dataclass(frozen=True)
class Scope:
    """The figures of one document, or of all of them (`document` "")."""

    document: str
    claims: int
    percent: Figure
    alpha: Figure
    pairs: list[ReviewerPair]
    #: Rows: the first review's verdict; columns: the second's (VERDICTS order).
    confusion: list[list[int]]
    citations: int
    stance_percent: Figure
    stance_alpha: Figure
    categories: tuple[str, ...] = VERDICTS

    @property
    def matrix(self) -> list[tuple[str, list[int]]]:
        """The confusion matrix as (row verdict, counts) rows, for templates."""
        return list(zip(self.categories, self.confusion, strict=True))


@dataclass(frozen=True)
class Report:
    overall: Scope
    documents: list[Scope] = field(default_factory=list)


def scope(pairs: Sequence[Pair], *, document: str = "", minimum: int = MIN_ITEMS) -> Scope:
    """Return the figures of `pairs`, all of one document or of several (`document` "")."""
    verdicts = [pair.verdicts for pair in pairs]
    stances = [rating for pair in pairs for rating in pair.stances]
    # Each reviewer pair in one orientation (alphabetical), whoever reviewed first.
    together: dict[tuple[str, str], list[Rating]] = defaultdict(list)
    for pair in pairs:
        (x, a), (y, b) = sorted(zip(pair.reviewers, pair.verdicts, strict=True))
        together[(x, y)].append((a, b))
    return Scope(
        document=document,
        claims=len(pairs),
        percent=_figure(verdicts, percent_agreement, minimum),
        alpha=_figure(verdicts, lambda r: krippendorff_alpha(r, VERDICTS), minimum),
        pairs=[
            ReviewerPair(
                reviewers=names,
                kappa=_figure(ratings, cohen_kappa, minimum),
                percent=_figure(ratings, percent_agreement, minimum),
            )
            for names, ratings in sorted(together.items())
        ],
        confusion=confusion_matrix(verdicts, VERDICTS),
        citations=len(stances),
        stance_percent=_figure(stances, percent_agreement, minimum),
        stance_alpha=_figure(stances, lambda r: krippendorff_alpha(r, STANCES), minimum),
    )


def report(pairs: Iterable[Pair], *, minimum: int = MIN_ITEMS) -> Report:
    """Return the figures of every pair, overall and per document (by name)."""
    pairs = list(pairs)
    by_document: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        by_document[pair.document].append(pair)
    return Report(
        overall=scope(pairs, minimum=minimum),
        documents=[
            scope(by_document[name], document=name, minimum=minimum) for name in sorted(by_document)
        ],
    )


#: The columns of `manage.py agreement --csv`: one figure a row.
CSV_HEADER = ["document", "measure", "reviewers", "n", "value", "note"]


def report_rows(result: Report) -> list[list[str]]:
    """Return the figures of `result` as CSV rows (CSV_HEADER): overall first, then documents.

    `document` is empty for the overall figures; `reviewers` names a reviewer pair ("a|b")
    for κ; `value` is empty when `note` says why there is no number. The confusion matrix is
    one row per cell (`measure` "confusion:<first verdict>:<second verdict>", `n` its count).
    """
    rows = []
    for part in (result.overall, *result.documents):

        def add(measure: str, figure: Figure, reviewers: str = "", doc: str = part.document):
            value = "" if figure.value is None else f"{figure.value:.4f}"
            rows.append([doc, measure, reviewers, str(figure.n), value, figure.note])

        add("percent_agreement", part.percent)
        add("krippendorff_alpha", part.alpha)
        for pair in part.pairs:
            add("cohen_kappa", pair.kappa, "|".join(pair.reviewers))
        add("stance_percent_agreement", part.stance_percent)
        add("stance_krippendorff_alpha", part.stance_alpha)
        for first, counts in part.matrix:
            for second, n in zip(part.categories, counts, strict=True):
                rows.append([part.document, f"confusion:{first}:{second}", "", str(n), "", ""])
    return rows
