"""Agreement figures (claims/agreement.py), `manage.py agreement`, and the file they recompute from.

The small table below is worked by hand in the comments: the figures must match it exactly.
"""

import csv
import io
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims import agreement
from claims.agreement import (
    NO_VARIATION,
    NOT_ENOUGH,
    Pair,
    cohen_kappa,
    confusion_matrix,
    krippendorff_alpha,
    percent_agreement,
    report,
)
from claims.exports import decisions_csv
from claims.models import Claim, Stance, Verdict
from claims.services import AssessmentInput, claim_decide
from tests.conftest import member
from workbench.roles import REVIEWERS

C, D, R = "corroborated", "disputed", "refuted"

# Two reviewers, ten claims; rows are (first, second):
#   c c ×4, c d ×1, d d ×2, d r ×1, r r ×2
TABLE = [(C, C)] * 4 + [(C, D)] + [(D, D)] * 2 + [(D, R)] + [(R, R)] * 2
# p_o = 8/10. Marginals: first c5 d3 r2, second c4 d3 r3, so
# p_e = (5·4 + 3·3 + 2·3) / 100 = 0.35 and κ = (0.8 − 0.35) / (1 − 0.35) = 9/13.
KAPPA = 9 / 13
# Krippendorff (nominal): each unit's two values give the coincidences o_cc 8, o_dd 4, o_rr 4
# and 1 in each of c·d, d·c, d·r, r·d; so n_c 9, n_d 6, n_r 5, n 20.
# D_o = 4/20; D_e = (20² − 9² − 6² − 5²) / (20·19) = 258/380; α = 1 − D_o/D_e = 91/129.
ALPHA = 91 / 129


def test_it_matches_the_table_worked_by_hand():
    assert percent_agreement(TABLE) == 0.8
    assert cohen_kappa(TABLE) == pytest.approx(KAPPA)
    assert krippendorff_alpha(TABLE, agreement.VERDICTS) == pytest.approx(ALPHA)
    assert confusion_matrix(TABLE, agreement.VERDICTS) == [[4, 1, 0], [0, 2, 1], [0, 0, 2]]


def test_kappa_is_the_same_whichever_reviewer_came_first():
    flipped = [(b, a) for a, b in TABLE]

    assert cohen_kappa(flipped) == pytest.approx(KAPPA)
    assert krippendorff_alpha(flipped, agreement.VERDICTS) == pytest.approx(ALPHA)


def test_the_category_lists_are_the_workbench_verdicts_and_stances():
    assert tuple(v for v in Verdict.values if v != Verdict.UNREVIEWED) == agreement.VERDICTS
    assert tuple(Stance.values) == agreement.STANCES


def pairs(table, reviewers=("ann", "ben"), document="a.txt", stances=()) -> list[Pair]:
    return [Pair(document, reviewers, verdicts, stances) for verdicts in table]


def test_a_report_gives_each_figure_with_the_claims_behind_it():
    result = report(pairs(TABLE, stances=((("supports", "supports")),)))

    scope = result.overall
    assert scope.claims == 10 and scope.percent.value == 0.8 and scope.percent.n == 10
    assert scope.alpha.value == pytest.approx(ALPHA)
    ((names, kappa),) = [(p.reviewers, p.kappa) for p in scope.pairs]
    assert names == ("ann", "ben") and kappa.value == pytest.approx(KAPPA) and kappa.n == 10
    assert str(kappa) == "0.69" and scope.percent.percent == "80%"
    assert [s.document for s in result.documents] == ["a.txt"]
    assert scope.citations == 10 and scope.stance_percent.value == 1.0
    assert scope.stance_alpha.note == NO_VARIATION  # every stance the same: nothing to correct


def test_figures_on_too_few_claims_are_not_enough_data_never_a_number():
    result = report(pairs(TABLE[:9]) + pairs(TABLE, reviewers=("cy", "dee"), document="b.txt"))

    (short,) = [p for p in result.overall.pairs if p.reviewers == ("ann", "ben")]
    assert short.kappa.value is None and short.kappa.n == 9
    assert str(short.kappa) == NOT_ENOUGH and short.percent.percent == NOT_ENOUGH
    a_txt, b_txt = result.documents
    assert str(a_txt.percent) == NOT_ENOUGH and str(a_txt.alpha) == NOT_ENOUGH
    assert b_txt.alpha.value == pytest.approx(ALPHA)
    assert result.overall.claims == 19 and result.overall.alpha.value is not None
    assert str(result.overall.stance_alpha) == NOT_ENOUGH  # no footnote assessed twice


def test_reviewer_pairs_are_pooled_whoever_reviewed_first():
    forward = pairs(TABLE[:5], reviewers=("ann", "ben"))
    backward = [Pair("a.txt", ("ben", "ann"), (b, a)) for a, b in TABLE[5:]]

    (pair,) = report(forward + backward).overall.pairs

    assert pair.reviewers == ("ann", "ben") and pair.kappa.value == pytest.approx(KAPPA)


def test_kappa_without_any_variation_is_undefined_not_one():
    same = report(pairs([(C, C)] * 12)).overall

    assert same.percent.value == 1.0
    assert str(same.pairs[0].kappa) == NO_VARIATION and str(same.alpha) == NO_VARIATION


# --- From the database: manage.py agreement and the decisions export ----------------------------


@pytest.fixture
def reviewed(settings, seed, bob):
    """Twelve claims of the seed reviewed twice, blind, by bob then dora, as TABLE goes on."""
    settings.WORKBENCH_DOUBLE_REVIEW = True
    dora = member("dora", REVIEWERS)
    table = [*TABLE, (C, C), (R, D)]
    claims = list(Claim.objects.filter(document=seed).order_by("line")[: len(table)])
    for claim, (first, second) in zip(claims, table, strict=True):
        for actor, verdict in ((bob, first), (dora, second)):
            claim.refresh_from_db()
            citations = list(claim.citations.order_by("order"))
            stance = {C: "supports", D: "disputes", R: "refutes"}[verdict]
            claim_decide(
                claim=claim,
                actor=actor,
                verdict=verdict,
                version=claim.version,
                rationale=f"{actor.username} says {verdict}.",
                assessments={c.pk: AssessmentInput(stance) for c in citations[:1]},
            )
    return table


def command(*args) -> str:
    out = StringIO()
    call_command("agreement", *args, stdout=out)
    return out.getvalue()


def by_hand_kappa(ratings: list[tuple[str, str]]) -> float:
    """Cohen's κ, written out again for the analyst's side of the test."""
    n = len(ratings)
    first, second = Counter(a for a, _ in ratings), Counter(b for _, b in ratings)
    p_o = sum(a == b for a, b in ratings) / n
    p_e = sum(first[k] * second[k] for k in first) / n**2
    return (p_o - p_e) / (1 - p_e)


def test_the_command_prints_the_figures_of_the_reviews(reviewed):
    text = command()

    expected = by_hand_kappa(reviewed)
    assert "All documents: 12 claims reviewed twice" in text
    assert f"bob & dora: kappa {expected:.2f}, 75% agree (12 claims)" in text
    assert "000_cd3426a0e815e9f2.txt: 12 claims reviewed twice" in text


def test_kappa_recomputed_from_the_exported_decisions_matches_the_command(reviewed):
    exported = list(csv.DictReader(io.StringIO("".join(decisions_csv()))))

    # The analyst's side: pair the review rows by their `reviews` cell, orient each pair by
    # reviewer name, and compute κ with nothing but the file.
    by_pair: dict[str, list[dict]] = defaultdict(list)
    for row in exported:
        if row["kind"] == "review":
            by_pair[row["reviews"]].append(row)
    ratings = []
    for rows in by_pair.values():
        assert len(rows) == 2
        ordered = sorted(rows, key=lambda row: row["actor"])
        ratings.append((ordered[0]["verdict_to"], ordered[1]["verdict_to"]))
    figures = list(csv.DictReader(io.StringIO(command("--csv"))))
    (kappa,) = [f for f in figures if f["measure"] == "cohen_kappa" and f["document"] == ""]

    assert len(ratings) == len(reviewed) == int(kappa["n"])
    assert kappa["reviewers"] == "bob|dora"
    assert float(kappa["value"]) == pytest.approx(by_hand_kappa(ratings), abs=5e-5)
    # The agreeing pairs were settled, each by a decision naming its two reviews.
    settled = [row for row in exported if row["kind"] == "agreement"]
    assert sorted(row["reviews"] for row in settled) == sorted(
        key for key, rows in by_pair.items() if rows[0]["verdict_to"] == rows[1]["verdict_to"]
    )


def test_the_csv_names_every_figure_and_says_why_one_is_missing(reviewed, tmp_path):
    path = tmp_path / "agreement.csv"

    command("--csv", str(path), "--document", "000_cd3426a0e815e9f2.txt")

    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert list(rows[0]) == agreement.CSV_HEADER
    measures = {(row["document"], row["measure"]): row for row in rows}
    assert measures[("", "percent_agreement")]["value"] == "0.7500"
    stance = measures[("", "stance_krippendorff_alpha")]
    cited = Claim.objects.filter(reviews__isnull=False, citations__isnull=False).distinct()
    assert cited.count() < agreement.MIN_ITEMS  # eight of the twelve claims cite a source
    assert (stance["n"], stance["value"], stance["note"]) == (str(cited.count()), "", NOT_ENOUGH)
    cell = measures[("", "confusion:refuted:disputed")]
    assert cell["n"] == "1"
    matrix = sum(int(row["n"]) for row in rows if row["measure"].startswith("confusion:"))
    assert matrix == 24  # overall and the one document, 12 pairs each


def test_the_command_refuses_an_unknown_document(db):
    with pytest.raises(CommandError, match="no document named 'nope.txt'"):
        command("--document", "nope.txt")


def test_with_no_reviews_every_figure_is_not_enough_data(seed):
    text = command()

    assert "All documents: 0 claims reviewed twice" in text
    assert f"verdicts: {NOT_ENOUGH} agree" in text
