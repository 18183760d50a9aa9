"""The admin of documents and sources: fast lists, and every edit through source_update."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.urls import reverse

from sources.models import Document, Reliability, Source
from sources.services import source_update
from tests.conftest import queries
from tests.factories import CitationFactory, ClaimFactory, DocumentFactory, SourceFactory
from workbench.models import AuditEvent
from workbench.roles import VIEWERS

SOURCES = reverse("admin:sources_source_changelist")
DOCUMENTS = reverse("admin:sources_document_changelist")


def audit_fields(event: AuditEvent) -> dict:
    return {
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "actor": event.actor_id,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
    }


class _Rollback(Exception):
    pass


def service_events(call) -> list[dict]:
    """Return the audit events `call` writes, then roll its changes back."""
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    events: list[dict] = []
    try:
        with transaction.atomic():
            call()
            events = [
                audit_fields(e) for e in AuditEvent.objects.filter(id__gt=last).order_by("id")
            ]
            raise _Rollback
    except _Rollback:
        pass
    return events


def new_events(since: int) -> list[dict]:
    return [audit_fields(e) for e in AuditEvent.objects.filter(id__gt=since).order_by("id")]


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def change_data(source: Source, **changes) -> dict:
    data = {
        name: getattr(source, name) if getattr(source, name) is not None else ""
        for name in Source.EDITABLE_FIELDS
    }
    data.update(
        {
            "citations-TOTAL_FORMS": "0",
            "citations-INITIAL_FORMS": "0",
            "citations-MIN_NUM_FORMS": "0",
            "citations-MAX_NUM_FORMS": "0",
        }
    )
    data.update(changes)
    return data


@pytest.fixture
def staff_viewer(db):
    """A staff user with the Viewers' permissions only (no sources.change_source)."""
    from tests.factories import UserFactory

    user = UserFactory(username="dora", is_staff=True)
    user.groups.add(Group.objects.get(name=VIEWERS))
    return user


# --- Lists and forms open fast -----------------------------------------------------------


def test_the_source_changelist_runs_the_same_queries_at_5_and_at_50_sources(admin_client):
    document = DocumentFactory()
    SourceFactory.create_batch(5, document=document)
    small = queries(admin_client, SOURCES)
    SourceFactory.create_batch(45, document=DocumentFactory())

    assert queries(admin_client, SOURCES) == small


def test_the_document_changelist_runs_the_same_queries_at_5_and_at_50_documents(admin_client):
    DocumentFactory.create_batch(5)
    small = queries(admin_client, DOCUMENTS)
    DocumentFactory.create_batch(45)

    assert queries(admin_client, DOCUMENTS) == small


def test_the_source_form_runs_the_same_queries_at_5_and_at_50_citing_claims(admin_client):
    few, many = SourceFactory(), SourceFactory()
    for source, n in ((few, 5), (many, 50)):
        for claim in ClaimFactory.create_batch(n, document=source.document):
            CitationFactory(claim=claim, source=source)

    small = queries(admin_client, reverse("admin:sources_source_change", args=[few.pk]))
    large = queries(admin_client, reverse("admin:sources_source_change", args=[many.pk]))

    assert large == small
    page = admin_client.get(reverse("admin:sources_source_change", args=[many.pk]))
    assert page.content.count(b"/admin/claims/claim/") >= 50


def test_the_document_form_opens_with_a_bounded_query_count(admin_client, seed):
    other = DocumentFactory()
    counts = {
        queries(admin_client, reverse("admin:sources_document_change", args=[pk]))
        for pk in (seed.pk, other.pk)
    }

    assert len(counts) == 1


# --- Search and filters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=19", ["19"]),
        ("q=Guardian", ["2"]),
        ("reliability__exact=deprecated", ["3"]),
        ("reliability__exact=unrated", ["2", "19"]),
    ],
)
def test_search_and_the_reliability_filter_narrow_the_sources(admin_client, query, expected):
    document = DocumentFactory()
    SourceFactory(document=document, label="19", title="Some report")
    SourceFactory(document=document, label="2", title="The Guardian on it")
    SourceFactory(document=document, label="3", reliability=Reliability.DEPRECATED)

    response = admin_client.get(f"{SOURCES}?{query}")

    assert sorted(s.label for s in response.context["cl"].result_list) == sorted(expected)


def test_the_document_filter_narrows_the_sources(admin_client):
    first, second = DocumentFactory(), DocumentFactory()
    SourceFactory(document=first, label="1")
    SourceFactory(document=second, label="2")

    response = admin_client.get(f"{SOURCES}?document__id__exact={second.pk}")

    assert [s.label for s in response.context["cl"].result_list] == ["2"]


def test_search_finds_documents_by_name(admin_client, seed):
    DocumentFactory(name="other.txt")

    response = admin_client.get(f"{DOCUMENTS}?q=cd3426")

    assert [d.name for d in response.context["cl"].result_list] == [seed.name]


# --- Edits go through source_update ------------------------------------------------------


def test_editing_a_source_writes_the_audit_event_source_update_writes(admin_client, admin_user):
    source = SourceFactory(title="Old", publisher="")
    url = reverse("admin:sources_source_change", args=[source.pk])
    expected = service_events(
        lambda: source_update(
            source=source,
            actor=admin_user,
            reason="Checked the masthead",
            title="New <b>title</b>",
            reliability=Reliability.NO_CONSENSUS,
        )
    )
    since = last_event_id()

    response = admin_client.post(
        url,
        change_data(
            source,
            title="New <b>title</b>",
            reliability=Reliability.NO_CONSENSUS,
            reason="  Checked the masthead ",
        ),
    )

    assert response.status_code == 302
    assert new_events(since) == expected
    assert expected[0]["action"] == "source.update"
    assert expected[0]["after"] == {"title": "New <b>title</b>", "reliability": "no_consensus"}
    source.refresh_from_db()
    assert (source.title, source.reliability) == ("New <b>title</b>", "no_consensus")


def test_a_source_edit_without_a_reason_is_a_form_error_and_changes_nothing(admin_client):
    source = SourceFactory(title="Old")
    since = last_event_id()

    response = admin_client.post(
        reverse("admin:sources_source_change", args=[source.pk]),
        change_data(source, title="New", reason="   "),
    )

    assert response.status_code == 200
    assert "Give a reason" in str(response.context["adminform"].form.errors["reason"])
    source.refresh_from_db()
    assert source.title == "Old"
    assert new_events(since) == []


def test_saving_an_unchanged_source_needs_no_reason_and_writes_nothing(admin_client):
    source = SourceFactory(title="Same")
    since = last_event_id()

    response = admin_client.post(
        reverse("admin:sources_source_change", args=[source.pk]), change_data(source)
    )

    assert response.status_code == 302
    assert new_events(since) == []


def test_a_bad_url_is_a_form_error_and_changes_nothing(admin_client):
    source = SourceFactory(url="https://example.org/")

    response = admin_client.post(
        reverse("admin:sources_source_change", args=[source.pk]),
        change_data(source, url="not a url", reason="fix"),
    )

    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    source.refresh_from_db()
    assert source.url == "https://example.org/"


def test_the_reliability_action_asks_for_a_reason_first(admin_client):
    sources = SourceFactory.create_batch(2)
    since = last_event_id()

    response = admin_client.post(
        SOURCES,
        {"action": "set_reliability", "index": "0", "_selected_action": [s.pk for s in sources]},
    )

    assert response.status_code == 200
    assert b"Reason for change" in response.content
    assert new_events(since) == []


def test_the_reliability_action_rates_each_source_through_source_update(admin_client, admin_user):
    sources = SourceFactory.create_batch(2, reliability=Reliability.UNRATED)

    def rate_all():
        for source in sources:
            source_update(
                source=source, actor=admin_user, reason="RSP says so", reliability="deprecated"
            )

    expected = service_events(rate_all)
    since = last_event_id()

    response = admin_client.post(
        SOURCES,
        {
            "action": "set_reliability",
            "index": "0",
            "_selected_action": [s.pk for s in sources],
            "reliability": "deprecated",
            "reason": "RSP says so",
            "apply": "Apply",
        },
    )

    assert response.status_code == 302
    assert len(expected) == 2
    assert new_events(since) == expected
    assert set(Source.objects.values_list("reliability", flat=True)) == {"deprecated"}


def test_the_reliability_action_without_a_reason_changes_nothing(admin_client):
    source = SourceFactory(reliability=Reliability.UNRATED)
    since = last_event_id()

    response = admin_client.post(
        SOURCES,
        {
            "action": "set_reliability",
            "index": "0",
            "_selected_action": [source.pk],
            "reliability": "deprecated",
            "reason": "",
            "apply": "Apply",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    source.refresh_from_db()
    assert source.reliability == Reliability.UNRATED
    assert new_events(since) == []


# --- Permissions -----------------------------------------------------------------------


def test_a_staff_user_without_the_editor_permission_cannot_change_a_source(client, staff_viewer):
    source = SourceFactory(title="Old")
    client.force_login(staff_viewer)
    url = reverse("admin:sources_source_change", args=[source.pk])

    page = client.get(url)
    refused = client.post(url, change_data(source, title="New", reason="because"))
    changelist = client.get(SOURCES)
    action = client.post(
        SOURCES,
        {
            "action": "set_reliability",
            "index": "0",
            "_selected_action": [source.pk],
            "reliability": "deprecated",
            "reason": "because",
            "apply": "Apply",
        },
    )

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert refused.status_code == 403
    assert changelist.context["action_form"] is None
    assert action.status_code == 200  # the changelist again: there is no such action for them
    source.refresh_from_db()
    assert (source.title, source.reliability) == ("Old", Reliability.UNRATED)
    assert not AuditEvent.objects.exists()


def test_an_editor_permission_alone_lets_a_staff_user_edit_a_source(client, staff_viewer):
    staff_viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="sources", codename="change_source")
    )
    source = SourceFactory(title="Old")
    client.force_login(staff_viewer)

    response = client.post(
        reverse("admin:sources_source_change", args=[source.pk]),
        change_data(source, title="New", reason="typo"),
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.reason) == (staff_viewer, "source.update", "typo")


def test_sources_and_documents_cannot_be_added_or_deleted_bypassing_the_service(admin_client):
    source = SourceFactory()

    assert admin_client.get(reverse("admin:sources_source_add")).status_code == 403
    assert admin_client.get(reverse("admin:sources_document_add")).status_code == 403
    for url in (
        reverse("admin:sources_source_delete", args=[source.pk]),
        reverse("admin:sources_document_delete", args=[source.document.pk]),
    ):
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Source.objects.filter(pk=source.pk).exists()
    actions = admin_client.get(SOURCES).context["action_form"].fields["action"].choices
    assert "delete_selected" not in [name for name, _ in actions]


def test_a_document_is_shown_read_only(admin_client, seed):
    page = admin_client.get(reverse("admin:sources_document_change", args=[seed.pk]))

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert f"document__id__exact={seed.pk}".encode() in page.content


def test_hostile_source_text_is_shown_as_text(admin_client):
    SourceFactory(title="<script>alert(1)</script>", publisher="=HYPERLINK(1)")

    page = admin_client.get(SOURCES).content

    assert b"<script>alert(1)</script>" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _delete_documents(client, documents, **data):
    return client.post(
        DOCUMENTS,
        {
            "action": "delete_documents",
            "_selected_action": [d.pk for d in documents],
            "apply": "1",
            **data,
        },
        follow=True,
    )


def test_an_unreviewed_document_is_deleted_through_the_service_with_its_reason(
    admin_client, admin_user
):
    from claims.services import document_import

    document = document_import(name="draft.txt", data=b"One.[1]\nTwo.[2]\n").document

    response = _delete_documents(admin_client, [document], reason="Imported by mistake.")

    assert b"1 document deleted." in response.content
    assert not Document.objects.filter(pk=document.pk).exists()
    event = AuditEvent.objects.get(action="document.delete")
    assert (event.actor, event.reason) == (admin_user, "Imported by mistake.")
    assert event.before["claims"] == 2 and event.before["sources"] == 2


def test_a_document_with_reviewed_claims_is_not_deleted(admin_client, seed, bob):
    from claims.models import Claim
    from claims.services import claim_decide

    claim = Claim.objects.get(document=seed, line=1)
    claim_decide(claim=claim, actor=bob, verdict="disputed", version=1, rationale="Unclear.")

    response = _delete_documents(admin_client, [seed], reason="Tidy up.")

    assert b"has 1 decisions on its claims" in response.content
    assert Document.objects.filter(pk=seed.pk).exists()
    assert not AuditEvent.objects.filter(action="document.delete").exists()


def test_deleting_a_document_needs_a_reason(admin_client, seed):
    response = _delete_documents(admin_client, [seed], reason="")

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert Document.objects.filter(pk=seed.pk).exists()
    assert not AuditEvent.objects.filter(action="document.delete").exists()


def test_a_staff_user_without_the_permission_has_no_delete_action(client, staff_viewer):
    client.force_login(staff_viewer)

    form = client.get(DOCUMENTS).context["action_form"]

    actions = [name for name, _ in form.fields["action"].choices] if form else []
    assert "delete_documents" not in actions


def test_an_admin_form_saved_over_a_newer_edit_is_refused(admin_client, admin_user):
    """Two tabs: an edit lands while the admin's form is open; saving the form changes nothing."""
    source = SourceFactory(title="")
    url = reverse("admin:sources_source_change", args=[source.pk])
    opened = change_data(source, seen_version=source.version)
    source_update(source=source, actor=admin_user, reason="Found it", title="Decree")
    since = last_event_id()

    response = admin_client.post(
        url, {**opened, "reliability": Reliability.DEPRECATED, "reason": "Unreliable"}
    )

    assert response.status_code == 200
    assert "changed title" in response.content.decode()
    assert new_events(since) == []
    source.refresh_from_db()
    assert (source.title, source.reliability) == ("Decree", Reliability.UNRATED)


def test_document_and_source_pages_link_to_their_own_audit_events(admin_client, seed):
    source = seed.sources.order_by("id").first()
    pages = {
        "sources.document": reverse("admin:sources_document_change", args=[seed.pk]),
        "sources.source": reverse("admin:sources_source_change", args=[source.pk]),
    }
    for object_type, url in pages.items():
        pk = seed.pk if object_type == "sources.document" else source.pk

        page = admin_client.get(url).content.decode()

        assert f"?object_type={object_type}&amp;object_id={pk}" in page
