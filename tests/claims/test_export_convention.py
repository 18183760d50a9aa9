"""One CSV convention for every CSV, the raw option, the citations CSV and the claims JSON Lines,
each loaded as an analyst would: Python's csv and pandas with their default settings."""

import csv
import io
import json
from io import StringIO
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
from django.core.management import call_command
from django.urls import reverse

from claims.exports import CITATION_HEADER, HEADER, claims_csv
from claims.models import Citation, Claim, Stance, Verdict
from claims.services import (
    AssessmentInput,
    citation_detach,
    claim_decide,
    claim_publish,
    document_import,
)
from sources.models import Source
from sources.services import source_update

# A claim an analyst must be able to tell from one starting with a quote (the example),
# a semicolon inside a source's title, a note, a page, a section and a hostile raw line.
SEED = "\n".join(
    [
        "-10% of the recruits were sent home, the governor said.[1][2]:34[a]",
        "'Quoted'[3] claims start with a quote mark.",
        "[2] A leading footnote opens this line, and </script> too.",
    ]
)
SMITH_JONES = "Smith; Jones (2020)"


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def write(tmp_path: Path, command: str, *args: str, name: str = "out.csv") -> Path:
    path = tmp_path / name
    call_command(command, *args, "--output", str(path), stdout=StringIO(), stderr=StringIO())
    return path


@pytest.fixture
def exported(db, alice, bob):
    """The three-line document, with a title holding `;`, decided and one claim published."""
    document = document_import(name="analyst.txt", data=SEED.encode()).document
    Claim.objects.filter(document=document, line=1).update(section="Reactions › Governors")
    # The grammar reads `[2]:34`; the import storing it is another change, so set it here.
    Citation.objects.filter(claim__document=document, claim__line=1, source__label="2").update(
        page="34"
    )
    source_update(
        source=Source.objects.get(document=document, label="1"),
        actor=alice,
        title=SMITH_JONES,
        url="https://example.org/report;jsessionid=1",
    )
    claims = {c.line: c for c in Claim.objects.filter(document=document)}
    for claim in claims.values():
        claim.refresh_from_db()
        claim_decide(
            claim=claim,
            actor=bob,
            verdict=Verdict.REFUTED,
            version=claim.version,
            rationale="=SUM(A1) is not evidence.",
            assessments={
                c.pk: AssessmentInput(Stance.REFUTES, quote="-5 said the report", page="3")
                for c in claim.citations.all()
            },
        )
    first = claims[1]
    first.refresh_from_db()
    claim_publish(claim=first, actor=alice, version=first.version)
    return document


def test_every_csv_ends_its_rows_in_lf(exported, tmp_path):
    for command, args in (
        ("export_claims", ["--all"]),
        ("export_decisions", []),
    ):
        text = run(command, *args)
        assert text.endswith("\n") and "\r\n" not in text, command
    write(tmp_path, "export_claims", "--all", "--citations", str(tmp_path / "citations.csv"))
    citations = (tmp_path / "citations.csv").read_bytes()
    assert citations.endswith(b"\n") and b"\r\n" not in citations


def test_a_carriage_return_inside_a_cell_is_quoted(exported, bob):
    claim = Claim.objects.get(document=exported, line=2)
    claim_decide(
        claim=claim,
        actor=bob,
        verdict=Verdict.DISPUTED,
        version=claim.version,
        rationale="First line\rsecond line",
    )

    (row,) = [
        r
        for r in csv.DictReader(io.StringIO(run("export_claims", "--all"), newline=""))
        if r["line"] == "2"
    ]

    assert row["rationale"] == "First line\rsecond line"


def test_formula_cells_are_prefixed_by_default_and_raw_keeps_them(exported):
    default = list(csv.DictReader(io.StringIO(run("export_claims"), newline="")))
    raw = list(csv.DictReader(io.StringIO(run("export_claims", "--raw"), newline="")))

    assert default[0]["claim"] == "'-10% of the recruits were sent home, the governor said."
    assert default[1]["claim"] == "'Quoted' claims start with a quote mark."  # ambiguous
    assert raw[0]["claim"] == "-10% of the recruits were sent home, the governor said."
    assert raw[1]["claim"] == "'Quoted' claims start with a quote mark."
    assert raw[0]["rationale"] == "=SUM(A1) is not evidence."
    decisions = list(csv.DictReader(io.StringIO(run("export_decisions", "--raw"), newline="")))
    assert decisions[0]["rationale"] == "=SUM(A1) is not evidence."


def test_the_claims_csv_has_notes_section_raw_line_and_publication(exported):
    rows = {r["line"]: r for r in csv.DictReader(io.StringIO(run("export_claims", "--raw")))}

    assert list(rows["1"]) == HEADER
    assert rows["1"]["section"] == "Reactions › Governors"
    assert rows["1"]["notes"] == "a"
    assert rows["1"]["raw"] == SEED.splitlines()[0]
    assert rows["1"]["published_at"]
    assert rows["2"]["published_at"] == ""
    assert rows["3"]["raw"] == "[2] A leading footnote opens this line, and </script> too."


def test_joined_cells_split_on_semicolons_always(db, bob):
    document = document_import(name="labels.txt", data=b"A claim.[1][2]\n").document
    # A label is printed text: one holding ";" or "%" must not add an item when split.
    Source.objects.filter(document=document, label="2").update(label="note;2%")

    (row,) = csv.DictReader(io.StringIO(run("export_claims", "--all")))

    assert [unquote(item) for item in row["footnotes"].split(";")] == ["1", "note;2%"]
    assert row["footnotes"] == "1;note%3B2%25"


def test_the_citations_csv_has_one_row_per_footnote(exported, tmp_path):
    write(tmp_path, "export_claims", "--all", "--citations", str(tmp_path / "citations.csv"))

    with (tmp_path / "citations.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert list(rows[0]) == CITATION_HEADER
    claims = {c.line: c.id for c in Claim.objects.filter(document=exported)}
    assert [(r["claim_id"], r["order"], r["label"], r["position"]) for r in rows] == [
        (str(claims[1]), "0", "1", "trailing"),
        (str(claims[1]), "1", "2", "trailing"),
        (str(claims[2]), "0", "3", "inline"),
        (str(claims[3]), "0", "2", "leading"),
    ]
    assert rows[0]["source_title"] == SMITH_JONES  # one cell, whatever it holds
    assert rows[0]["source_url"] == "https://example.org/report;jsessionid=1"
    assert rows[1]["page"] == "34"
    assert (rows[0]["stance"], rows[0]["quote"], rows[0]["quote_page"]) == (
        "refutes",
        "'-5 said the report",
        "3",
    )


def test_a_detached_footnote_is_a_row_that_says_so(exported, bob):
    claim = Claim.objects.get(document=exported, line=3)
    citation_detach(citation=claim.citations.get(), actor=bob, reason="Not this sentence.")

    rows = list(csv.DictReader(io.StringIO("".join(_citations(Claim.objects.filter(pk=claim.pk))))))

    assert [(r["label"], r["attribution"]) for r in rows] == [("2", "detached")]


def _citations(claims):
    from claims.exports import citations_csv

    return citations_csv(claims)


def test_pandas_loads_every_export_with_its_defaults(exported, tmp_path):
    claims = write(
        tmp_path, "export_claims", "--all", "--citations", str(tmp_path / "citations.csv")
    )
    decisions = write(tmp_path, "export_decisions", name="decisions.csv")
    jsonl = write(tmp_path, "export_claims", "--all", "--format", "jsonl", name="claims.jsonl")
    fever = write(tmp_path, "export_fever", name="fever.jsonl")

    frame = pd.read_csv(claims)
    assert len(frame) == 3 and list(frame.columns) == HEADER
    assert frame.loc[frame["line"] == 1, "notes"].item() == "a"
    citations = pd.read_csv(tmp_path / "citations.csv")
    assert len(citations) == 4
    assert citations.loc[0, "source_title"] == SMITH_JONES
    joined = frame.merge(citations, on="claim_id")
    assert len(joined) == 4
    assert len(pd.read_csv(decisions)) == 3
    records = pd.read_json(jsonl, lines=True)
    assert list(records["line"]) == [1, 2, 3]
    assert len(pd.read_json(fever, lines=True)) == 3


def test_the_web_gives_the_commands_bytes_for_raw_and_for_citations(
    client, exported, charlie, tmp_path
):
    client.force_login(charlie)

    raw = b"".join(client.get(reverse("claims:export-csv"), {"raw": "1"}).streaming_content)
    assert raw == write(tmp_path, "export_claims", "--raw").read_bytes()
    response = client.get(reverse("claims:export-citations-csv"), {"all": "1", "bom": "1"})
    assert response["Content-Disposition"].startswith('attachment; filename="citations-')
    web = b"".join(response.streaming_content)
    write(tmp_path, "export_claims", "--all", "--bom", "--citations", str(tmp_path / "c.csv"))
    assert web == (tmp_path / "c.csv").read_bytes()


def test_the_claim_list_links_to_both_exports(client, exported, charlie):
    client.force_login(charlie)

    html = client.get(reverse("claims:list"), {"verdict": "refuted"}).content.decode()

    assert f'href="{reverse("claims:export-citations-csv")}?verdict=refuted"' in html
    assert f'formaction="{reverse("claims:export-citations-csv")}"' in html
    assert 'name="raw"' in html


def test_json_lines_hold_every_field(exported):
    lines = run("export_claims", "--all", "--format", "jsonl").splitlines()

    first = json.loads(lines[0])
    claim = Claim.objects.get(document=exported, line=1)
    assert first["claim_id"] == claim.id
    assert first["claim"] == "-10% of the recruits were sent home, the governor said."
    assert first["raw"] == SEED.splitlines()[0]
    assert (first["section"], first["notes"], first["tags"]) == ("Reactions › Governors", ["a"], [])
    assert first["footnotes"] == ["1", "2"]
    assert first["decision"]["rationale"] == "=SUM(A1) is not evidence."
    assert first["decision"]["reviewer"] == "bob"
    assert first["published_decision_id"] == claim.last_decision_id
    assert first["citations"][0]["source"]["title"] == SMITH_JONES
    assert first["citations"][1]["page"] == "34"
    assert first["citations"][0]["assessment"]["quote"] == "-5 said the report"
    assert first["document"]["name"] == "analyst.txt"
    third = json.loads(lines[2])
    assert third["citations"][0]["position"] == "leading"
    assert third["attribution"] == "needs check"
    assert "</script>" not in lines[2] and "\\u003c/script\\u003e" in lines[2]
    assert third["raw"].endswith("</script> too.")


def test_json_lines_refuse_csv_options(exported):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="CSV options"):
        run("export_claims", "--format", "jsonl", "--raw")


@pytest.mark.parametrize("count", [30, 300])
def test_citations_and_json_lines_take_a_fixed_number_of_queries(
    db, count, django_assert_max_num_queries
):
    from claims.exports import citations_csv, claims_jsonl

    lines = "\n".join(f"Sentence {n} is here.[{n % 9 + 1}][{n % 5 + 20}]" for n in range(count))
    document_import(name="many.txt", data=lines.encode())

    with django_assert_max_num_queries(3):  # claims, footnotes, the empty next batch
        assert len(list(citations_csv(Claim.objects.all()))) == 2 * count + 1
    with django_assert_max_num_queries(4):  # claims, footnotes, decision counts, empty batch
        assert len(list(claims_jsonl(Claim.objects.all()))) == count


def test_every_row_is_as_wide_as_the_header(exported):
    # The byte-for-byte comparison with COPY is tests/claims/test_export_copy.py (PostgreSQL).
    text = "".join(claims_csv(Claim.objects.all(), engine="python"))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 4 and {len(row) for row in rows} == {len(HEADER)}
