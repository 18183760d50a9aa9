"""Articles in through the browser and the command: a dry run first, then the import."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from claims.models import Claim
from sources.models import Document, Source
from workbench.models import AuditEvent

ARTICLES = Path(__file__).resolve().parent.parent / "data" / "articles"
WIKI = ARTICLES / "Toronto_Star.wiki"
HTML = ARTICLES / "mozilla-desktop-2016.html"
URL = "/sources/import/"


def _upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def test_an_editor_sees_the_dry_run_then_imports_on_confirmation(client, alice):
    client.force_login(alice)

    response = client.post(URL, {"file": _upload(WIKI)})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing has changed yet" in html and "claims added" in html
    report = response.context["report"]
    assert report.added == 167 and report.sources_added > 0
    assert not Document.objects.exists() and not AuditEvent.objects.exists()

    confirm = response.context["confirm"].initial
    response = client.post(URL, {"confirm": "1", **confirm})

    assert response.status_code == 302
    document = Document.objects.get(name="Toronto_Star.wiki")
    assert document.format == "wikitext"
    assert Claim.objects.filter(document=document).count() == 167
    assert Source.objects.filter(document=document).exclude(title="").exists()
    event = AuditEvent.objects.get(action="document.import")
    assert event.actor == alice


def test_the_confirmation_imports_exactly_once(client, alice):
    client.force_login(alice)
    confirm = client.post(URL, {"file": _upload(HTML)}).context["confirm"].initial
    assert client.post(URL, {"confirm": "1", **confirm}).status_code == 302
    again = client.post(URL, {"confirm": "1", **confirm})
    assert again.status_code == 400
    assert "no longer waiting" in again.content.decode()
    assert AuditEvent.objects.filter(action="document.import").count() == 1


def test_pasted_text_needs_a_name_and_bad_text_changes_nothing(client, alice):
    client.force_login(alice)
    response = client.post(URL, {"text": "A sentence.[1]"})
    assert response.status_code == 400 and "name" in response.context["form"].errors
    wikitext = "Ref'd.<ref>{{cite web |title=T |url=https://x.org}}</ref>\n" * 3
    response = client.post(URL, {"text": wikitext, "name": "pasted.txt"})
    assert response.status_code == 400
    assert "import it with --format wikitext" in response.content.decode()
    assert not Document.objects.exists()


def test_a_reviewer_may_not_import(client, bob):
    client.force_login(bob)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"file": _upload(WIKI)}).status_code == 403
    assert not Document.objects.exists()


def test_a_file_over_the_limit_is_refused_with_the_limit(client, alice, settings):
    from sources import forms

    client.force_login(alice)
    big = SimpleUploadedFile("big.txt", b"A sentence.[1]\n" * (forms.IMPORT_MAX_BYTES // 15 + 1))
    response = client.post(URL, {"file": big})
    assert response.status_code == 400
    assert "the web import takes up to 10 MB" in response.content.decode()


def test_a_new_revision_keeps_adds_and_withdraws(client, alice, seed, seed_bytes):
    client.force_login(alice)
    lines = seed_bytes.decode().splitlines()
    revised = "\n".join(lines[:-1] + ["A brand new sentence at the end.[999]"]) + "\n"
    response = client.post(URL, {"text": revised, "name": seed.name})
    report = response.context["report"]
    assert (report.added, report.withdrawn) == (1, 1)
    assert report.unchanged == 29
    client.post(URL, {"confirm": "1", **response.context["confirm"].initial})
    assert Claim.objects.live().filter(document=seed).count() == 30
    assert Claim.objects.filter(document=seed, withdrawn_at__isnull=False).count() == 1


def test_import_seeds_takes_a_format_and_refuses_the_wrong_one(db, tmp_path):
    disguised = tmp_path / "article.txt"
    disguised.write_bytes(WIKI.read_bytes())
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_seeds", str(disguised), stdout=StringIO(), stderr=err)
    assert "this looks like wikitext, not seed: import it with --format wikitext" in err.getvalue()
    out = StringIO()
    call_command("import_seeds", str(disguised), "--format", "wikitext", stdout=out)
    assert "167 claims added" in out.getvalue()


def test_import_seeds_reads_a_folder_of_every_format_and_a_dry_run_writes_nothing(db, tmp_path):
    for path in (WIKI, HTML):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    out = StringIO()
    call_command("import_seeds", str(tmp_path), "--dry-run", stdout=out)
    assert out.getvalue().count("dry run, nothing written") == 2
    assert not Document.objects.exists()
    call_command("import_seeds", str(tmp_path), stdout=StringIO())
    assert set(Document.objects.values_list("format", flat=True)) == {"wikitext", "html"}
