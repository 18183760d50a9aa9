"""manage.py import_seeds and the document_import service behind it."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims.models import Citation, Claim
from claims.services import document_import
from sources.models import Document, Source
from tests.conftest import SEED
from workbench.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


def snapshot() -> tuple:
    """Every row the importer can touch, to prove a failure changed nothing."""
    return (
        list(Document.objects.values_list("id", "name", "sha256", "imported_at")),
        list(Claim.objects.values_list("id", "line", "text", "withdrawn_at", "version")),
        list(Citation.objects.values_list("id", "claim_id", "source_id", "position", "order")),
        list(Source.objects.values_list("id", "label")),
        list(AuditEvent.objects.values_list("id", "hash")),
    )


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_seeds", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def labels(claim: Claim) -> list[str]:
    return [c.source.label for c in claim.citations.order_by("order")]


def test_the_seed_imports_as_thirty_claims_and_thirty_one_sources(seed):
    claims = {c.line: c for c in Claim.objects.filter(document=seed)}

    assert len(claims) == 30
    unsourced = sorted(
        Claim.objects.filter(document=seed).unsourced().values_list("line", flat=True)
    )
    assert unsourced == [1, 3, 4, 10, 13, 14, 18, 21, 24]
    assert labels(claims[6]) == ["31", "32"]
    assert labels(claims[27]) == [str(n) for n in range(174, 182)]
    source_110 = Source.objects.get(document=seed, label="110")
    cited_by = sorted(source_110.citations.values_list("claim__line", flat=True))
    assert cited_by == [15, 16]
    assert Source.objects.filter(document=seed).count() == 31


def test_leading_markers_are_flagged_for_an_attribution_check(seed):
    claims = {c.line: c for c in Claim.objects.filter(document=seed)}

    assert set(claims[6].citations.values_list("position", flat=True)) == {"leading"}
    assert claims[6] in Claim.objects.attribution_pending()
    assert claims[1] not in Claim.objects.attribution_pending()
    assert claims[11].text.startswith("Mikhail Degtyarev")  # the stray quote is dropped
    assert claims[11].raw.startswith('"[73] Mikhail Degtyarev')
    assert "[the mobilized men]" in claims[11].text
    assert "osuokhay [ru]," in claims[24].text


def test_the_command_prints_what_it_did(db):
    out, err = run(str(SEED))

    assert (
        "000_cd3426a0e815e9f2.txt: 30 claims added, 0 unchanged, 0 withdrawn; "
        "31 sources (31 new); 32 leading markers need an attribution check"
    ) in out
    assert "1 file(s) imported" in out


def test_reimporting_an_unchanged_file_changes_nothing(seed):
    before = snapshot()

    out, _ = run(str(SEED))

    assert "0 claims added, 30 unchanged, 0 withdrawn" in out
    assert snapshot() == before


def test_a_changed_file_keeps_unchanged_claims_adds_new_ones_and_withdraws_vanished(db, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("First.[1]\nSecond.[2]\nThird.[1]\n")
    run(str(path))
    old = {c.text: c for c in Claim.objects.all()}

    path.write_text("New opening line.[3]\nFirst.[1]\nThird.[1]\nFourth.\n")
    out, _ = run(str(path))

    assert "2 claims added, 1 unchanged, 1 withdrawn, 1 moved to another line" in out
    live = {c.text: c for c in Claim.objects.live()}
    assert set(live) == {"New opening line.", "First.", "Third.", "Fourth."}
    assert live["First."].id == old["First."].id and live["First."].line == 2
    assert live["Third."].id == old["Third."].id and live["Third."].line == 3
    second = Claim.objects.get(id=old["Second."].id)
    assert second.withdrawn_at is not None  # kept, never deleted
    assert Claim.objects.count() == 5
    assert Source.objects.filter(label="1").count() == 1


def test_a_line_that_comes_back_restores_its_claim(db, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("First.\nSecond.\n")
    run(str(path))
    second = Claim.objects.get(text="Second.")
    path.write_text("First.\n")
    run(str(path))

    path.write_text("Second.\nFirst.\n")
    out, _ = run(str(path))

    assert "1 restored" in out
    second.refresh_from_db()
    assert second.withdrawn_at is None and second.line == 1
    assert Claim.objects.count() == 2


BAD_FILES = [
    ("empty.txt", b"", "empty.txt: the file is empty"),
    ("binary.txt", b"GIF89a\x00\x00\x01", "binary.txt: line 1: binary data (NUL byte)"),
    ("latin1.txt", b"Good line.\nCaf\xe9 au lait.\n", "latin1.txt: line 2: not valid UTF-8"),
    ("markers.txt", b"[1][2]\n\n", "markers.txt: line 1: footnote markers with no sentence"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_a_bad_file_is_refused_with_a_clear_error_and_changes_nothing(
    seed, tmp_path, name, data, message
):
    path = tmp_path / name
    path.write_bytes(data)
    before = snapshot()
    err = StringIO()

    with pytest.raises(CommandError, match=f"failed: {path}"):
        call_command("import_seeds", str(path), stdout=StringIO(), stderr=err)

    assert f"error: {tmp_path}/{message}" in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert snapshot() == before


def test_a_missing_path_is_reported(db):
    err = StringIO()

    with pytest.raises(CommandError, match="0 of 1 imported; failed: /no/such/seed.txt"):
        call_command("import_seeds", "/no/such/seed.txt", stdout=StringIO(), stderr=err)

    assert "error: /no/such/seed.txt: no such file or folder" in err.getvalue()


def test_a_good_file_in_the_same_run_stays_imported(db, tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe")
    (tmp_path / "good.txt").write_text("A fine sentence.[1]\n")

    with pytest.raises(CommandError, match="1 of 2 imported; failed: .*bad.txt"):
        call_command("import_seeds", str(tmp_path), stdout=StringIO(), stderr=StringIO())

    assert list(Claim.objects.values_list("text", flat=True)) == ["A fine sentence."]


def test_a_hostile_line_survives_import_verbatim(db):
    hostile = '=HYPERLINK("http://x","y") <script>alert(1)</script>[1]'

    document_import(name="hostile.txt", data=hostile.encode())

    claim = Claim.objects.get()
    assert claim.text == '=HYPERLINK("http://x","y") <script>alert(1)</script>'
    assert claim.raw == hostile


def test_the_import_is_audited_once_per_change(seed, seed_bytes):
    events = list(AuditEvent.objects.filter(action="document.import"))

    document_import(name=SEED.name, data=seed_bytes)

    assert len(events) == 1
    assert events[0].after["added"] == 30
    assert AuditEvent.objects.filter(action="document.import").count() == 1


def test_it_imports_a_long_file_in_bulk(db, django_assert_max_num_queries):
    lines = "\n".join(f"[{n % 500 + 1}] Sentence number {n}.[{n % 7 + 600}]" for n in range(5000))

    # Bulk inserts: SQLite caps a statement at 999 parameters, so ~80 rows a statement there;
    # a query per line would be 10,000+.
    with django_assert_max_num_queries(300):
        report = document_import(name="long.txt", data=lines.encode())

    assert report.added == 5000
    assert Citation.objects.count() == 10000


def test_the_command_exits_non_zero_without_a_traceback(tmp_path):
    """Run manage.py for real, against a database of its own, as a user would."""
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)

    result = subprocess.run(
        [*manage, "import_seeds", str(bad)], env=env, cwd=ROOT, capture_output=True, text=True
    )

    assert result.returncode == 1
    assert f"error: {bad}: line 1: binary data (NUL byte), not a text file" in result.stderr
    assert "Traceback" not in result.stderr


# A file over one of the grammar's limits: each ended in a database DataError before the limits.
LIMIT_FILES = [
    (
        "label.txt",
        b"Sentence.[123456789012345678901]\n",
        "line 1: footnote label [12345678901234567890\u2026] has 21 digits (at most 20)",
    ),
    ("notes.txt", b"Sentence." + b"[a]" * 150 + b"\n", "line 1: 150 notes on one sentence"),
    (
        "markers.txt",
        b"Sentence." + b"[1]" * 40_000 + b"\n",
        "line 1: the line has 120,009 characters (at most 10,000)",
    ),
    ("runs.txt", b"Sentence.\n" + b"[7]" * 101 + b"\n", "line 2: 101 footnote markers"),
]


@pytest.mark.parametrize(("name", "data", "message"), LIMIT_FILES)
def test_a_file_over_a_limit_fails_alone_and_the_folder_goes_on(db, tmp_path, name, data, message):
    (tmp_path / "0_before.txt").write_text("An earlier file.[2]\n")
    (tmp_path / name).write_bytes(data)
    (tmp_path / "z_after.txt").write_text("A later file.[1]\n")
    err = StringIO()

    with pytest.raises(CommandError, match=rf"^2 of 3 imported; failed: {tmp_path / name}$"):
        call_command("import_seeds", str(tmp_path), stdout=StringIO(), stderr=err)

    errors = err.getvalue().splitlines()
    assert len(errors) == 1
    assert errors[0].startswith(f"error: {tmp_path / name}: {message}")
    assert "Traceback" not in err.getvalue()
    assert sorted(Claim.objects.values_list("text", flat=True)) == [
        "A later file.",
        "An earlier file.",
    ]
    assert not Document.objects.filter(name=name).exists()


def test_a_database_error_fails_that_file_alone(db, tmp_path, monkeypatch):
    from django.db import DataError

    from claims.services import imports

    real_import = imports._import_staged

    def refuse_one(staged, **kwargs):
        if staged.name == "refused.txt":
            raise DataError("value too long for type character varying(20)\nCONTEXT: …")
        return real_import(staged, **kwargs)

    monkeypatch.setattr(imports, "_import_staged", refuse_one)
    (tmp_path / "refused.txt").write_text("Refused.[1]\n")
    (tmp_path / "accepted.txt").write_text("Accepted.[1]\n")
    err = StringIO()

    with pytest.raises(CommandError, match=r"1 of 2 imported; failed: .*refused\.txt$"):
        call_command("import_seeds", str(tmp_path), stdout=StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        f"error: {tmp_path / 'refused.txt'}: the database refused it "
        "(DataError: value too long for type character varying(20))"
    ]
    assert list(Claim.objects.values_list("text", flat=True)) == ["Accepted."]


def test_a_folder_with_files_over_the_limits_exits_non_zero_without_a_traceback(tmp_path):
    """Run manage.py for real: each bad file is one error line, the good file is imported."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    for name, data, _ in LIMIT_FILES:
        (folder / name).write_bytes(data)
    (folder / "zz_good.txt").write_text("A good sentence.[1]\n")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)

    result = subprocess.run(
        [*manage, "import_seeds", str(folder)], env=env, cwd=ROOT, capture_output=True, text=True
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(LIMIT_FILES)
    for error, (name, _, message) in zip(errors, sorted(LIMIT_FILES), strict=True):
        assert error.startswith(f"error: {folder / name}: {message}")
    assert "zz_good.txt: 1 claims added" in result.stdout
    assert "CommandError: 1 of 5 imported; failed:" in result.stderr
