"""FEVER-style JSON Lines: fever_record(), fever_jsonl() and manage.py export_fever."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from claims.exports import FEVER_LABELS, fever_jsonl
from claims.models import Claim
from claims.services import AssessmentInput, claim_decide, document_import
from sources.models import Source
from sources.services import source_update


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


def export(*args) -> list[dict]:
    out = StringIO()
    call_command("export_fever", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("verdict", "stance", "label"),
    [
        ("corroborated", "supports", "SUPPORTS"),
        ("refuted", "refutes", "REFUTES"),
        ("disputed", "disputes", "NOT ENOUGH INFO"),
    ],
)
def test_the_label_follows_the_verdict(seed, bob, verdict, stance, label):
    claim = Claim.objects.get(document=seed, line=15)
    decide(claim, bob, verdict, {"110": AssessmentInput(stance)})

    (record,) = export()

    assert record["id"] == claim.id
    assert record["claim"] == claim.text
    assert record["label"] == label


def test_every_published_verdict_has_a_label_and_unreviewed_has_none():
    assert FEVER_LABELS == {
        "corroborated": "SUPPORTS",
        "refuted": "REFUTES",
        "disputed": "NOT ENOUGH INFO",
    }


def test_evidence_is_the_current_assessment_of_each_attached_citation(seed, alice, bob):
    source_update(
        source=Source.objects.get(document=seed, label="175"),
        actor=alice,
        url="https://example.org/175",
    )
    claim = Claim.objects.get(document=seed, line=27)
    decide(claim, bob, "corroborated", {"174": AssessmentInput("supports", "old", "1")})
    decide(
        claim,
        bob,
        "corroborated",
        {
            "174": AssessmentInput("supports", "a man opened fire", "p. 2"),
            "175": AssessmentInput("not_in_source"),
        },
    )

    (record,) = export()

    # 176-181 were never assessed; 174's first assessment was replaced by its second.
    assert record["evidence"] == [
        {
            "label": "174",
            "url": "",
            "stance": "supports",
            "quote": "a man opened fire",
            "page": "p. 2",
        },
        {
            "label": "175",
            "url": "https://example.org/175",
            "stance": "not_in_source",
            "quote": "",
            "page": "",
        },
    ]


def test_unreviewed_claims_are_left_out_and_filters_narrow(seed, bob):
    decide(
        Claim.objects.get(document=seed, line=15),
        bob,
        "corroborated",
        {"110": AssessmentInput("supports")},
    )
    decide(Claim.objects.get(document=seed, line=1), bob, "refuted")

    assert [r["label"] for r in export()] == ["REFUTES", "SUPPORTS"]
    assert [r["label"] for r in export("--source", "110")] == ["SUPPORTS"]
    assert [r["evidence"] for r in export("--unsourced", "true")] == [[]]


def test_it_writes_utf8_json_lines_to_a_file(db, bob, tmp_path):
    document_import(name="ru.txt", data='Путин сказал "да",\nи\tвсё.[1]\n'.encode())
    claim = Claim.objects.get(line=1)
    decide(claim, bob, "refuted")
    path = tmp_path / "fever.jsonl"

    call_command("export_fever", "--output", str(path))

    data = path.read_bytes()
    assert "Путин".encode() in data
    assert data.count(b"\n") == 1
    assert json.loads(data)["claim"] == 'Путин сказал "да",'


@pytest.mark.parametrize("count", [3, 30])
def test_many_claims_take_a_fixed_number_of_queries(db, bob, count, django_assert_max_num_queries):
    lines = "\n".join(f"Sentence {n} is here.[{n % 7 + 1}]" for n in range(count))
    document_import(name="many.txt", data=lines.encode())
    for claim in Claim.objects.all():
        decide(claim, bob, "corroborated", {str(claim.line % 7 or 7): AssessmentInput("supports")})

    with django_assert_max_num_queries(3):  # claims, citations, then the empty next batch
        lines = list(fever_jsonl(Claim.objects.all()))

    assert len(lines) == count
