"""FEVER JSON Lines: fever_record(), fever_jsonl(), manage.py export_fever, and the official
scorer (the `fever-scorer` package) reading what they write."""

import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.evidence import sentence_spans
from claims.exports import DISPUTED_LABEL, FEVER_LABELS, fever_jsonl
from claims.models import Assessment, Claim
from claims.services import AssessmentInput, claim_decide, document_import
from claims.services.evidence import source_snapshot_upload
from sources.snapshots import Upload

DATA = Path(__file__).resolve().parent.parent / "data" / "sources"
SEED = "000_cd3426a0e815e9f2.txt"
# Quotes a reviewer took from two real texts (tests/data/sources/README.md): the State
# Department's statement of 21 September 2022, and the article's own lead paragraphs.
BLINKEN_QUOTE = "this is another sign of his failing mission"
SHOIGU_QUOTE = "planned to mobilize 300,000 recruits"


def decide(claim: Claim, actor, verdict: str, assessments: dict | None = None) -> None:
    """Decide `claim`; `assessments` maps footnote labels to AssessmentInput."""
    claim.refresh_from_db()
    by_label = {c.source.label: c.pk for c in claim.citations.select_related("source")}
    claim_decide(
        claim=claim,
        actor=actor,
        verdict=verdict,
        version=claim.version,
        rationale="Checked against the sources.",
        assessments={by_label[label]: item for label, item in (assessments or {}).items()},
    )


def export(*args) -> tuple[list[dict], str]:
    out, err = StringIO(), StringIO()
    call_command("export_fever", *args, stdout=out, stderr=err)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def line(seed, number: int) -> Claim:
    return Claim.objects.get(document=seed, line=number)


@pytest.fixture
def reviewed(seed, bob):
    """Line 29 supported by [116], line 8 refuted by [3], line 6 disputed, line 15 corroborated
    with no supporting assessment, line 1 refuted with no footnote at all."""
    decide(line(seed, 29), bob, "corroborated", {"116": AssessmentInput("supports", BLINKEN_QUOTE)})
    decide(line(seed, 8), bob, "refuted", {"3": AssessmentInput("refutes", SHOIGU_QUOTE, "1")})
    decide(
        line(seed, 6),
        bob,
        "disputed",
        {"31": AssessmentInput("supports", "covert"), "32": AssessmentInput("refutes", "not so")},
    )
    decide(line(seed, 15), bob, "corroborated", {"110": AssessmentInput("not_in_source")})
    decide(line(seed, 1), bob, "refuted")
    return seed


def test_records_have_fevers_exact_shape(reviewed):
    records, _ = export()

    by_id = {record["id"]: record for record in records}
    supported = line(reviewed, 29)
    assessment = Assessment.objects.get(citation__claim=supported)
    assert by_id[supported.id] == {
        "id": supported.id,
        "verifiable": "VERIFIABLE",
        "label": "SUPPORTS",
        "claim": supported.text,
        # One evidence set per assessment: [annotation (the decision), evidence (the
        # assessment), page (DOCUMENT#LABEL), sentence (unknown until snapshots exist)].
        "evidence": [[[assessment.decision_id, assessment.id, f"{SEED}#116", None]]],
        "workbench_evidence": [
            {
                "page": f"{SEED}#116",
                "label": "116",
                "url": "",
                "title": "",
                "cited_page": "",
                "stance": "supports",
                "quote": BLINKEN_QUOTE,
                "quote_page": "",
                "sentence": None,
            }
        ],
    }
    refuted = by_id[line(reviewed, 8).id]
    assert refuted["label"] == "REFUTES"
    assert [[item[2] for item in group] for group in refuted["evidence"]] == [[f"{SEED}#3"]]


def test_supports_or_refutes_without_such_an_assessment_is_left_out_and_counted(reviewed):
    records, err = export()

    assert {r["id"] for r in records} == {line(reviewed, 29).id, line(reviewed, 8).id}
    assert "2 FEVER records written" in err
    assert "2 claims left out: decided without any assessment that supports or refutes them" in err
    assert "(1 REFUTES, 1 SUPPORTS)" in err


def test_disputed_claims_come_only_when_asked_labelled_outside_fever(reviewed):
    records, _ = export("--include-disputed")

    (disputed,) = [r for r in records if r["id"] == line(reviewed, 6).id]
    assert disputed["label"] == DISPUTED_LABEL == "DISPUTED"
    assert [group[0][2] for group in disputed["evidence"]] == [f"{SEED}#31", f"{SEED}#32"]
    assert DISPUTED_LABEL not in FEVER_LABELS.values()
    assert all(r["label"] != "NOT ENOUGH INFO" for r in records)


def test_the_labels_are_feverss_own():
    assert FEVER_LABELS == {"corroborated": "SUPPORTS", "refuted": "REFUTES"}


def test_evidence_is_the_current_assessment_bearing_the_label_out(seed, bob):
    claim = line(seed, 27)
    decide(claim, bob, "corroborated", {"174": AssessmentInput("supports", "old")})
    decide(
        claim,
        bob,
        "corroborated",
        {
            "174": AssessmentInput("supports", "a man opened fire", "p. 2"),
            "175": AssessmentInput("not_in_source"),
            "176": AssessmentInput("supports", "the head of the draft board"),
        },
    )

    ((record,), _) = export()

    latest = {a.citation.source.label: a for a in claim.decisions.first().assessments.all()}
    assert record["evidence"] == [
        [[latest[label].decision_id, latest[label].id, f"{SEED}#{label}", None]]
        for label in ("174", "176")
    ]
    assert [e["stance"] for e in record["workbench_evidence"]] == [
        "supports",
        "not_in_source",
        "supports",
        None,
        None,
        None,
        None,
        None,
    ]
    assert record["workbench_evidence"][0]["quote_page"] == "p. 2"


def test_filters_narrow(reviewed):
    records, _ = export("--source", "116")
    assert [r["id"] for r in records] == [line(reviewed, 29).id]


def test_it_writes_utf8_json_lines_to_a_file(db, bob, tmp_path):
    document_import(name="ru.txt", data='Путин сказал "да",[1]\nи\tвсё.[1]\n'.encode())
    decide(Claim.objects.get(line=1), bob, "refuted", {"1": AssessmentInput("refutes", "нет")})
    path = tmp_path / "fever.jsonl"

    call_command("export_fever", "--output", str(path), stderr=StringIO())

    data = path.read_bytes()
    assert "Путин".encode() in data
    assert data.count(b"\n") == 1
    assert json.loads(data)["claim"] == 'Путин сказал "да",'


def test_script_in_a_claim_cannot_break_out_of_the_json(db, bob):
    hostile = "</script><script>alert(1)</script> & co.[1]"
    document_import(name="hostile.txt", data=hostile.encode())
    decide(Claim.objects.get(), bob, "refuted", {"1": AssessmentInput("refutes", "<b>no</b>")})

    text = "".join(fever_jsonl(Claim.objects.all()))

    assert "<" not in text and ">" not in text and "&" not in text
    record = json.loads(text)
    assert record["claim"] == "</script><script>alert(1)</script> & co."
    assert record["workbench_evidence"][0]["quote"] == "<b>no</b>"


@pytest.mark.parametrize("count", [3, 30])
def test_many_claims_take_a_fixed_number_of_queries(db, bob, count, django_assert_max_num_queries):
    lines = "\n".join(f"Sentence {n} is here.[{n % 7 + 1}]" for n in range(count))
    document_import(name="many.txt", data=lines.encode())
    for claim in Claim.objects.all():
        decide(claim, bob, "corroborated", {str(claim.line % 7 or 7): AssessmentInput("supports")})

    # claims, citations, their quotes' sentences, then the empty next batch
    with django_assert_max_num_queries(4):
        lines = list(fever_jsonl(Claim.objects.all()))

    assert len(lines) == count


# --- The official scorer -------------------------------------------------------------------


@pytest.fixture
def scorer():
    """The official scorer (test-only; README "Exports" says how to install it; CI does)."""
    if os.environ.get("CI") == "true":
        from fever import scorer

        return scorer
    return pytest.importorskip("fever.scorer", reason="fever-scorer is not installed")


def as_predictions(records: list[dict]) -> list[dict]:
    """Return the predictions a perfect system would make: the gold label and evidence."""
    return [
        {
            "predicted_label": record["label"],
            "predicted_evidence": [
                [item[2], item[3]] for group in record["evidence"] for item in group
            ],
        }
        for record in records
    ]


@pytest.fixture
def snapshotted(seed, bob, alice):
    """The claims of `reviewed`, decided after real copies of [116] and [3] were kept, so each
    quote is checked against its source's snapshot and has a sentence."""
    for label, name, data in (
        ("116", "statement.html", (DATA / "kremlin-troop-mobilization.html").read_bytes()),
        ("3", "mobilization.txt", (DATA / "mobilization.txt").read_bytes()),
    ):
        source_snapshot_upload(
            source=seed.sources.get(label=label), upload=Upload(name, data), actor=alice
        )
    decide(line(seed, 29), bob, "corroborated", {"116": AssessmentInput("supports", BLINKEN_QUOTE)})
    decide(line(seed, 8), bob, "refuted", {"3": AssessmentInput("refutes", SHOIGU_QUOTE, "1")})
    return seed


def sentence_of(quote: str, label: str, seed) -> int:
    """Return, by hand, the index of the snapshot sentence holding `quote`."""
    text = seed.sources.get(label=label).snapshot.text
    start = text.index(quote)
    return max(i for i, (begin, _) in enumerate(sentence_spans(text)) if begin <= start)


def test_the_evidence_names_the_snapshot_sentence_the_quote_was_found_in(snapshotted):
    gold, _ = export()
    sentences = {r["id"]: r["evidence"][0][0][3] for r in gold}
    assert sentences == {
        line(snapshotted, 29).pk: sentence_of(BLINKEN_QUOTE, "116", snapshotted),
        line(snapshotted, 8).pk: sentence_of(SHOIGU_QUOTE, "3", snapshotted),
    }
    assert all(isinstance(n, int) for n in sentences.values())


def test_the_official_scorer_gives_1_for_the_export_against_itself(scorer, snapshotted):
    gold, _ = export()

    score = scorer.fever_score(as_predictions(gold), actual=gold)

    assert score == (1.0, 1.0, 1.0, 1.0, 1.0)  # strict, label accuracy, precision, recall, F1


def test_the_scorer_notices_a_wrong_label_or_missing_evidence(scorer, snapshotted):
    gold, _ = export()
    predictions = as_predictions(gold)
    predictions[0]["predicted_label"] = "REFUTES" if gold[0]["label"] == "SUPPORTS" else "SUPPORTS"
    predictions[1]["predicted_evidence"] = []

    strict, accuracy, *_ = scorer.fever_score(predictions, actual=gold)

    assert (strict, accuracy) == (0.0, 0.5)


def test_without_a_snapshot_the_sentence_is_null_and_the_scorer_scores_labels(scorer, reviewed):
    gold, _ = export()
    assert all(item[3] is None for r in gold for group in r["evidence"] for item in group)
    # A sentence of None cannot be predicted (the scorer wants an int): labels only.
    predictions = [{"predicted_label": r["label"], "predicted_evidence": []} for r in gold]

    strict, accuracy, *_ = scorer.fever_score(predictions, actual=gold)

    assert accuracy == 1.0
    assert strict == 0.0  # evidence retrieval cannot be scored without sentence indices
