"""The sources register /sources/ and a source's page /sources/<id>/."""

import pytest

from claims.models import Claim, Stance, Verdict
from claims.services import AssessmentInput, claim_decide
from sources.models import Reliability, Source
from sources.services import source_update
from tests.factories import CitationFactory, ClaimFactory, DocumentFactory, SourceFactory
from workbench.models import AuditEvent


def _labels(response) -> list[str]:
    return [source.label for source in response.context["page"].object_list]


def test_it_redirects_anonymous_users_to_sign_in(client, db):
    assert client.get("/sources/").status_code == 302


def test_it_lists_the_sources_with_how_often_each_is_cited(client, charlie, seed):
    client.force_login(charlie)
    response = client.get("/sources/")
    assert response.status_code == 200
    assert len(_labels(response)) == 31
    cited = {s.label: s.cited for s in response.context["page"].object_list}
    assert cited["110"] == 2 and cited["19"] == 1


def test_it_filters_by_document_reliability_and_disputed_or_refuted_claims(client, alice, seed):
    other = SourceFactory(document=DocumentFactory(name="other.txt"), label="1")
    source_update(source=seed.sources.get(label="110"), actor=alice, reliability="deprecated")
    fifteen = Claim.objects.get(document=seed, line=15)
    claim_decide(claim=fifteen, actor=alice, verdict=Verdict.REFUTED, version=1, rationale="No.")
    client.force_login(alice)
    assert _labels(client.get("/sources/?document=other.txt")) == [other.label]
    assert _labels(client.get("/sources/?reliability=deprecated")) == ["110"]
    assert _labels(client.get("/sources/?cited_by=refuted")) == ["110"]
    assert _labels(client.get("/sources/?cited_by=disputed")) == []
    assert _labels(client.get("/sources/?cited_by=contested")) == ["110"]


def test_an_invalid_filter_gets_400(client, bob, seed):
    client.force_login(bob)
    response = client.get("/sources/?reliability=awful")
    assert response.status_code == 400
    assert "reliability" in response.context["form"].errors


def test_the_source_page_lists_every_claim_citing_it_with_verdict_and_assessment(client, bob, seed):
    source = seed.sources.get(label="110")
    fifteen = Claim.objects.get(document=seed, line=15)
    citation = fifteen.citations.get()
    claim_decide(
        claim=fifteen,
        actor=bob,
        verdict=Verdict.CORROBORATED,
        version=1,
        assessments={citation.pk: AssessmentInput(Stance.SUPPORTS, "deputies should not")},
    )
    client.force_login(bob)
    response = client.get(f"/sources/{source.pk}/")
    html = response.content.decode()
    assert [c.claim.line for c in response.context["citations"]] == [15, 16]
    assert "Supports: “deputies should not”" in html
    assert "Corroborated" in html and "Not assessed" in html
    assert response.context["form"] is None  # reviewers do not edit sources


def test_it_answers_404_for_an_unknown_source(client, bob, db):
    client.force_login(bob)
    assert client.get("/sources/999999/").status_code == 404


def test_an_editor_edits_a_source_with_a_reason(client, alice, seed):
    source = seed.sources.get(label="19")
    client.force_login(alice)
    response = client.post(
        f"/sources/{source.pk}/",
        {
            "title": "Decree of 19 February",
            "url": "https://example.org/decree",
            "publisher": "Meduza",
            "reliability": "generally_reliable",
            "published_on": "2022-02-19",
            "reason": "Found the original.",
            "version": 1,
        },
        follow=True,
    )
    assert "Source [19] saved." in response.content.decode()
    source.refresh_from_db()
    assert source.title == "Decree of 19 February"
    assert source.reliability == Reliability.GENERALLY_RELIABLE
    assert str(source.published_on) == "2022-02-19"
    event = AuditEvent.objects.get(action="source.update")
    assert event.reason == "Found the original." and event.actor == alice


def test_bad_source_input_is_shown_next_to_the_field(client, alice, seed):
    source = seed.sources.get(label="19")
    client.force_login(alice)
    response = client.post(
        f"/sources/{source.pk}/",
        {"url": "not a url at all", "reliability": "great", "published_on": "yesterday"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"url", "reliability", "published_on", "reason", "version"} <= set(errors)
    source.refresh_from_db()
    assert source.url == "" and source.reliability == Reliability.UNRATED


@pytest.mark.parametrize("user", ["bob", "charlie"])
def test_reviewers_and_viewers_cannot_edit_a_source(client, seed, user, request):
    source = seed.sources.get(label="19")
    client.force_login(request.getfixturevalue(user))
    response = client.post(
        f"/sources/{source.pk}/", {"title": "Hacked", "reliability": "deprecated"}
    )
    assert response.status_code == 403
    source.refresh_from_db()
    assert source.title == "" and source.reliability == Reliability.UNRATED
    assert not AuditEvent.objects.filter(action="source.update").exists()


def test_it_shows_hostile_source_text_as_text(client, bob, db):
    source = SourceFactory(title="<script>alert(1)</script>", publisher='"><img onerror=x>')
    client.force_login(bob)
    for url in ("/sources/", f"/sources/{source.pk}/"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "<img onerror" not in html


@pytest.mark.parametrize("size", [2, 25])
def test_query_counts_do_not_grow_with_rows(client, alice, size, django_assert_max_num_queries):
    document = DocumentFactory()
    source = SourceFactory(document=document)
    for i in range(size):
        claim = ClaimFactory(document=document, line=i + 1)
        CitationFactory(claim=claim, source=source, order=0)
        SourceFactory(document=document)
    client.force_login(alice)
    with django_assert_max_num_queries(9):
        assert client.get("/sources/").status_code == 200
    with django_assert_max_num_queries(10):
        response = client.get(f"/sources/{source.pk}/")
    assert len(response.context["citations"].object_list) == size
    assert Source.objects.count() == size + 1


def _edit(client, source, **values):
    data = {name: "" for name in Source.EDITABLE_FIELDS}
    data.update({"reliability": source.reliability, "reason": "Checked.", "version": 1})
    data.update(values)
    return client.post(f"/sources/{source.pk}/", data)


def test_a_stale_source_form_is_refused_and_keeps_both_edits(client, alice, seed):
    """An editor saves details; an admin on the older page changes the reliability: 409."""
    from tests.conftest import member
    from workbench.roles import ADMINS

    admin = member("dora", ADMINS)
    source = seed.sources.get(label="19")
    client.force_login(alice)
    details = {
        "title": "Decree",
        "url": "https://example.org/decree",
        "publisher": "Meduza",
        "published_on": "2022-02-19",
    }
    assert _edit(client, source, **details).status_code == 302
    client.force_login(admin)

    response = _edit(client, source, reliability="deprecated", reason="Known unreliable.")

    assert response.status_code == 409
    html = response.content.decode()
    assert "alice changed title, URL, publisher, published on" in html
    assert 'value="Known unreliable.' in html or "Known unreliable." in html
    source.refresh_from_db()
    assert (source.title, source.url, source.publisher) == (
        "Decree",
        "https://example.org/decree",
        "Meduza",
    )
    assert source.reliability == Reliability.UNRATED
    assert AuditEvent.objects.filter(action="source.update").count() == 1
    # Saving again from the conflict page is deliberate and carries the new version.
    assert response.context["form"]["version"].value() == "2"


def test_a_source_edit_without_a_reason_is_refused(client, alice, seed):
    source = seed.sources.get(label="19")
    client.force_login(alice)
    response = _edit(client, source, title="Decree", reason="  ")
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    source.refresh_from_db()
    assert source.title == ""


def test_a_search_that_matches_nothing_is_an_empty_page(client, bob, seed):
    client.force_login(bob)
    response = client.get("/sources/", {"q": "no such source anywhere"})
    assert response.status_code == 200


def test_a_much_cited_source_shows_its_claims_a_page_at_a_time(client, alice):
    from sources.views import PAGE_SIZE

    document = DocumentFactory()
    source = SourceFactory(document=document)
    cited = PAGE_SIZE + 5
    for i in range(cited):
        CitationFactory(claim=ClaimFactory(document=document, line=i + 1), source=source, order=0)
    client.force_login(alice)
    first = client.get(f"/sources/{source.pk}/")
    assert [c.claim.line for c in first.context["citations"]] == list(range(1, PAGE_SIZE + 1))
    assert f"{cited} citations; these are 1–{PAGE_SIZE}." in first.content.decode()
    second = client.get(f"/sources/{source.pk}/?page=2")
    assert [c.claim.line for c in second.context["citations"]] == list(
        range(PAGE_SIZE + 1, cited + 1)
    )
    # A page that is not a number is the first one, not an error.
    assert client.get(f"/sources/{source.pk}/?page=x").status_code == 200
