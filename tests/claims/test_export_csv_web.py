"""The CSV export's two doors, /claims/export.csv and `manage.py export_claims`, agree."""

import csv
import datetime
import io
import math
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.urls import reverse

from claims.exports import HEADER
from claims.models import Claim, Stance, Verdict
from claims.services import AssessmentInput, claim_decide, document_import
from tests.conftest import SEED
from tests.factories import ClaimFactory

URL = reverse("claims:export-csv")
HOSTILE = (
    '=cmd|\' /C calc\'!A0 He said "no", twice, "really".\n'
    "Second line: Мобилизация, «частичная», 2022."
)


def web_export(client, query: str = "") -> bytes:
    response = client.get(f"{URL}?{query}" if query else URL)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def command_export(tmp_path: Path, *args: str) -> bytes:
    path = tmp_path / "claims.csv"
    call_command("export_claims", *args, "--output", str(path), stdout=StringIO())
    return path.read_bytes()


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def decide(claim: Claim, actor, verdict: str, stance: str | None = None, **extra) -> None:
    claim.refresh_from_db()
    claim_decide(
        claim=claim,
        actor=actor,
        verdict=verdict,
        version=claim.version,
        assessments={c.pk: AssessmentInput(stance) for c in claim.citations.attached()}
        if stance
        else None,
        **extra,
    )


@pytest.fixture
def decided(seed, bob, alice):
    """The seed with line 2 corroborated (bob), 5 refuted (alice), 15 disputed; and a 2nd doc."""
    line = {c.line: c for c in Claim.objects.filter(document=seed)}
    decide(line[2], bob, Verdict.CORROBORATED, Stance.SUPPORTS)
    decide(line[5], alice, Verdict.REFUTED, rationale="The source says otherwise.")
    decide(line[15], bob, Verdict.DISPUTED, rationale="Sources disagree, «в целом».")
    other = document_import(name="other.txt", data=b"Another claim.[1]\nUnsourced here.\n")
    decide(
        Claim.objects.get(document=other.document, line=1),
        bob,
        Verdict.CORROBORATED,
        Stance.SUPPORTS,
    )
    return seed


SEED_NAME = SEED.name
# (query string, command options, expected rows): the same filters through both doors.
CASES = [
    ("", [], 4),
    ("all=1", ["--all"], 32),  # 30 seed claims + 2 of other.txt
    ("verdict=refuted", ["--verdict", "refuted"], 1),
    ("verdict=corroborated", ["--verdict", "corroborated"], 2),
    (f"document={SEED_NAME}", ["--document", SEED_NAME], 3),
    (f"all=1&document={SEED_NAME}", ["--all", "--document", SEED_NAME], 30),
    ("all=1&document=other.txt", ["--all", "--document", "other.txt"], 2),
    ("all=1&source=110", ["--all", "--source", "110"], 2),
    ("source=110", ["--source", "110"], 1),
    ("all=1&unsourced=true", ["--all", "--unsourced", "true"], 10),
    ("all=1&unsourced=false", ["--all", "--unsourced", "false"], 22),
    ("reviewer=alice", ["--reviewer", "alice"], 1),
    ("all=1&q=Degtyarev", ["--all", "--q", "Degtyarev"], 2),
    ("bom=1", ["--bom"], 4),
    ("all=1&bom=1&unsourced=true", ["--all", "--bom", "--unsourced", "true"], 10),
]


@pytest.mark.parametrize(("query", "options", "count"), CASES)
def test_the_page_and_the_command_give_the_same_bytes(
    client, charlie, decided, tmp_path, query, options, count
):
    client.force_login(charlie)

    web = web_export(client, query)

    assert web == command_export(tmp_path, *options)
    assert web.startswith(b"\xef\xbb\xbfclaim_id," if "bom=1" in query else b"claim_id,")
    assert len(rows_of(web)) == count


def test_the_decided_between_dates_filter_gives_the_same_bytes(client, bob, decided, tmp_path):
    client.force_login(bob)
    today = datetime.date.today().isoformat()
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()

    web = web_export(client, f"decided_after={today}")
    assert web == command_export(tmp_path, "--decided-after", today)
    assert len(rows_of(web)) == 4
    web = web_export(client, f"decided_before={yesterday}")
    assert web == command_export(tmp_path, "--decided-before", yesterday)
    assert rows_of(web) == []


def test_filters_narrow_the_export(client, bob, decided):
    client.force_login(bob)

    def lines(query: str) -> list[tuple[str, str]]:
        return [(row["document"], row["line"]) for row in rows_of(web_export(client, query))]

    assert lines("") == [(SEED_NAME, "2"), (SEED_NAME, "5"), (SEED_NAME, "15"), ("other.txt", "1")]
    assert lines("verdict=disputed") == [(SEED_NAME, "15")]
    assert lines("document=other.txt") == [("other.txt", "1")]
    assert lines("all=1&document=other.txt&unsourced=true") == [("other.txt", "2")]
    assert lines("all=1&source=[174]") == [(SEED_NAME, "27")]
    assert lines("all=1&source=110&verdict=disputed") == [(SEED_NAME, "15")]
    assert len(lines("all=1")) > len(lines("")) > len(lines("verdict=corroborated")) == 2


@pytest.fixture
def hostile(db, bob) -> Claim:
    """A decided claim whose text has quotes, commas, a newline, Cyrillic and a formula."""
    claim = ClaimFactory(text=HOSTILE)
    decide(claim, bob, Verdict.REFUTED, rationale='=SUM(A1) "quoted", and\r\nа новая строка')
    claim.refresh_from_db()
    return claim


def test_a_hostile_claim_reads_back_intact_from_the_page(client, bob, hostile):
    client.force_login(bob)

    rows = rows_of(web_export(client))

    assert len(rows) == 1
    row = rows[0]
    assert list(row) == HEADER
    assert row["claim"] == "'" + HOSTILE  # the only change: the neutralising prefix
    assert row["claim"].removeprefix("'") == Claim.objects.get().text
    assert row["rationale"] == "'" + '=SUM(A1) "quoted", and\r\nа новая строка'
    assert row["verdict"] == "refuted"
    assert row["reviewer"] == "bob"


def test_a_hostile_claim_reads_back_intact_from_the_command(hostile, tmp_path):
    path = tmp_path / "claims.csv"
    call_command("export_claims", "--output", str(path), "--bom", stdout=StringIO())

    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert len(rows) == 1
    assert rows[0]["claim"].removeprefix("'") == HOSTILE
    assert rows[0]["claim_id"] == str(hostile.pk)


def test_it_streams_a_dated_attachment(client, charlie, decided):
    client.force_login(charlie)

    response = client.get(f"{URL}?verdict=refuted")

    assert isinstance(response, StreamingHttpResponse)
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = datetime.date.today()
    assert response["Content-Disposition"] == (
        f'attachment; filename="claims-{today:%Y-%m-%d}.csv"'
    )
    assert len(rows_of(b"".join(response.streaming_content))) == 1


def test_a_viewer_may_export_and_anonymous_users_are_sent_to_sign_in(client, charlie, decided):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

    client.force_login(charlie)
    assert len(rows_of(web_export(client))) == 4


@pytest.mark.parametrize("count", [300, 3000])
def test_many_rows_take_a_bounded_number_of_queries(
    client, bob, db, count, django_assert_max_num_queries
):
    lines = "\n".join(f"Sentence {n}, with “quotes” here.[{n % 50 + 1}]" for n in range(count))
    document_import(name="many.txt", data=lines.encode())
    client.force_login(bob)

    # Session, user and permissions, and the LIMITed count that decides to stream; then
    # claims, citations and decision counts per batch of 2,000, and one query for the empty
    # batch that ends the stream. Not one query per row.
    batches = math.ceil(count / 2000)
    with django_assert_max_num_queries(5 + 3 * batches + 1):
        response = client.get(f"{URL}?all=1")
        data = b"".join(response.streaming_content)

    rows = rows_of(data)
    assert len(rows) == count
    assert rows[-1]["claim"] == f"Sentence {count - 1}, with “quotes” here."
