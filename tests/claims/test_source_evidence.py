"""The source beside the claim: snapshots in, passages and quote checks on the claim page."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from fpdf import FPDF

from claims.models import Claim, Passage, QuoteCheck, Verdict
from claims.services import AssessmentInput, claim_decide
from claims.services.evidence import source_fetch, source_snapshot_upload
from sources.models import SourceSnapshot
from sources.snapshots import Upload
from workbench.audit import audit_verify

ARTICLE = """<html><head><title>Mobilisation in the republics</title>
<meta name="author" content="Anna Reporter"></head><body><article>
<h1>Mobilisation in the republics</h1>
<p>The weather in Donetsk was mild that spring, and markets stayed open through March.</p>
<p>On 19 February 2022 the leaders of the Donetsk and Luhansk People's Republics announced a
general mobilization of men aged 18 to 55, days before the invasion began.</p>
<p>Football fans in the region followed the league as usual, whatever happened elsewhere.</p>
<p>Observers noted that neither republic was recognised by any state at the time.</p>
</article></body></html>"""
QUOTE = "announced a general mobilization of men aged 18 to 55"


def _claim(seed, line: int) -> Claim:
    return seed.claims.get(line=line)


def _source(seed, label: str):
    return seed.sources.get(label=label)


def _pdf(pages: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


@pytest.fixture
def uploaded(seed, alice):
    """Source [19] (cited by claim 2, "On 19 February 2022, general mobilization began…")."""
    return source_snapshot_upload(
        source=_source(seed, "19"), upload=Upload("article.html", ARTICLE.encode()), actor=alice
    )


def test_an_upload_ranks_the_matching_sentence_first_for_the_claim_citing_it(seed, uploaded):
    passages = list(Passage.objects.filter(claim=_claim(seed, 2)).order_by("rank"))
    assert passages and "On 19 February 2022" in passages[0].text
    matched = " ".join(text for text, hit in passages[0].segments if hit)
    for word in ("19", "February", "2022", "Donetsk", "Luhansk", "mobilization"):
        assert word in matched, (word, matched)
    source = _source(seed, "19")
    assert source.snapshot_id == uploaded.pk
    assert uploaded.metadata["title"] == "Mobilisation in the republics"
    assert audit_verify().ok


def test_the_claim_page_shows_the_passages_with_the_matched_words_marked(
    client, bob, seed, uploaded
):
    client.force_login(bob)
    html = client.get(f"/claims/{_claim(seed, 2).pk}/").content.decode()
    assert "Best passages in the source" in html
    assert "<mark>Donetsk</mark>" in html
    assert 'name="use_passage"' in html


def test_use_as_quote_without_javascript_fills_the_quote_and_records_nothing(
    client, bob, seed, uploaded
):
    claim = _claim(seed, 2)
    citation = claim.citations.get(source__label="19")
    passage = Passage.objects.filter(claim=claim).order_by("rank").first()
    client.force_login(bob)
    response = client.post(
        f"/claims/{claim.pk}/decide/",
        {"version": 1, "use_passage": f"{citation.pk}:{passage.pk}", f"stance_{citation.pk}": ""},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form[f"quote_{citation.pk}"].value() == passage.text
    assert not claim.decisions.exists()


def test_a_quote_is_checked_against_the_snapshot_it_was_made_against(client, bob, seed, uploaded):
    claim = _claim(seed, 2)
    citation = claim.citations.get(source__label="19")
    claim_decide(
        claim=claim,
        actor=bob,
        verdict=Verdict.CORROBORATED,
        version=1,
        assessments={citation.pk: AssessmentInput(stance="supports", quote=QUOTE.upper())},
    )
    check = QuoteCheck.objects.get()
    assert check.status == "found" and check.snapshot_id == uploaded.pk
    client.force_login(bob)
    assert "found in the source" in client.get(f"/claims/{claim.pk}/").content.decode()


def test_a_new_snapshot_that_lost_the_quote_flags_the_claim_source_changed(
    seed, alice, bob, uploaded
):
    claim = _claim(seed, 2)
    citation = claim.citations.get(source__label="19")
    claim_decide(
        claim=claim,
        actor=bob,
        verdict=Verdict.CORROBORATED,
        version=1,
        assessments={citation.pk: AssessmentInput(stance="supports", quote=QUOTE)},
    )
    edited = ARTICLE.replace("aged 18 to 55", "of all ages")
    source_snapshot_upload(
        source=_source(seed, "19"), upload=Upload("article-v2.html", edited.encode()), actor=alice
    )
    claim.refresh_from_db()
    assert claim.source_changed
    assert list(QuoteCheck.objects.order_by("id").values_list("status", flat=True)) == [
        "found",
        "not_found",
    ]
    from claims.selectors import claim_list

    assert list(claim_list(filters={"source_changed": "true"})) == [claim]


def test_a_pdf_snapshot_keeps_its_pages(seed, alice, tmp_path):
    data = _pdf(
        ["Nothing here about it.", "On 19 February 2022 general mobilization began in Donetsk."]
    )
    source = _source(seed, "19")
    out = StringIO()
    path = str(_write(tmp_path, data))
    call_command("source_snapshot", seed.name, "19", path, "--actor", "alice", stdout=out)
    assert "2 pages" in out.getvalue()
    passage = Passage.objects.filter(claim=_claim(seed, 2), rank=1).get()
    assert passage.page == "2"
    assert SourceSnapshot.objects.get(source=source).content_type == "application/pdf"


def _write(folder, data: bytes):
    path = folder / "copy.pdf"
    path.write_bytes(data)
    return path


def test_claim_passages_prints_the_ranking_as_json_lines(seed, uploaded):
    out = StringIO()
    call_command("claim_passages", str(_claim(seed, 2).pk), "--json", stdout=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["rank"] for r in records] == list(range(1, len(records) + 1))
    assert records[0]["label"] == "19" and "19 February 2022" in records[0]["passage"]
    assert set(records[0]) == {"rank", "label", "passage", "score", "page"}


def test_uploads_are_for_editors_and_bad_files_change_nothing(client, bob, alice, seed):
    source = _source(seed, "19")
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(bob)
    upload = SimpleUploadedFile("a.html", ARTICLE.encode(), content_type="text/html")
    assert client.post(f"/sources/{source.pk}/upload/", {"file": upload}).status_code == 403
    client.force_login(alice)
    png = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, content_type="image/png")
    response = client.post(f"/sources/{source.pk}/upload/", {"file": png})
    assert response.status_code == 400
    assert "only HTML, PDF and plain text" in response.content.decode()
    assert not SourceSnapshot.objects.exists()
    upload = SimpleUploadedFile("a.html", ARTICLE.encode(), content_type="text/html")
    assert client.post(f"/sources/{source.pk}/upload/", {"file": upload}).status_code == 302
    assert SourceSnapshot.objects.count() == 1


def test_the_source_page_offers_to_fill_empty_fields_from_the_snapshot(
    client, alice, seed, uploaded
):
    source = _source(seed, "19")
    client.force_login(alice)
    html = client.get(f"/sources/{source.pk}/").content.decode()
    assert "Fill the empty fields from it" in html
    response = client.post(f"/sources/{source.pk}/fill/", {"version": source.version})
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.title, source.author) == ("Mobilisation in the republics", "Anna Reporter")


# --- fetching, from a local server ----------------------------------------------------------


@pytest.fixture
def served(httpserver, settings):
    settings.WORKBENCH_FETCH_ALLOW = [f"127.0.0.1:{httpserver.port}"]
    httpserver.expect_request("/article").respond_with_data(
        ARTICLE, content_type="text/html; charset=utf-8"
    )
    httpserver.expect_request("/gone").respond_with_data("gone", status=404)
    return httpserver


def _set_url(source, url: str) -> None:
    type(source).objects.filter(pk=source.pk).update(url=url)
    source.refresh_from_db()


def test_fetch_the_source_from_its_page_makes_a_snapshot(client, alice, seed, served):
    source = _source(seed, "19")
    _set_url(source, served.url_for("/article"))
    client.force_login(alice)
    response = client.post(f"/sources/{source.pk}/fetch/", follow=True)
    assert "Fetching the source in the background" in response.content.decode()
    source.refresh_from_db()
    assert source.link_status == "ok" and source.snapshot.origin == "url"
    assert Passage.objects.filter(claim=_claim(seed, 2)).exists()


@pytest.mark.django_db(transaction=True)  # the worker closes its connection when done
def test_the_worker_runs_a_queued_fetch_and_the_page_shows_its_progress(
    client, alice, seed, served, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    source = _source(seed, "19")
    _set_url(source, served.url_for("/article"))
    client.force_login(alice)
    html = client.post(f"/sources/{source.pk}/fetch/", follow=True).content.decode()
    assert "Background fetch: <strong>Ready</strong>" in html
    assert not SourceSnapshot.objects.exists()

    call_command("db_worker", "--batch", "--no-startup-delay", stdout=StringIO(), stderr=StringIO())

    html = client.get(f"/sources/{source.pk}/").content.decode()
    assert "Background fetch: <strong>Successful</strong>" in html
    assert SourceSnapshot.objects.get().outcome == "ok"


def test_a_dead_link_is_recorded_and_suggests_source_unavailable(client, bob, seed, served):
    source = _source(seed, "19")
    _set_url(source, served.url_for("/gone"))
    snapshot = source_fetch(source=source)
    assert (snapshot.outcome, snapshot.http_status, snapshot.text) == ("dead", 404, "")
    source.refresh_from_db()
    assert source.link_status == "dead" and source.snapshot is None
    client.force_login(bob)
    html = client.get(f"/claims/{_claim(seed, 2).pk}/").content.decode()
    assert "link was dead" in html and "Source unavailable" in html


def test_fetch_sources_fetches_one_document_and_refuses_an_unknown_one(seed, served):
    _set_url(_source(seed, "19"), served.url_for("/article"))
    out = StringIO()
    call_command("fetch_sources", "--document", seed.name, "--now", stdout=out)
    assert "1 source(s) fetched" in out.getvalue()
    with pytest.raises(CommandError, match="no source with a URL"):
        call_command("fetch_sources", "--document", "nothing.txt", stdout=StringIO())
