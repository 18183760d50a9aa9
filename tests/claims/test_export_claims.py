"""manage.py export_claims and the CSV writer behind it."""

import csv
import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims.exports import HEADER, claims_csv, neutralise
from claims.models import Claim
from claims.services import document_import


def export(*args) -> str:
    out = StringIO()
    call_command("export_claims", *args, stdout=out)
    return out.getvalue()


def test_it_exports_every_seed_claim_with_all(seed):
    text = export("--all")
    rows = list(csv.reader(io.StringIO(text)))

    assert text.startswith(
        "claim_id,document,line,claim,footnotes,tags,verdict,rationale,reviewer,decided_at,"
    )
    assert rows[0] == HEADER
    assert len(rows) == 31
    by_line = {row[2]: row for row in rows[1:]}
    first = Claim.objects.get(document=seed, line=6).id
    assert by_line["6"][:10] == [
        str(first),
        "000_cd3426a0e815e9f2.txt",
        "6",
        "Around June and July 2022, local authorities of the federal subjects of Russia were "
        "tasked with doing a recruitment campaign to form new military formations, in what was "
        'called a "covert mobilization".',
        "31;32",
        "",
        "unreviewed",
        "",
        "",
        "",
    ]
    assert by_line["27"][4] == "174;175;176;177;178;179;180;181"
    assert by_line["1"][4] == ""
    assert by_line["6"][11] == "needs check"
    assert by_line["6"][12] == "31:unassessed;32:unassessed"


def test_without_all_it_exports_reviewed_claims_only(seed):
    rows = list(csv.reader(io.StringIO(export())))

    assert rows == [HEADER]  # nothing has been reviewed yet


def test_rows_end_in_lf_as_copy_writes_them_and_stdout_is_the_default(seed):
    text = export("--all", "--document", "000_cd3426a0e815e9f2.txt")

    assert text.count("\n") == 31 and "\r" not in text


def test_filters_narrow_the_export(seed):
    rows = list(csv.reader(io.StringIO(export("--all", "--unsourced", "true"))))

    assert [row[2] for row in rows[1:]] == ["1", "3", "4", "10", "13", "14", "18", "21", "24"]
    rows = list(csv.reader(io.StringIO(export("--all", "--source", "110"))))
    assert [row[2] for row in rows[1:]] == ["15", "16"]


def test_a_bad_filter_is_a_clear_error(seed):
    with pytest.raises(CommandError, match="verdict: Select a valid choice"):
        export("--verdict", "maybe")


def test_it_writes_a_file_with_output(seed, tmp_path):
    path = tmp_path / "claims.csv"

    call_command("export_claims", "--all", "--output", str(path), "--bom", stdout=StringIO())

    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfclaim_id,")
    assert len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) == 31


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain = fine", "plain = fine"),
        ("", ""),
    ],
)
def test_it_neutralises_formula_cells(cell, expected):
    assert neutralise(cell) == expected


def test_a_hostile_claim_is_neutralised_in_the_csv(db):
    document_import(name="hostile.txt", data=b'=HYPERLINK("http://x","y") <script>x</script>\n')

    rows = list(csv.reader(io.StringIO(export("--all"))))

    assert rows[1][3] == '\'=HYPERLINK("http://x","y") <script>x</script>'


def test_it_streams_many_rows_in_a_bounded_number_of_queries(db, django_assert_max_num_queries):
    lines = "\n".join(f"Sentence {n} is here.[{n % 50 + 1}]" for n in range(5000))
    document_import(name="many.txt", data=lines.encode())

    # Python: 3 queries a batch of 2,000, 3 batches; PostgreSQL: one COPY.
    with django_assert_max_num_queries(3 * 3 + 1):
        text = "".join(claims_csv(Claim.objects.all()))

    assert text.count("\n") == 5001


def test_it_fills_the_review_columns_from_the_latest_decision(seed, bob):
    from claims.services import AssessmentInput, claim_decide

    claim = Claim.objects.get(document=seed, line=6)
    first, second = claim.citations.order_by("order")
    claim_decide(
        claim=claim,
        actor=bob,
        verdict="disputed",
        version=1,
        rationale="The sources disagree.",
        assessments={first.pk: AssessmentInput("supports"), second.pk: AssessmentInput("refutes")},
    )

    rows = list(csv.DictReader(io.StringIO(export())))

    assert len(rows) == 1
    row = rows[0]
    assert (row["verdict"], row["rationale"], row["reviewer"]) == (
        "disputed",
        "The sources disagree.",
        "bob",
    )
    assert row["decided_at"] == claim.decisions.get().at.isoformat()
    assert row["suggested_verdict"] == "disputed"
    assert row["assessments"] == "31:supports;32:refutes"
    assert row["decision_count"] == "1"
