"""Re-importing a document: which claim a line keeps, versions and events, article details,
dry runs, and reviewers deciding while a large re-import runs (PostgreSQL, real threads).

The article below is the opening of Wikipedia's "2022 Russian mobilization" as mirrored at
http://theinfolist.com/html/ALL/s/2/2022_Russian_Mobilization.html (CC BY-SA 4.0); its two
sources are the pages stored at
https://plugin-frontend.meduza.io/en/news/2022/09/21/shoigu-300-thousand-reservists-to-be-drafted-into-army
(Meduza, 21 September 2022) and
https://www.livemint.com/politics/news/what-putin-s-call-to-arms-means-for-world-at-large/amp-11663866754377.html
(Mint, 22 September 2022). The sections, pages and access dates are the test's own.
"""

import datetime
import itertools
import random
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.corpus import corpus_documents
from claims.formats import PARSERS
from claims.formats.base import FormatError, ParsedSource
from claims.formats.seed import parse_seed
from claims.models import Citation, Claim, Decision
from claims.services import StaleVersion, claim_decide, document_import
from claims.services import imports as import_service
from claims.services.imports import documents_import
from sources.models import Document, Source
from sources.services import source_update
from tests.conftest import member
from workbench.audit import audit_verify
from workbench.models import AuditEvent
from workbench.roles import REVIEWERS

OPENING = (
    "On 21 September 2022, seven months into the Russian invasion of Ukraine, Russia declared "
    "a partial mobilization of military reservists.[1]\n"
    'Defense Minister Sergei Shoigu announced that Russia had a "huge mobilization reserve" '
    "and planned to mobilize 300,000 recruits.[2][1]\n"
)
MEDUZA = ParsedSource(
    label="1",
    title="Shoigu: 300,000 reservists to be drafted into army",
    url="https://plugin-frontend.meduza.io/en/news/2022/09/21/"
    "shoigu-300-thousand-reservists-to-be-drafted-into-army",
    publisher="Meduza",
    published_on=datetime.date(2022, 9, 21),
    accessed_on=datetime.date(2022, 10, 1),
    text='"Shoigu: 300,000 reservists to be drafted into army". Meduza. 21 September 2022.',
)
MINT = ParsedSource(
    label="2",
    title="What Putin's call to arms means for world at large",
    url="https://www.livemint.com/politics/news/what-putin-s-call-to-arms-means-for-world-at-"
    "large/amp-11663866754377.html",
    publisher="Mint",
    published_on=datetime.date(2022, 9, 22),
)
#: What the test parser says of each source: the test swaps in fuller descriptions.
DESCRIBED: dict[str, ParsedSource] = {}
PAGES = {"1": "2", "2": "4–5"}


def parse_article(data: bytes, name: str):
    """A format as the article parsers return it: seed lines plus sections, pages, sources."""
    parsed = parse_seed(data, name)
    for claim in parsed.claims:
        claim.section = ["Mobilization", "Announcement"]
        claim.pages = [PAGES.get(label, "") for label, _ in claim.citations]
    parsed.sources = dict(DESCRIBED)
    parsed.title = "2022 Russian mobilization"
    parsed.origin_url = "https://en.wikipedia.org/wiki/2022_Russian_mobilization"
    parsed.revised_on = datetime.date(2022, 10, 30)
    return parsed


@pytest.fixture
def article_format(db, monkeypatch):
    monkeypatch.setitem(PARSERS, "article", parse_article)
    DESCRIBED.clear()
    yield "article"
    DESCRIBED.clear()


def load(text: str, name: str = "doc.txt", **options):
    return document_import(name=name, data=text.encode(), **options)


def live(document: Document) -> dict[int, Claim]:
    return {c.line: c for c in Claim.objects.live().filter(document=document)}


def snapshot() -> tuple:
    """Every row an import writes."""
    return (
        list(Document.objects.order_by("id").values()),
        list(Claim.objects.order_by("id").values()),
        list(Citation.objects.order_by("id").values()),
        list(Source.objects.order_by("id").values()),
        list(AuditEvent.objects.order_by("id").values_list("id", "hash")),
    )


# --- which claim a line keeps -------------------------------------------------------------------


def test_duplicate_lines_keep_the_reviewed_claim_live_through_every_reimport(bob):
    """A → A,A → B → A → A,C → A,C,D → A,D: the decided claim is A's claim throughout."""
    document = load("A twin sentence.\n").document
    reviewed = Claim.objects.get(document=document)
    claim_decide(claim=reviewed, actor=bob, verdict="refuted", version=1, rationale="Wrong.")

    for text in [
        "A twin sentence.\nA twin sentence.\n",
        "Something else.\n",
        "A twin sentence.\n",
        "A twin sentence.\nA third sentence.\n",
        "A twin sentence.\nA third sentence.\nA fourth.\n",
        "A twin sentence.\nA fourth.\n",
    ]:
        load(text)
        reviewed.refresh_from_db()
        if "A twin" in text:
            assert (reviewed.withdrawn_at, reviewed.line) == (None, 1), text
        else:
            assert reviewed.withdrawn_at is not None
    assert reviewed.verdict == "refuted"


NAMES = itertools.count()
CHANGES = st.lists(
    st.lists(
        st.sampled_from(["Alpha.", "Beta.[1]", "Gamma.", "Alpha.", "[2] Delta.", ""]), max_size=7
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(versions=CHANGES)
def test_every_reimport_leaves_one_live_claim_per_line_and_keeps_the_rest(db, versions):
    """Whatever the edits (duplicates, swaps, shifts), in batches of two claims at a time."""
    name = f"prop-{next(NAMES)}.txt"
    original = import_service.BATCH
    import_service.BATCH = 2  # every path in small batches: detours, restores, swaps
    try:
        seen: set[int] = set()
        for lines in versions:
            text = "".join(f"{line}\n" for line in lines)
            try:
                parsed = {c.line: c.raw for c in parse_seed(text.encode(), name).claims}
            except FormatError:
                continue  # no sentence at all: nothing to import
            report = load(text, name=name)
            document = report.document
            now_live = live(document)
            assert {line: c.raw for line, c in now_live.items()} == parsed
            ids = set(Claim.objects.filter(document=document).values_list("id", flat=True))
            assert seen <= ids  # never deleted
            seen = ids
            assert report.added + report.unchanged + report.moved + report.restored == len(parsed)
        assert audit_verify().ok
    finally:
        import_service.BATCH = original


# --- versions, updated_at and events ----------------------------------------------------------


def test_a_moved_claim_gets_a_new_version_and_an_open_form_gets_409(client, bob):
    document = load("First.\nSecond.[1]\n").document
    second = live(document)[2]
    seen_version, seen_at = second.version, second.updated_at

    load("A new first line.\nFirst.\nSecond.[1]\n")

    second.refresh_from_db()
    assert second.line == 3
    assert second.version == seen_version + 1
    assert second.updated_at > seen_at
    client.force_login(bob)
    response = client.post(
        f"/claims/{second.pk}/decide/", {"verdict": "corroborated", "version": seen_version}
    )
    assert response.status_code == 409
    assert not Decision.objects.exists()


def test_withdrawn_and_restored_claims_get_a_new_version_and_an_event_each(db):
    document = load("First.\nSecond.\nThird.\n").document
    second = live(document)[2]
    opened = second.updated_at

    load("First.\nThird.\n")
    second.refresh_from_db()
    assert second.withdrawn_at is not None and second.version == 2
    withdrawn_at = second.withdrawn_at

    load("First.\nSecond.\nThird.\n")

    second.refresh_from_db()
    assert second.withdrawn_at is None and second.line == 2
    assert second.version == 3 and second.updated_at > opened
    events = AuditEvent.objects.filter(object_type="claims.claim", object_id=str(second.pk))
    withdraw, restore = events.order_by("id")
    assert (withdraw.action, withdraw.before["line"], withdraw.after["version"]) == (
        "claim.withdraw",
        2,
        2,
    )
    assert "no longer has its line" in withdraw.reason
    assert restore.action == "claim.restore"
    assert restore.before == {
        "withdrawn_at": withdrawn_at.isoformat(),
        "line": 2,
        "version": 2,
    }
    assert restore.after == {"withdrawn_at": None, "line": 2, "version": 3}
    assert audit_verify().ok


def test_a_form_opened_before_a_withdrawal_is_refused(bob):
    document = load("First.\nSecond.\n").document
    second = live(document)[2]

    load("First.\n")

    with pytest.raises(ValidationError) as refused:
        claim_decide(claim=second, actor=bob, verdict="refuted", version=1, rationale="No.")
    assert refused.value.code == "withdrawn"


def test_moves_are_recorded_as_runs_in_the_import_event_not_one_event_per_claim(db):
    load("".join(f"Sentence {n}.\n" for n in range(1, 6)))

    report = load("New top line.\n" + "".join(f"Sentence {n}.\n" for n in range(1, 6)))

    assert report.moved == 5
    event = AuditEvent.objects.filter(action="document.import").order_by("id").last()
    assert event.after["moves"] == [[1, 2, 5]]
    assert event.after["moved"] == 5
    assert not AuditEvent.objects.filter(object_type="claims.claim").exists()


# --- what the parsed document says ---------------------------------------------------------------


def test_the_import_fills_sections_pages_document_and_source_details(article_format):
    DESCRIBED.update({"1": MEDUZA, "2": MINT})

    report = load(OPENING, name="mobilization.wiki", fmt=article_format)

    document = report.document
    assert (document.title, document.format, document.revised_on) == (
        "2022 Russian mobilization",
        "article",
        datetime.date(2022, 10, 30),
    )
    assert document.origin_url == "https://en.wikipedia.org/wiki/2022_Russian_mobilization"
    claims = live(document)
    assert claims[1].section == "Mobilization › Announcement"
    pages = list(claims[2].citations.order_by("order").values_list("source__label", "page"))
    assert pages == [("2", "4–5"), ("1", "2")]
    meduza = Source.objects.get(document=document, label="1")
    assert (meduza.title, meduza.publisher, meduza.published_on, meduza.accessed_on) == (
        MEDUZA.title,
        "Meduza",
        datetime.date(2022, 9, 21),
        datetime.date(2022, 10, 1),
    )
    assert meduza.url == MEDUZA.url and meduza.reference == MEDUZA.text
    assert Source.objects.get(document=document, label="2").publisher == "Mint"
    assert report.sources_added == 2 and report.sources_filled == 0


def test_a_reimport_fills_only_empty_source_fields_and_audits_each_source(article_format, alice):
    DESCRIBED.update({"1": ParsedSource(label="1", title=MEDUZA.title)})
    document = load(OPENING, name="mobilization.wiki", fmt=article_format).document
    meduza = Source.objects.get(document=document, label="1")
    source_update(source=meduza, actor=alice, reason="Shorter.", title="Shoigu on reservists")
    DESCRIBED.update({"1": MEDUZA, "2": MINT})

    report = load(OPENING + "A later sentence.[2]\n", name="mobilization.wiki", fmt=article_format)

    meduza.refresh_from_db()
    assert meduza.title == "Shoigu on reservists"  # the editor's value stays
    assert (meduza.publisher, meduza.published_on) == ("Meduza", datetime.date(2022, 9, 21))
    assert meduza.version == 3  # the editor's edit, then the fill
    assert report.sources_filled == 2
    assert report.filled["1"] == [
        "accessed_on",
        "published_on",
        "publisher",
        "reference",
        "url",
    ]
    event = AuditEvent.objects.filter(
        action="source.update", object_id=str(meduza.pk), reason__startswith="Filled"
    ).get()
    assert event.before["publisher"] == "" and event.after["publisher"] == "Meduza"
    assert "title" not in event.after
    assert event.reason == "Filled from the import of mobilization.wiki."
    assert audit_verify().ok


def test_fmt_names_the_parser_whatever_the_extension(article_format):
    report = load(OPENING, name="export.dat", fmt=article_format)

    assert report.document.format == "article"
    assert live(report.document)[1].section == "Mobilization › Announcement"
    with pytest.raises(FormatError, match="unknown format 'pdf'"):
        load(OPENING, name="export.dat", fmt="pdf")


def test_many_files_import_in_order_while_worker_processes_parse_the_next(db, tmp_path):
    files = []
    for name, data in [
        ("a.txt", b"First file, first sentence.[1]\nAnd its second.[2]\n"),
        ("bad.txt", b"GIF89a\x00\x00"),
        ("b.txt", b"Second file.[1]\n"),
        ("c.txt", b"Third file.[3]\nMore.\n"),
    ]:
        (tmp_path / name).write_bytes(data)
        files.append((name, tmp_path / name))
    files.append(("gone.txt", tmp_path / "gone.txt"))

    results = list(documents_import(files=files, workers=2))

    assert [name for name, _ in results] == ["a.txt", "bad.txt", "b.txt", "c.txt", "gone.txt"]
    reports = dict(results)
    assert [reports[n].added for n in ("a.txt", "b.txt", "c.txt")] == [2, 1, 2]
    assert isinstance(reports["bad.txt"], FormatError)
    assert str(reports["bad.txt"]) == "bad.txt: line 1: binary data (NUL byte), not a text file"
    assert isinstance(reports["gone.txt"], FileNotFoundError)
    assert sorted(Document.objects.values_list("name", flat=True)) == ["a.txt", "b.txt", "c.txt"]


def test_the_very_file_last_imported_is_not_parsed_again(db, tmp_path, monkeypatch):
    files = []
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_bytes(f"{name} has one sentence.[1]\n".encode())
        files.append((name, tmp_path / name))
    list(documents_import(files=files, workers=2))

    def unused(data: bytes, name: str):
        raise AssertionError(f"{name} parsed again")

    monkeypatch.setitem(PARSERS, "seed", unused)
    again = dict(documents_import(files=files, workers=2))
    single = document_import(name="a.txt", data=(tmp_path / "a.txt").read_bytes())

    assert [(r.added, r.unchanged) for r in again.values()] == [(0, 1), (0, 1)]
    assert (single.added, single.unchanged) == (0, 1)


# --- dry runs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("first_import", [True, False])
def test_a_dry_run_writes_nothing_and_reports_what_the_import_then_does(
    article_format, bob, first_import
):
    name = "mobilization.wiki"
    DESCRIBED.update({"1": ParsedSource(label="1", title=MEDUZA.title)})
    text = OPENING + "Gone soon.[3]\nMoves down.[2]\n"
    if not first_import:
        load(text, name=name, fmt=article_format)
        load(OPENING + "Moves down.[2]\n", name=name, fmt=article_format)  # withdraws line 3
    DESCRIBED.update({"1": MEDUZA, "2": MINT})
    new = "Opening line.[4]\n" + OPENING + "Gone soon.[3]\nMoves down.[2]\nNew at the end.[5]\n"
    before = snapshot()

    dry = load(new, name=name, fmt=article_format, dry_run=True)

    assert snapshot() == before
    real = load(new, name=name, fmt=article_format)
    fields = [
        "added",
        "unchanged",
        "withdrawn",
        "restored",
        "moved",
        "sources",
        "sources_added",
        "sources_filled",
        "filled",
        "attribution_checks",
    ]
    assert {f: getattr(dry, f) for f in fields} == {f: getattr(real, f) for f in fields}
    assert dry.dry_run and not real.dry_run
    assert real.attribution_checks == Citation.objects.pending().count()
    if first_import:
        assert (real.added, real.sources_added) == (6, 5)
    else:
        assert (real.restored, real.moved, real.added, real.sources_filled) == (1, 3, 2, 2)
    assert dry.summary().startswith("dry run, nothing written: mobilization.wiki:")


# --- reviewers during a large re-import (PostgreSQL) -------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_decisions_during_a_large_reimport_wait_a_moment_at_most(transactional_db):
    """Decide claims in a loop while a 20,000-line document is re-imported with every line
    shifted and some gone: no decision waits long, none deadlocks, and each claim's version
    counts every decision and the import's one change, none lost."""
    reviewer = member("reviewer", REVIEWERS)
    name, text, _ = next(corpus_documents(documents=1, claims=20_000, seed=3))
    document = document_import(name=name, data=text.encode()).document
    lines = text.splitlines()
    changed = "A new opening sentence.[1]\n" + "".join(
        f"{line}\n" for n, line in enumerate(lines) if n % 40 != 7
    )
    before = dict(Claim.objects.filter(document=document).values_list("id", "line"))
    targets = random.Random(5).sample(sorted(before), 400)
    done = threading.Event()
    outcomes: list[tuple[int, float, object]] = []
    result: list = []

    def reimport() -> None:
        from django.db import connection as own

        try:
            result.append(document_import(name=name, data=changed.encode()))
        except Exception as exc:  # the outcome under test, whatever it is
            result.append(exc)
        finally:
            done.set()
            own.close()

    def decide() -> None:
        from django.db import connection as own

        rng = random.Random(9)
        try:
            while not done.is_set():
                claim = Claim.objects.get(pk=rng.choice(targets))
                started = time.perf_counter()
                try:
                    outcome = claim_decide(
                        claim=claim,
                        actor=reviewer,
                        verdict=rng.choice(["corroborated", "disputed"]),
                        version=claim.version,
                        rationale="Checked against the cited report.",
                    )
                except Exception as exc:  # refusals expected; anything else fails below
                    outcome = exc
                outcomes.append((claim.pk, time.perf_counter() - started, outcome))
        finally:
            own.close()

    threads = [threading.Thread(target=reimport), threading.Thread(target=decide)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    report = result[0]
    assert not isinstance(report, Exception), report
    assert report.moved > 15_000 and report.withdrawn > 400
    slowest = max(seconds for _, seconds, _ in outcomes)
    assert len(outcomes) >= 20
    assert slowest < 1.0, f"a decision waited {slowest:.2f} s"
    print(f"{len(outcomes)} decisions during the re-import, the slowest {slowest:.3f} s")
    for _, _, outcome in outcomes:
        if isinstance(outcome, ValidationError):
            assert outcome.code == "withdrawn"
        else:
            assert isinstance(outcome, (Decision, StaleVersion)), outcome
    for claim in Claim.objects.filter(pk__in=targets):
        decisions = list(Decision.objects.filter(claim=claim))
        changed_by_import = claim.withdrawn_at is not None or claim.line != before[claim.pk]
        assert claim.version == 1 + len(decisions) + changed_by_import, claim.pk
        if claim.withdrawn_at is not None:
            assert all(d.at < claim.withdrawn_at for d in decisions)
    assert audit_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigger shortcut")
def test_the_reference_check_shortcut_steps_aside_for_any_other_trigger(db, monkeypatch):
    with connection.cursor() as cursor:
        assert import_service._reference_checks_skippable(cursor)
        cursor.execute(
            "CREATE FUNCTION pg_temp.noop() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ "
            "LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER test_noop BEFORE INSERT ON claims_citation "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.noop()"
        )
        assert not import_service._reference_checks_skippable(cursor)
    # With the checks kept (not a superuser, or another trigger), the import is the same.
    report = load("One.[1]\nTwo.[2][1]\n")

    assert report.added == 2 and Citation.objects.count() == 3
