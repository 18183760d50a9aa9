"""manage.py import_sources: source details from a CSV reference list, all rows or none."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sources.imports import REQUIRED
from sources.models import Document, Reliability, Source
from workbench.models import AuditEvent

SEEDS = Path(__file__).resolve().parent.parent.parent / "seeds"
SHIPPED = SEEDS / "000_cd3426a0e815e9f2.sources.csv"
HEADER = ",".join(REQUIRED)


def run(seed, path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_sources", seed.name, str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, text: str, name: str = "sources.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(seed) -> list[tuple]:
    return list(
        Source.objects.filter(document=seed)
        .order_by("id")
        .values_list("label", *Source.EDITABLE_FIELDS, "updated_at")
    )


GOOD = (
    f"{HEADER}\n"
    "19,Mobilization begins,https://example.org/19,Example News,A. Writer,2022-02-19,"
    "2024-01-05,https://web.archive.org/web/2024/https://example.org/19,generally reliable\n"
    '[110],"Deputies, and the front",http://example.org/110,,,,,,No consensus\n'
    "31,,,,,,,,\n"
)


def test_it_sets_the_details_and_audits_each_change(seed, alice, tmp_path):
    out, _ = run(seed, write(tmp_path, GOOD), "--actor", "alice")

    source = Source.objects.get(document=seed, label="19")
    assert source.title == "Mobilization begins"
    assert source.url == "https://example.org/19"
    assert source.publisher == "Example News"
    assert source.author == "A. Writer"
    assert source.published_on == datetime.date(2022, 2, 19)
    assert source.accessed_on == datetime.date(2024, 1, 5)
    assert source.archive_url == "https://web.archive.org/web/2024/https://example.org/19"
    assert source.reliability == Reliability.GENERALLY_RELIABLE
    other = Source.objects.get(document=seed, label="110")
    assert other.title == "Deputies, and the front"
    assert other.reliability == Reliability.NO_CONSENSUS
    assert "3 rows, 2 sources changed, 1 unchanged" in out
    events = list(AuditEvent.objects.filter(action="source.update").order_by("id"))
    assert [(e.object_id, e.actor.username, e.reason) for e in events] == [
        (str(source.pk), "alice", "import_sources sources.csv"),
        (str(other.pk), "alice", "import_sources sources.csv"),
    ]
    assert events[0].after["published_on"] == "2022-02-19"
    assert events[0].before["title"] == ""


def test_empty_cells_leave_fields_as_they_are(seed, alice, tmp_path):
    run(seed, write(tmp_path, GOOD), "--actor", "alice")
    partial = f"{HEADER}\n19,,,Other Publisher,,,,,\n"

    run(seed, write(tmp_path, partial, "partial.csv"), "--actor", "alice", "--reason", "fix")

    source = Source.objects.get(document=seed, label="19")
    assert source.publisher == "Other Publisher"
    assert source.title == "Mobilization begins"
    assert source.reliability == Reliability.GENERALLY_RELIABLE
    assert AuditEvent.objects.filter(action="source.update").latest("id").reason == "fix"


def test_reimporting_the_same_file_changes_nothing(seed, alice, tmp_path):
    path = write(tmp_path, GOOD)
    run(seed, path, "--actor", "alice")
    before, events = snapshot(seed), AuditEvent.objects.count()

    out, _ = run(seed, path, "--actor", "alice")

    assert snapshot(seed) == before
    assert AuditEvent.objects.count() == events
    assert "3 rows, 0 sources changed, 3 unchanged" in out


def test_the_shipped_file_lists_every_seed_source_and_changes_nothing(seed, alice):
    before, events = snapshot(seed), AuditEvent.objects.count()

    out, _ = run(seed, SHIPPED, "--actor", "alice")

    labels = [line.split(",")[0] for line in SHIPPED.read_text().splitlines()[1:]]
    assert sorted(labels) == sorted(
        Source.objects.filter(document=seed).values_list("label", flat=True)
    )
    assert len(labels) == 31
    assert "31 rows, 0 sources changed" in out
    assert snapshot(seed) == before
    assert AuditEvent.objects.count() == events


def test_import_seeds_ignores_the_csv_in_the_seeds_folder(db):
    call_command("import_seeds", str(SEEDS), stdout=StringIO(), stderr=StringIO())

    assert SHIPPED.exists()
    assert list(Document.objects.values_list("name", flat=True)) == ["000_cd3426a0e815e9f2.txt"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("999,,,,,,,,", "label: no source [999] in 000_cd3426a0e815e9f2.txt"),
        (",A title,,,,,,,", "label: empty"),
        ("19,,,,,2022-13-01,,,", "published_on: '2022-13-01' is not a date (YYYY-MM-DD)"),
        ("19,,,,,,19/02/2022,,", "accessed_on: '19/02/2022' is not a date (YYYY-MM-DD)"),
        ("19,,ftp://example.org/x,,,,,,", "url: 'ftp://example.org/x' is not an http(s) URL"),
        (
            "19,,,,,,,javascript:alert(1),",
            "archive_url: 'javascript:alert(1)' is not an http(s) URL",
        ),
        ("19,,,,,,,,excellent", "unknown reliability 'excellent'"),
        ("19,,,,,,,", "8 cells, expected 9"),
        ("19,,,,,,,,,", "10 cells, expected 9"),
        ("19," + "x" * 501 + ",,,,,,,", "title: longer than 500 characters"),
    ],
)
def test_each_bad_row_is_rejected_with_its_line_and_nothing_changes(
    seed, alice, tmp_path, row, message
):
    text = f"{HEADER}\n31,Fine title,,,,,,,\n\n{row}\n"  # the bad row is on line 4
    path = write(tmp_path, text)
    before, events = snapshot(seed), AuditEvent.objects.count()
    err = StringIO()

    with pytest.raises(CommandError, match="nothing imported"):
        call_command(
            "import_sources",
            seed.name,
            str(path),
            "--actor",
            "alice",
            stdout=StringIO(),
            stderr=err,
        )

    assert err.getvalue().startswith(f"{path}:4: ")
    assert message in err.getvalue()
    assert snapshot(seed) == before
    assert AuditEvent.objects.count() == events


def test_every_bad_row_is_reported_on_stderr_with_its_line(seed, alice, tmp_path):
    text = (
        f"{HEADER}\n"
        "31,Fine,,,,,,,\n"
        '19,"A title\nover two lines",,,,,,,\n'  # lines 3-4: a quoted newline is fine
        "999,,,,,,,,\n"  # line 5
        "\n"
        "32,,not a url,,,yesterday,,,\n"  # line 7: two problems
        "31,Again,,,,,,,\n"  # line 8: repeated label
    )
    path = write(tmp_path, text)
    err = StringIO()

    with pytest.raises(CommandError, match="4 error"):
        call_command(
            "import_sources",
            seed.name,
            str(path),
            "--actor",
            "alice",
            stdout=StringIO(),
            stderr=err,
        )

    assert err.getvalue().splitlines() == [
        f"{path}:5: label: no source [999] in 000_cd3426a0e815e9f2.txt",
        f"{path}:7: url: 'not a url' is not an http(s) URL",
        f"{path}:7: published_on: 'yesterday' is not a date (YYYY-MM-DD)",
        f"{path}:8: label: [31] already given on line 2",
    ]
    assert Source.objects.get(document=seed, label="31").title == ""


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "label,title,url,publisher,author,published_on,accessed_on,archive_url",
            "missing column(s): reliability",
        ),
        (HEADER + ",notes", "unknown column(s): 'notes'"),
        (HEADER + ",title", "repeated column(s): title"),
    ],
)
def test_a_bad_header_is_rejected(seed, alice, tmp_path, header, message):
    err = StringIO()

    with pytest.raises(CommandError, match="nothing imported"):
        call_command(
            "import_sources",
            seed.name,
            str(write(tmp_path, f"{header}\n19,,,,,,,,\n")),
            "--actor",
            "alice",
            stdout=StringIO(),
            stderr=err,
        )

    assert ":1: bad header: " in err.getvalue()
    assert message in err.getvalue()


def test_a_file_that_is_not_utf8_is_rejected_with_its_line(seed, alice, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\n19,".encode() + "Café".encode("latin-1") + b",,,,,,,\n")
    err = StringIO()

    with pytest.raises(CommandError, match="nothing imported"):
        call_command(
            "import_sources",
            seed.name,
            str(path),
            "--actor",
            "alice",
            stdout=StringIO(),
            stderr=err,
        )

    assert f"{path}:2: not UTF-8" in err.getvalue()
    assert Source.objects.get(document=seed, label="19").title == ""


def test_a_bom_and_crlf_are_accepted(seed, alice, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + f"{HEADER}\r\n19,Привет,,,,,,,\r\n").encode())

    run(seed, path, "--actor", "alice")

    assert Source.objects.get(document=seed, label="19").title == "Привет"


def test_a_reviewer_may_not_import(seed, bob, tmp_path):
    with pytest.raises(CommandError, match="bob may not edit sources"):
        run(seed, write(tmp_path, GOOD), "--actor", "bob")

    assert Source.objects.get(document=seed, label="19").title == ""


def test_the_actor_is_required_and_must_exist(seed, tmp_path):
    with pytest.raises(CommandError, match="--actor"):
        run(seed, write(tmp_path, GOOD))
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        run(seed, write(tmp_path, GOOD), "--actor", "nobody")


def test_an_unknown_document_is_a_clear_error(db, alice, tmp_path):
    with pytest.raises(CommandError, match="no document named 'missing.txt'"):
        call_command(
            "import_sources", "missing.txt", str(write(tmp_path, GOOD)), "--actor", "alice"
        )


def test_a_nul_byte_in_a_cell_is_a_line_error_and_nothing_changes(seed, alice, tmp_path):
    path = write(tmp_path, f"{HEADER}\n19,Title\x00 here,,,,,,,\n110\x00,,,,,,,,\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command(
            "import_sources",
            seed.name,
            str(path),
            "--actor",
            "alice",
            stdout=StringIO(),
            stderr=err,
        )
    assert "sources.csv:2: title: contains a NUL character" in err.getvalue()
    assert "sources.csv:3: label: contains a NUL character" in err.getvalue()
    assert not Source.objects.filter(document=seed).exclude(title="").exists()
