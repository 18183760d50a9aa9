"""The export controls on the pages: /claims/'s export form and /decisions/export.csv."""

import csv
import datetime
import io
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.exports import DECISION_HEADER
from claims.models import Claim, Decision, Stance, Verdict
from claims.services import AssessmentInput, claim_decide, document_import
from tests.factories import UserFactory

LIST = reverse("claims:list")
EXPORT = reverse("claims:export-csv")
DECISIONS = reverse("claims:decisions-export-csv")
HOSTILE = '"><script>alert(1)</script> =HYPERLINK("http://evil")'


class ExportForm(HTMLParser):
    """Collect the inputs and labels of the page's export form (class "export-form")."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False
        self.action = ""
        self.method = ""
        self.inputs: list[dict[str, str]] = []
        self.label_for: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form" and "export-form" in attr.get("class", "").split():
            self.found, self._inside = True, True
            self.action, self.method = attr.get("action", ""), attr.get("method", "")
        elif self._inside and tag == "input":
            self.inputs.append(attr)
        elif self._inside and tag == "label":
            self.label_for.append(attr.get("for", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False

    def hidden(self) -> list[tuple[str, str]]:
        return [(i["name"], i["value"]) for i in self.inputs if i.get("type") == "hidden"]

    def checkboxes(self) -> dict[str, dict[str, str]]:
        return {i["name"]: i for i in self.inputs if i.get("type") == "checkbox"}


def export_form(client, query: str = "") -> ExportForm:
    response = client.get(f"{LIST}?{query}" if query else LIST)
    assert response.status_code == 200
    form = ExportForm()
    form.feed(response.content.decode())
    assert form.found, "the claim list has no export form"
    return form


def submit(client, form: ExportForm, **ticked: str) -> bytes:
    """Submit the export form as a browser would: hidden inputs, then the ticked boxes."""
    assert form.method.lower() == "get"
    query = urlencode(form.hidden() + [(name, value) for name, value in ticked.items()])
    response = client.get(f"{form.action}?{query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def decide(claim: Claim, actor, verdict: str, **extra) -> Decision:
    claim.refresh_from_db()
    return claim_decide(claim=claim, actor=actor, verdict=verdict, version=claim.version, **extra)


@pytest.fixture
def decided(seed, bob, alice):
    """Line 2 corroborated by bob (with an assessment), line 5 refuted by alice, hostilely."""
    two = Claim.objects.get(document=seed, line=2)
    decide(
        two,
        bob,
        Verdict.CORROBORATED,
        assessments={c.pk: AssessmentInput(Stance.SUPPORTS) for c in two.citations.attached()},
    )
    decide(Claim.objects.get(document=seed, line=5), alice, Verdict.REFUTED, rationale=HOSTILE)
    return seed


# --- The export form on /claims/ ---------------------------------------------------------------

EVERY_FILTER = [
    ("q", HOSTILE),
    ("verdict", "refuted"),
    ("document", "000_cd3426a0e815e9f2.txt"),
    ("source", "110"),
    ("reliability", "generally_reliable"),
    ("reviewer", "alice"),
    ("tag", "dubious – discuss"),
    ("attribution", "false"),
    ("unsourced", "false"),
    ("locked", "false"),
    ("withdrawn", "any"),
    ("decided_after", "2020-01-01"),
    ("decided_before", "2030-12-31"),
]


def test_the_export_form_carries_every_filter_and_nothing_else(client, bob, decided):
    client.force_login(bob)
    query = urlencode([*EVERY_FILTER, ("sort", "decided"), ("after", "n.99")])

    form = export_form(client, query)

    assert form.action == EXPORT
    assert form.method == "get"
    # Paging and sorting stay on the page; the export options come from the checkboxes.
    assert form.hidden() == EVERY_FILTER
    assert set(form.checkboxes()) == {"all", "bom", "raw"}


def test_the_export_form_without_filters_has_only_its_options_unticked(client, bob, decided):
    client.force_login(bob)

    form = export_form(client)

    assert form.hidden() == []
    boxes = form.checkboxes()
    assert {name: box["value"] for name, box in boxes.items()} == {
        "all": "1",
        "bom": "1",
        "raw": "1",
    }
    assert not any("checked" in box for box in boxes.values())  # reviewed claims by default


def test_every_export_option_has_a_label(client, bob, decided):
    client.force_login(bob)

    form = export_form(client)

    ids = [box["id"] for box in form.checkboxes().values()]
    assert ids and all(ids)
    assert sorted(form.label_for) == sorted(ids)


def test_hostile_filter_text_stays_text_in_the_form(client, bob, decided):
    client.force_login(bob)
    response = client.get(LIST, {"q": HOSTILE})
    html = response.content.decode()

    assert "<script>alert(1)" not in html
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;' in html


def test_submitting_the_form_exports_the_reviewed_claims_by_default(client, bob, decided):
    client.force_login(bob)

    rows = csv_rows(submit(client, export_form(client, "unsourced=false")))

    assert [row["line"] for row in rows] == ["2", "5"]


def test_submitting_the_form_with_all_exports_unreviewed_claims_too(client, bob, decided):
    client.force_login(bob)
    form = export_form(client, "unsourced=false")

    rows = csv_rows(submit(client, form, all="1"))

    assert len(rows) == 21  # the 30 seed lines less the nine unsourced ones
    assert {row["verdict"] for row in rows} == {"unreviewed", "corroborated", "refuted"}
    # The filter still applies: no unsourced line (1, 3, 4, ...) is in the export.
    assert {"1", "3", "4", "10"}.isdisjoint(row["line"] for row in rows)


def test_submitting_the_form_narrowed_by_a_filter_exports_only_what_matches(client, bob, decided):
    client.force_login(bob)

    rows = csv_rows(submit(client, export_form(client, "source=[174]"), all="1"))

    assert [row["line"] for row in rows] == ["27"]


def test_submitting_the_form_with_bom_starts_the_file_with_one(client, bob, decided):
    client.force_login(bob)
    form = export_form(client)

    plain, with_bom = submit(client, form), submit(client, form, bom="1")

    assert plain.startswith(b"claim_id,")
    assert with_bom == b"\xef\xbb\xbf" + plain


def test_a_viewer_sees_the_export_form(client, charlie, decided):
    client.force_login(charlie)

    assert len(csv_rows(submit(client, export_form(client), all="1"))) == 30


# --- /decisions/export.csv ---------------------------------------------------------------------


def command_bytes(tmp_path: Path, *args: str) -> bytes:
    path = tmp_path / "decisions.csv"
    call_command("export_decisions", *args, "--output", str(path), stdout=StringIO())
    return path.read_bytes()


def test_the_decisions_export_streams_a_dated_attachment(client, bob, decided):
    client.force_login(bob)

    response = client.get(DECISIONS)

    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = datetime.date.today()
    assert response["Content-Disposition"] == (
        f'attachment; filename="decisions-{today:%Y-%m-%d}.csv"'
    )
    rows = csv_rows(b"".join(response.streaming_content))
    assert list(rows[0]) == DECISION_HEADER
    assert [(row["line"], row["verdict_to"], row["actor"]) for row in rows] == [
        ("2", "corroborated", "bob"),
        ("5", "refuted", "alice"),
    ]
    assert rows[1]["rationale"] == HOSTILE  # starts with a quote: nothing to neutralise


@pytest.mark.parametrize(("query", "options"), [("", []), ("?bom=1", ["--bom"])])
def test_the_decisions_export_gives_the_same_bytes_as_the_command(
    client, charlie, decided, tmp_path, query, options
):
    client.force_login(charlie)

    web = b"".join(client.get(DECISIONS + query).streaming_content)

    assert web == command_bytes(tmp_path, *options)
    assert web.startswith(b"\xef\xbb\xbfdecision_id," if options else b"decision_id,")


def test_the_decisions_export_sends_anonymous_users_to_sign_in(client, decided):
    response = client.get(DECISIONS)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_decisions_export_needs_the_view_decision_permission(client, decided):
    client.force_login(UserFactory(username="nobody"))  # signed in, in no role

    assert client.get(DECISIONS).status_code == 403


def test_the_decisions_export_refuses_post(client, bob, decided):
    client.force_login(bob)

    assert client.post(DECISIONS).status_code == 405


def test_the_dashboard_links_to_the_decisions_export(client, charlie, decided):
    client.force_login(charlie)

    html = client.get(reverse("claims:dashboard")).content.decode()

    assert f'href="{DECISIONS}"' in html
    assert "Export every decision (CSV)" in html
    assert f'href="{DECISIONS}?bom=1"' in html
    # Near the team's latest decisions: after that heading, before the section ends.
    team = html.index("The team's latest decisions")
    link = html.index("Export every decision (CSV)")
    assert team < link < html.index("</section>", team)


def test_the_dashboard_hides_the_link_from_users_without_the_permission(client, decided):
    client.force_login(UserFactory(username="nobody"))

    html = client.get(reverse("claims:dashboard")).content.decode()

    assert DECISIONS not in html


def _decide_many(document, actor, count: int) -> None:
    for claim in Claim.objects.filter(document=document).order_by("line")[:count]:
        decide(claim, actor, Verdict.DISPUTED, rationale=f"Checked line {claim.line}.")


def _export_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        rows = csv_rows(b"".join(client.get(DECISIONS).streaming_content))
    return len(queries), len(rows)


def test_the_decisions_export_takes_the_same_queries_whatever_the_history(
    client, bob, db, django_assert_max_num_queries
):
    lines = "\n".join(f"Sentence {n}, sourced.[{n % 7 + 1}]" for n in range(60))
    document = document_import(name="many.txt", data=lines.encode()).document
    client.force_login(bob)
    _decide_many(document, bob, 5)
    small, small_rows = _export_queries(client)
    _decide_many(document, bob, 60)

    # Session, user and permissions; then decisions and their assessments per batch, and
    # one query for the empty batch that ends the stream: never one query per row.
    with django_assert_max_num_queries(small):
        large, large_rows = _export_queries(client)

    assert (small_rows, large_rows) == (5, 65)
    assert large == small
