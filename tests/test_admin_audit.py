"""The admin site itself, its large-table paginator, and the view-only audit trail."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim
from claims.services import claim_lock
from tests.conftest import queries
from tests.factories import ClaimFactory, DocumentFactory
from workbench.models import AuditEvent
from workbench.pagination import EstimatedCountPaginator

CHANGELIST = reverse("admin:workbench_auditevent_changelist")


def lock_claims(n: int, actor, document=None) -> list[Claim]:
    document = document or DocumentFactory()
    claims = ClaimFactory.create_batch(n, document=document)
    for claim in claims:
        claim_lock(claim=claim, actor=actor, reason="<script>alert(1)</script> hold")
    return claims


def test_the_admin_names_the_workbench_and_links_back_to_the_reviewer_ui(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert "The workbench: administration" in page
    assert "Run the workbench" in page
    assert '<a href="/" id="reviewer-ui-link">Back to the reviewer UI</a>' in page


def test_the_audit_changelist_runs_the_same_queries_at_5_and_at_50_events(admin_client, admin_user):
    lock_claims(5, admin_user)
    small = queries(admin_client, CHANGELIST)
    lock_claims(45, admin_user)
    assert AuditEvent.objects.count() == 50

    assert queries(admin_client, CHANGELIST) == small


def test_an_audit_event_opens_read_only_with_a_bounded_query_count(admin_client, admin_user):
    events = [AuditEvent.objects.get(object_id=c.pk) for c in lock_claims(2, admin_user)]
    urls = [reverse("admin:workbench_auditevent_change", args=[e.pk]) for e in events]
    counts = {queries(admin_client, url) for url in urls}
    page = admin_client.get(urls[0])

    assert len(counts) == 1
    assert b'name="_save"' not in page.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; hold" in page.content


def test_the_claim_history_link_lists_only_that_claims_events(admin_client, admin_user):
    first, second = lock_claims(2, admin_user)
    url = f"{CHANGELIST}?object_type=claims.claim&object_id={first.pk}"

    response = admin_client.get(url)

    assert [e.object_id for e in response.context["cl"].result_list] == [str(first.pk)]
    assert str(second.pk) not in [e.object_id for e in response.context["cl"].result_list]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=claim.lock", 2),
        ("action=claim.reopen", 0),
        ("object_type=claims.claim", 2),
        ("object_type=sources.source", 0),
        ("q=admin", 2),
        ("q=hold", 2),
        ("q=nothing-like-this", 0),
    ],
)
def test_each_audit_filter_and_the_search_narrow_the_list(
    admin_client, admin_user, query, expected
):
    lock_claims(2, admin_user)

    response = admin_client.get(f"{CHANGELIST}?{query}")

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == expected


def test_the_audit_trail_is_view_only_even_for_a_superuser(admin_client, admin_user):
    (claim,) = lock_claims(1, admin_user)
    event = AuditEvent.objects.get(object_id=claim.pk)
    change = reverse("admin:workbench_auditevent_change", args=[event.pk])

    assert admin_client.get(reverse("admin:workbench_auditevent_add")).status_code == 403
    assert admin_client.post(change, {"reason": "rewritten"}).status_code == 403
    delete = reverse("admin:workbench_auditevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    # No action at all: the delete-selected action is gone.
    assert admin_client.get(CHANGELIST).context["action_form"] is None
    event.refresh_from_db()
    assert event.reason == "<script>alert(1)</script> hold"


def test_the_paginator_caps_the_count_of_a_filtered_list(db, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "COUNT_CAP", 3)
    document = DocumentFactory()
    claims = ClaimFactory.create_batch(5, document=document)

    capped = EstimatedCountPaginator(Claim.objects.filter(document=document), 2)
    exact = EstimatedCountPaginator(Claim.objects.filter(pk__in=[c.pk for c in claims[:2]]), 2)

    assert (capped.count, capped.count_kind) == (3, "capped")
    assert (exact.count, exact.count_kind) == (2, "exact")


def test_the_paginator_counts_a_small_table_exactly(db):
    ClaimFactory.create_batch(3)

    paginator = EstimatedCountPaginator(Claim.objects.all(), 2)

    assert (paginator.count, paginator.count_kind) == (3, "exact")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_class estimates")
def test_a_large_unfiltered_table_is_counted_from_the_planners_estimate(admin_client, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 1)
    ClaimFactory.create_batch(7)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")

    response = admin_client.get(reverse("admin:claims_claim_changelist"))
    paginator = response.context["cl"].paginator

    assert paginator.count_kind == "estimate"
    assert paginator.count == 7
    assert b"about 7 claims" in response.content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_class estimates")
def test_the_claim_changelist_runs_no_count_when_the_estimate_is_used(admin_client, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 1)
    ClaimFactory.create_batch(7)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")

    with CaptureQueriesContext(connection) as ctx:
        admin_client.get(reverse("admin:claims_claim_changelist"))

    claim_counts = [
        q["sql"]
        for q in ctx.captured_queries
        if "COUNT(" in q["sql"] and "claims_claim" in q["sql"]
    ]
    assert claim_counts == []
