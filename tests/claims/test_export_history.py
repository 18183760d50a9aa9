"""manage.py export_decisions: the whole review history as CSV."""

import csv
import io
from io import StringIO

import pytest
from django.core.management import call_command

from claims.exports import DECISION_HEADER, decisions_csv
from claims.exports import decisions as decisions_export
from claims.models import Claim, Decision
from claims.services import AssessmentInput, claim_decide, document_import


def decide(claim: Claim, actor, verdict: str, rationale: str = "Checked.", **kwargs) -> Decision:
    claim.refresh_from_db()
    return claim_decide(
        claim=claim,
        actor=actor,
        verdict=verdict,
        version=claim.version,
        rationale=rationale,
        **kwargs,
    )


def export(*args) -> str:
    out = StringIO()
    call_command("export_decisions", *args, stdout=out)
    return out.getvalue()


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_it_exports_every_decision_oldest_first(seed, alice, bob):
    claim = Claim.objects.get(document=seed, line=6)
    citations = {c.source.label: c.pk for c in claim.citations.select_related("source")}
    first = decide(
        claim,
        bob,
        "corroborated",
        rationale="",
        assessments={
            citations["32"]: AssessmentInput("supports", "covert mobilization", "3"),
            citations["31"]: AssessmentInput("not_in_source"),
        },
    )
    second = decide(
        claim,
        alice,
        "disputed",
        rationale="Another source disagrees.",
        evidence_url="https://example.org/evidence",
        evidence_quote="It was not covert.",
    )

    text = export()

    assert text.splitlines()[0] == ",".join(DECISION_HEADER)
    assert rows(text) == [
        {
            "decision_id": str(first.id),
            "claim_id": str(claim.id),
            "document": "000_cd3426a0e815e9f2.txt",
            "line": "6",
            "claim": claim.text,
            "verdict_from": "unreviewed",
            "verdict_to": "corroborated",
            "suggested": "corroborated",
            "rationale": "",
            "evidence_url": "",
            "evidence_quote": "",
            "actor": "bob",
            "at": first.at.isoformat(),
            "assessments": "31:not_in_source;32:supports",
        },
        {
            "decision_id": str(second.id),
            "claim_id": str(claim.id),
            "document": "000_cd3426a0e815e9f2.txt",
            "line": "6",
            "claim": claim.text,
            "verdict_from": "corroborated",
            "verdict_to": "disputed",
            "suggested": "corroborated",
            "rationale": "Another source disagrees.",
            "evidence_url": "https://example.org/evidence",
            "evidence_quote": "It was not covert.",
            "actor": "alice",
            "at": second.at.isoformat(),
            "assessments": "",
        },
    ]


def test_hostile_text_is_neutralised_and_survives_a_round_trip(db, bob):
    document_import(name="hostile.txt", data="=cmd|' /C calc'!A0 «Путин», \"quoted\".\n".encode())
    claim = Claim.objects.get()
    rationale = '=HYPERLINK("http://evil.example","click")\nsecond line, with "quotes"'

    decide(claim, bob, "refuted", rationale=rationale, evidence_quote="@SUM(A1)")

    (row,) = rows(export())
    assert row["claim"] == "'=cmd|' /C calc'!A0 «Путин», \"quoted\"."
    assert row["rationale"] == "'" + rationale
    assert row["evidence_quote"] == "'@SUM(A1)"


def test_with_no_decisions_it_is_the_header_alone_ending_in_lf_like_every_csv(db):
    assert export() == ",".join(DECISION_HEADER) + "\n"


def test_it_writes_a_file_with_a_bom(seed, bob, tmp_path):
    decide(Claim.objects.get(document=seed, line=1), bob, "refuted")
    path = tmp_path / "decisions.csv"

    call_command("export_decisions", "--output", str(path), "--bom")

    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfdecision_id,claim_id,")
    assert len(rows(data.decode("utf-8-sig"))) == 1


def test_batches_page_through_every_decision_once(seed, bob, monkeypatch):
    monkeypatch.setattr(decisions_export, "BATCH", 4)
    claims = list(Claim.objects.filter(document=seed).order_by("-line")[:10])
    for claim in claims:
        decide(claim, bob, "refuted")

    ids = [row["decision_id"] for row in rows("".join(decisions_csv()))]

    assert ids == [str(pk) for pk in Decision.objects.order_by("id").values_list("id", flat=True)]
    assert len(ids) == 10


@pytest.mark.parametrize("count", [2, 20])
def test_the_query_count_does_not_grow_with_decisions(
    seed, bob, count, django_assert_max_num_queries
):
    for claim in Claim.objects.filter(document=seed).order_by("line")[:count]:
        decide(claim, bob, "refuted")

    with django_assert_max_num_queries(3):  # decisions, their assessments, the empty next batch
        lines = list(decisions_csv())

    assert len(lines) == count + 1
