"""The claim list /claims/ and its CSV export /claims/export.csv."""

import datetime

import pytest
from django.urls import reverse

from claims import selectors
from claims.models import Claim, Stance, Verdict
from claims.services import AssessmentInput, claim_decide, claim_lock, claim_withdraw
from sources.models import Reliability
from sources.services import source_update
from tests.factories import CitationFactory, ClaimFactory, DocumentFactory

URL = "/claims/"


def _line(seed, line: int) -> Claim:
    return Claim.objects.get(document=seed, line=line)


def _lines(response) -> list[int]:
    return [claim.line for claim in response.context["rows"]]


def test_it_redirects_anonymous_users_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_lists_the_claims_in_line_order_with_their_footnotes(client, bob, seed):
    client.force_login(bob)
    response = client.get(URL)
    assert response.status_code == 200
    assert _lines(response) == list(range(1, 31))
    assert b"[31]</sup><sup" in response.content  # line 6's two leading markers
    assert b"30</strong> claims" in response.content


@pytest.fixture
def decided(seed, bob, alice):
    """Line 2 corroborated by bob, line 5 refuted by alice, line 7 locked, line 8 withdrawn."""
    two, five = _line(seed, 2), _line(seed, 5)
    claim_decide(
        claim=two,
        actor=bob,
        verdict=Verdict.CORROBORATED,
        version=two.version,
        assessments={two.citations.get().pk: AssessmentInput(Stance.SUPPORTS)},
    )
    claim_decide(
        claim=five, actor=alice, verdict=Verdict.REFUTED, version=five.version, rationale="No."
    )
    claim_lock(claim=_line(seed, 7), actor=alice, reason="Legal hold.")
    admin = type(alice).objects.create_superuser("root", "root@example.org", "x")
    claim_withdraw(claim=_line(seed, 8), actor=admin, reason="Gone.")
    return seed


@pytest.mark.parametrize(
    ("query", "lines"),
    [
        ("verdict=corroborated", [2]),
        ("verdict=refuted", [5]),
        ("reviewer=alice", [5]),
        ("source=110", [15, 16]),
        ("source=[174]", [27]),
        ("attribution=false&unsourced=false&source=24", []),
        ("unsourced=true", [1, 3, 4, 10, 13, 14, 18, 21, 24]),
        ("locked=true", [7]),
        ("withdrawn=true", [8]),
        ("q=Degtyarev", [11, 14]),
    ],
)
def test_each_filter_narrows_the_list(client, bob, decided, query, lines):
    client.force_login(bob)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert _lines(response) == lines


def test_the_document_filter_keeps_other_documents_out(client, bob, seed):
    other = ClaimFactory(document=DocumentFactory(name="other.txt"), line=1)
    client.force_login(bob)
    assert _lines(client.get(f"{URL}?document={seed.name}")) == list(range(1, 31))
    response = client.get(f"{URL}?document=other.txt")
    assert [c.pk for c in response.context["rows"]] == [other.pk]


def test_the_reliability_and_tag_filters_narrow(client, alice, seed):
    source_update(
        source=seed.sources.get(label="110"), actor=alice, reliability=Reliability.DEPRECATED
    )
    client.force_login(alice)
    assert _lines(client.get(f"{URL}?reliability=deprecated")) == [15, 16]
    tagged = ClaimFactory(document=seed, line=40, tags="citation needed")
    response = client.get(f"{URL}?tag=citation needed")
    assert [c.pk for c in response.context["rows"]] == [tagged.pk]


def test_the_decided_between_filter_narrows(client, bob, decided):
    client.force_login(bob)
    today = datetime.date.today()
    assert _lines(client.get(f"{URL}?decided_after={today}")) == [2, 5]
    yesterday = today - datetime.timedelta(days=1)
    assert _lines(client.get(f"{URL}?decided_before={yesterday}")) == []


def test_it_counts_the_claims_per_verdict_for_the_current_filter(client, bob, decided):
    client.force_login(bob)
    response = client.get(f"{URL}?source=24")
    counts = {c["verdict"]: c["n"] for c in response.context["counts"]}
    assert counts == {"unreviewed": 0, "corroborated": 0, "disputed": 0, "refuted": 1}
    response = client.get(URL)
    counts = {c["verdict"]: c["n"] for c in response.context["counts"]}
    assert counts == {"unreviewed": 27, "corroborated": 1, "disputed": 0, "refuted": 1}


def test_it_answers_an_invalid_filter_with_400_and_the_error_next_to_it(client, bob, seed):
    client.force_login(bob)
    response = client.get(f"{URL}?verdict=maybe&decided_after=yesterday")
    assert response.status_code == 400
    assert response.context["rows"] == []
    assert "verdict" in response.context["form"].errors
    assert b"Select a valid choice" in response.content


def test_it_sorts_by_last_decision_newest_first(client, bob, decided):
    client.force_login(bob)
    response = client.get(f"{URL}?sort=decided")
    assert _lines(response)[:2] == [5, 2]
    assert len(_lines(response)) == 29


def test_it_pages_by_keyset_and_every_link_keeps_the_filters(client, bob, seed, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)
    client.force_login(bob)
    response = client.get(f"{URL}?unsourced=true")
    assert _lines(response) == [1, 3, 4, 10]
    cursor = response.context["next_cursor"]
    html = response.content.decode()
    assert f'href="?unsourced=true&amp;after={cursor}"' in html
    assert 'href="/claims/export.csv?unsourced=true"' in html
    second = client.get(f"{URL}?unsourced=true&after={cursor}")
    assert _lines(second) == [13, 14, 18, 21]
    third = client.get(f"{URL}?unsourced=true&after={second.context['next_cursor']}")
    assert _lines(third) == [24]
    assert third.context["next_cursor"] == ""


def test_it_pages_the_decided_sort_through_undecided_claims(client, bob, decided, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    client.force_login(bob)
    seen, after = [], ""
    while True:
        response = client.get(f"{URL}?sort=decided&after={after}")
        seen += _lines(response)
        after = response.context["next_cursor"]
        if not after:
            break
    assert seen[:2] == [5, 2]
    assert sorted(seen) == [n for n in range(1, 31) if n != 8]


@pytest.mark.parametrize(
    "cursor",
    ["not.a.cursor", "1.1.99999999999999999999", "1.².3", "1" * 5000, "1.1", "1.1.1.1"],
)
def test_a_malformed_cursor_is_refused_with_400(client, bob, seed, cursor):
    client.force_login(bob)
    response = client.get(URL, {"after": cursor})
    assert response.status_code == 400
    assert "after: " in response.content.decode()


def test_a_cursor_past_the_last_row_gives_an_empty_page(client, bob, seed):
    client.force_login(bob)
    response = client.get(URL, {"after": f"{2**63 - 1}.1.1"})
    assert response.status_code == 200
    assert _lines(response) == []


def test_it_shows_hostile_claim_text_as_text(client, bob, db):
    ClaimFactory(text='<script>alert(1)</script>"><img src=x onerror=alert(2)>')
    client.force_login(bob)
    html = client.get(URL).content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img" in html


def _bulk(n: int) -> None:
    document = DocumentFactory()
    for i in range(n):
        claim = ClaimFactory(document=document, line=i + 1)
        CitationFactory(claim=claim, order=0)
        CitationFactory(claim=claim, order=1)


@pytest.mark.parametrize("size", [3, 30])
def test_its_query_count_does_not_grow_with_rows(
    client, bob, decided, size, django_assert_max_num_queries
):
    _bulk(size)
    client.force_login(bob)
    with django_assert_max_num_queries(13):  # counts: one capped query a verdict; + assignees
        response = client.get(URL)
    assert len(response.context["rows"]) >= size


# --- export ----------------------------------------------------------------------------------


def test_the_export_streams_the_filtered_reviewed_claims_as_an_attachment(client, bob, decided):
    client.force_login(bob)
    response = client.get("/claims/export.csv?verdict=refuted")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = datetime.date.today()
    assert response["Content-Disposition"] == f'attachment; filename="claims-{today}.csv"'
    body = b"".join(response.streaming_content).decode()
    lines = body.splitlines()
    assert lines[0].startswith("claim_id,document,line,claim,footnotes")
    assert len(lines) == 2 and ",5," in lines[1]


def test_the_export_holds_every_claim_with_all_and_starts_with_a_bom_if_asked(client, bob, decided):
    client.force_login(bob)
    reviewed = b"".join(client.get("/claims/export.csv").streaming_content).decode()
    assert len(reviewed.splitlines()) == 3
    everything = b"".join(client.get("/claims/export.csv?all=1&bom=1").streaming_content)
    text = everything.decode()
    assert text.startswith("\ufeffclaim_id,")
    assert len(text.splitlines()) == 30  # header + 29 live claims


def test_the_export_refuses_invalid_filters_with_400(client, bob, seed):
    client.force_login(bob)
    response = client.get("/claims/export.csv?locked=perhaps")
    assert response.status_code == 400
    assert b"locked" in response.content


def test_the_export_requires_sign_in(client, db):
    response = client.get(reverse("claims:export-csv"))
    assert response.status_code == 302


def test_counts_stop_at_the_cap_and_say_so(client, bob, seed, settings, monkeypatch):
    from claims import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    monkeypatch.setattr("claims.views.COUNT_CAP", 10)
    client.force_login(bob)

    response = client.get(URL)

    shown = {c["verdict"]: c["shown"] for c in response.context["counts"]}
    assert shown["unreviewed"] == "10+"
    assert response.context["total_label"] == "over 10"
