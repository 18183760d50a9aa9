"""The admin of claims, citations, decisions and assessments: every edit through the services."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.urls import reverse

from claims.exports import claims_csv
from claims.models import Assessment, Attribution, Citation, Claim, Decision, Position
from claims.services import (
    AssessmentInput,
    citation_confirm,
    citation_detach,
    citation_move,
    claim_decide,
    claim_lock,
    claim_reopen,
    claim_withdraw,
)
from tests.conftest import queries
from tests.factories import CitationFactory, ClaimFactory, DocumentFactory, UserFactory
from workbench.models import AuditEvent
from workbench.roles import VIEWERS

CLAIMS = reverse("admin:claims_claim_changelist")
CITATIONS = reverse("admin:claims_citation_changelist")
DECISIONS = reverse("admin:claims_decision_changelist")
ASSESSMENTS = reverse("admin:claims_assessment_changelist")


def audit_fields(event: AuditEvent, *, skip: tuple[str, ...] = ()) -> dict:
    fields = {
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "actor": event.actor_id,
        "before": event.before,
        "after": {k: v for k, v in (event.after or {}).items() if k not in skip},
        "reason": event.reason,
    }
    return fields


class _Rollback(Exception):
    pass


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def new_events(since: int, **kwargs) -> list[dict]:
    return [
        audit_fields(e, **kwargs) for e in AuditEvent.objects.filter(id__gt=since).order_by("id")
    ]


def service_events(call, **kwargs) -> list[dict]:
    """Return the audit events `call` writes, then roll its changes back."""
    since = last_event_id()
    events: list[dict] = []
    try:
        with transaction.atomic():
            call()
            events = new_events(since, **kwargs)
            raise _Rollback
    except _Rollback:
        pass
    return events


def act(client, url: str, action: str, pks, **data):
    return client.post(url, {"action": action, "index": "0", "_selected_action": list(pks), **data})


def decide(claim: Claim, actor, verdict: str = "corroborated") -> Decision:
    claim.refresh_from_db()
    citations = list(claim.citations.all())
    return claim_decide(
        claim=claim,
        actor=actor,
        verdict=verdict,
        version=claim.version,
        rationale="Read the report",
        assessments={c.pk: AssessmentInput(stance="supports") for c in citations},
    )


def claim_with(n_citations: int, n_decisions: int, actor) -> Claim:
    claim = ClaimFactory()
    CitationFactory.create_batch(n_citations, claim=claim)
    for i in range(n_decisions):
        decide(claim, actor, "corroborated" if i % 2 == 0 else "disputed")
    return claim


def lock_form(claim: Claim, **data) -> dict:
    form = {
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "0",
        "decisions-TOTAL_FORMS": "0",
        "decisions-INITIAL_FORMS": "0",
        "decisions-MIN_NUM_FORMS": "0",
        "decisions-MAX_NUM_FORMS": "0",
    }
    form.update(data)
    return form


@pytest.fixture
def staff_viewer(db):
    """A staff user with the Viewers' permissions and claims.change_claim, but no lock."""
    user = UserFactory(username="dora", is_staff=True)
    user.groups.add(Group.objects.get(name=VIEWERS))
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="claims", codename="change_claim")
    )
    return user


# --- Lists and forms open fast -----------------------------------------------------------


@pytest.mark.parametrize("url", [CLAIMS, CITATIONS, DECISIONS, ASSESSMENTS])
def test_each_changelist_runs_the_same_queries_at_5_and_at_50_rows(admin_client, admin_user, url):
    for _ in range(5):
        claim_with(1, 1, admin_user)
    small = queries(admin_client, url)
    for _ in range(45):
        claim_with(1, 1, admin_user)
    assert Decision.objects.count() == Assessment.objects.count() == 50

    assert queries(admin_client, url) == small


def test_the_claim_form_runs_the_same_queries_at_5_and_at_50_citations_and_decisions(
    admin_client, admin_user
):
    few, many = claim_with(5, 5, admin_user), claim_with(50, 50, admin_user)

    small = queries(admin_client, reverse("admin:claims_claim_change", args=[few.pk]))
    large = queries(admin_client, reverse("admin:claims_claim_change", args=[many.pk]))

    assert large == small


def test_the_decision_form_runs_the_same_queries_at_5_and_at_50_assessments(
    admin_client, admin_user
):
    few, many = claim_with(5, 1, admin_user), claim_with(50, 1, admin_user)
    urls = [
        reverse("admin:claims_decision_change", args=[claim.last_decision_id])
        for claim in Claim.objects.filter(pk__in=[few.pk, many.pk]).order_by("pk")
    ]

    assert queries(admin_client, urls[0]) == queries(admin_client, urls[1])


def test_the_citation_and_assessment_forms_open(admin_client, admin_user):
    claim = claim_with(1, 1, admin_user)
    citation = claim.citations.get()
    assessment = Assessment.objects.get()

    for url in (
        reverse("admin:claims_citation_change", args=[citation.pk]),
        reverse("admin:claims_assessment_change", args=[assessment.pk]),
    ):
        page = admin_client.get(url)
        assert page.status_code == 200
        assert b'name="_save"' not in page.content


def test_the_claim_form_shows_citations_in_order_decisions_and_the_history_link(admin_client, seed):
    claim = Claim.objects.get(document=seed, line=6)

    page = admin_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()

    assert page.index("[31]") < page.index("[32]")
    assert f"?object_type=claims.claim&amp;object_id={claim.pk}" in page
    assert 'name="citations-0-order"' not in page  # the order is read-only


# --- Search and filters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "lines"),
    [
        ("verdict__exact=corroborated", [2]),
        ("locked__exact=1", [5]),
        ("attribution=settled", [1, 3, 4, 10, 13, 14, 18, 21, 24]),
        ("withdrawn=yes", [7]),
        ("q=covert+mobilization", [6]),
    ],
)
def test_search_and_each_claim_filter_narrow_the_list(admin_client, admin_user, seed, query, lines):
    decide(Claim.objects.get(document=seed, line=2), admin_user)
    claim_lock(claim=Claim.objects.get(document=seed, line=5), actor=admin_user, reason="x")
    claim_withdraw(claim=Claim.objects.get(document=seed, line=7), actor=admin_user, reason="x")
    DocumentFactory()

    response = admin_client.get(f"{CLAIMS}?document__id__exact={seed.pk}&{query}")

    assert sorted(c.line for c in response.context["cl"].result_list) == lines


def test_the_document_filter_and_the_id_search_narrow_the_claims(admin_client, seed):
    other = ClaimFactory()

    by_document = admin_client.get(f"{CLAIMS}?document__id__exact={other.document_id}")
    by_id = admin_client.get(f"{CLAIMS}?q={other.pk}")

    assert list(by_document.context["cl"].result_list) == [other]
    assert other in list(by_id.context["cl"].result_list)


@pytest.mark.parametrize(
    ("query", "expected"),
    [("position__exact=leading", 2), ("attribution__exact=as_printed", 2), ("q=31", 1)],
)
def test_search_and_each_citation_filter_narrow_the_list(admin_client, seed, query, expected):
    line6 = Claim.objects.get(document=seed, line=6)

    response = admin_client.get(f"{CITATIONS}?q={line6.pk}&{query}")

    assert len(response.context["cl"].result_list) == expected


@pytest.mark.parametrize(
    ("url", "query", "expected"),
    [
        (DECISIONS, "verdict_to__exact=disputed", 1),
        (DECISIONS, "verdict_from__exact=unreviewed", 2),
        (DECISIONS, "q=admin", 3),
        (DECISIONS, "q=report", 3),
        (ASSESSMENTS, "stance__exact=supports", 3),
        (ASSESSMENTS, "stance__exact=refutes", 0),
    ],
)
def test_search_and_each_history_filter_narrow_the_list(
    admin_client, admin_user, url, query, expected
):
    claim_with(1, 2, admin_user)
    claim_with(1, 1, admin_user)
    actor_filter = f"actor__id__exact={admin_user.pk}"

    response = admin_client.get(f"{url}?{query}")
    by_actor = admin_client.get(f"{DECISIONS}?{actor_filter}")

    assert len(response.context["cl"].result_list) == expected
    assert len(by_actor.context["cl"].result_list) == 3


# --- Edits go through the services -------------------------------------------------------


def test_locking_a_claim_in_its_form_writes_the_event_claim_lock_writes(admin_client, admin_user):
    claim = ClaimFactory()
    expected = service_events(
        lambda: claim_lock(claim=claim, actor=admin_user, reason="Under legal review")
    )
    since = last_event_id()

    response = admin_client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]),
        lock_form(claim, locked="on", reason="Under legal review"),
    )

    assert response.status_code == 302
    assert new_events(since) == expected
    assert expected[0]["action"] == "claim.lock"
    claim.refresh_from_db()
    assert claim.locked


def test_reopening_a_claim_in_its_form_writes_the_event_claim_reopen_writes(
    admin_client, admin_user
):
    claim = ClaimFactory()
    claim_lock(claim=claim, actor=admin_user, reason="hold")
    expected = service_events(lambda: claim_reopen(claim=claim, actor=admin_user, reason="done"))
    since = last_event_id()

    response = admin_client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]), lock_form(claim, reason="done")
    )

    assert response.status_code == 302
    assert new_events(since) == expected
    claim.refresh_from_db()
    assert not claim.locked


def test_locking_without_a_reason_is_a_form_error_and_changes_nothing(admin_client):
    claim = ClaimFactory()
    since = last_event_id()

    response = admin_client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]), lock_form(claim, locked="on")
    )

    assert response.status_code == 200
    assert "Give a reason" in str(response.context["adminform"].form.errors["reason"])
    claim.refresh_from_db()
    assert not claim.locked
    assert new_events(since) == []


@pytest.mark.parametrize(
    ("action", "service", "locked_before"),
    [("lock_claims", claim_lock, False), ("reopen_claims", claim_reopen, True)],
)
def test_the_lock_actions_write_the_events_the_services_write(
    admin_client, admin_user, action, service, locked_before
):
    claims = ClaimFactory.create_batch(2)
    if locked_before:
        for claim in claims:
            claim_lock(claim=claim, actor=admin_user, reason="hold")

    def run():
        for claim in claims:
            service(claim=claim, actor=admin_user, reason="Quarterly sweep")

    expected = service_events(run)
    since = last_event_id()

    response = act(
        admin_client, CLAIMS, action, [c.pk for c in claims], reason="Quarterly sweep", apply="1"
    )

    assert response.status_code == 302
    assert len(expected) == 2
    assert new_events(since) == expected
    assert set(Claim.objects.values_list("locked", flat=True)) == {not locked_before}


def test_the_withdraw_action_writes_the_event_claim_withdraw_writes(admin_client, admin_user):
    claim = ClaimFactory()
    expected = service_events(
        lambda: claim_withdraw(claim=claim, actor=admin_user, reason="Duplicate line"),
        skip=("withdrawn_at",),
    )
    since = last_event_id()

    response = act(
        admin_client, CLAIMS, "withdraw_claims", [claim.pk], reason="Duplicate line", apply="1"
    )

    assert response.status_code == 302
    assert new_events(since, skip=("withdrawn_at",)) == expected
    assert expected[0]["action"] == "claim.withdraw"
    claim.refresh_from_db()
    assert claim.withdrawn_at is not None


@pytest.mark.parametrize("action", ["lock_claims", "reopen_claims", "withdraw_claims"])
def test_a_claim_action_first_asks_for_a_reason_and_without_one_changes_nothing(
    admin_client, admin_user, action
):
    claim = ClaimFactory()
    if action == "reopen_claims":
        claim_lock(claim=claim, actor=admin_user, reason="hold")
    claim.refresh_from_db()
    since = last_event_id()

    asked = act(admin_client, CLAIMS, action, [claim.pk])
    refused = act(admin_client, CLAIMS, action, [claim.pk], reason="  ", apply="1")

    assert asked.status_code == 200
    assert b"Reason for change" in asked.content
    assert refused.status_code == 200
    assert refused.context["form"].errors["reason"]
    assert new_events(since) == []
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.locked, fresh.withdrawn_at, fresh.version) == (
        claim.locked,
        claim.withdrawn_at,
        claim.version,
    )


def test_a_lock_action_reports_the_claims_a_service_refused(admin_client, admin_user):
    locked, open_ = ClaimFactory.create_batch(2)
    claim_lock(claim=locked, actor=admin_user, reason="hold")

    response = act(
        admin_client, CLAIMS, "lock_claims", [locked.pk, open_.pk], reason="sweep", apply="1"
    )

    notes = [str(m) for m in response.wsgi_request._messages]
    assert "1 claim locked." in notes
    assert any("1 left unchanged" in n and "already locked" in n for n in notes)


def test_claims_cannot_be_added_or_deleted(admin_client):
    claim = ClaimFactory()

    assert admin_client.get(reverse("admin:claims_claim_add")).status_code == 403
    delete = reverse("admin:claims_claim_delete", args=[claim.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    actions = admin_client.get(CLAIMS).context["action_form"].fields["action"].choices
    assert "delete_selected" not in [name for name, _ in actions]
    assert "withdraw_claims" in [name for name, _ in actions]
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_the_csv_action_writes_what_the_export_writer_writes(admin_client, admin_user, seed):
    decide(Claim.objects.get(document=seed, line=2), admin_user)
    chosen = Claim.objects.filter(document=seed, line__in=[2, 6, 27])

    response = act(admin_client, CLAIMS, "export_csv", [c.pk for c in chosen])

    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert body == "".join(claims_csv(Claim.objects.filter(pk__in=[c.pk for c in chosen])))
    rows = list(csv.reader(io.StringIO(body)))
    assert [row[2] for row in rows[1:]] == ["2", "6", "27"]


def test_the_attribution_action_counts_what_awaits_a_check_and_writes_nothing(admin_client, seed):
    pks = list(Claim.objects.filter(document=seed).values_list("pk", flat=True))
    claims = Claim.objects.filter(document=seed).attribution_pending().count()
    pending = Citation.objects.pending().filter(claim__document=seed).count()
    since = last_event_id()

    response = act(admin_client, CLAIMS, "check_attribution", pks)
    one = act(
        admin_client, CLAIMS, "check_attribution", [Claim.objects.get(document=seed, line=6).pk]
    )

    notes = [str(m) for m in response.wsgi_request._messages]
    assert f"{claims} of the selected claims await a check ({pending} leading" in notes[0]
    one_notes = [str(m) for m in one.wsgi_request._messages]
    assert any(
        "1 of the selected claims await a check (2 leading footnotes pending)" in n
        for n in one_notes
    )
    assert new_events(since) == []


@pytest.mark.parametrize(
    ("action", "service", "actions"),
    [
        ("confirm_citations", citation_confirm, ["citation.confirm"]),
        ("detach_citations", citation_detach, ["citation.detach"]),
        ("move_citations", citation_move, ["citation.move", "citation.receive"]),
    ],
)
def test_the_citation_actions_write_the_events_the_services_write(
    admin_client, admin_user, seed, action, service, actions
):
    citation = Citation.objects.get(claim__document=seed, claim__line=6, source__label="31")
    expected = service_events(
        lambda: service(citation=citation, actor=admin_user, reason="Checked the archive")
    )
    since = last_event_id()

    response = act(
        admin_client, CITATIONS, action, [citation.pk], reason="Checked the archive", apply="1"
    )

    assert response.status_code == 302
    assert [e["action"] for e in expected] == actions
    assert new_events(since) == expected
    citation.refresh_from_db()
    assert citation.attribution != Attribution.AS_PRINTED


def test_a_citation_action_without_a_reason_changes_nothing(admin_client, seed):
    citation = Citation.objects.get(claim__document=seed, claim__line=6, source__label="31")
    since = last_event_id()

    response = act(admin_client, CITATIONS, "move_citations", [citation.pk], reason="", apply="1")

    assert response.status_code == 200
    assert new_events(since) == []
    citation.refresh_from_db()
    assert (citation.attribution, citation.position) == (Attribution.AS_PRINTED, Position.LEADING)


# --- History is view-only; permissions -------------------------------------------------


@pytest.mark.parametrize("model", ["decision", "assessment"])
def test_history_cannot_be_added_changed_or_deleted_even_by_a_superuser(
    admin_client, admin_user, model
):
    claim_with(1, 1, admin_user)
    obj = (Decision if model == "decision" else Assessment).objects.get()
    change = reverse(f"admin:claims_{model}_change", args=[obj.pk])

    assert admin_client.get(reverse(f"admin:claims_{model}_add")).status_code == 403
    assert admin_client.post(change, {"rationale": "rewritten", "quote": "x"}).status_code == 403
    delete = reverse(f"admin:claims_{model}_delete", args=[obj.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = admin_client.get(reverse(f"admin:claims_{model}_changelist"))
    assert changelist.context["action_form"] is None
    assert (Decision if model == "decision" else Assessment).objects.filter(pk=obj.pk).exists()


def test_a_staff_user_without_the_editor_permission_cannot_lock_a_claim(client, staff_viewer):
    claim = ClaimFactory()
    client.force_login(staff_viewer)
    url = reverse("admin:claims_claim_change", args=[claim.pk])

    form = client.get(url)
    posted = client.post(url, lock_form(claim, locked="on", reason="because"))
    actions = client.get(CLAIMS).context["action_form"].fields["action"].choices
    action = act(client, CLAIMS, "lock_claims", [claim.pk], reason="because", apply="1")

    assert 'name="locked"' not in form.content.decode()
    assert posted.status_code == 302
    assert "lock_claims" not in [name for name, _ in actions]
    assert "withdraw_claims" in [name for name, _ in actions]
    assert action.status_code in (200, 302)
    claim.refresh_from_db()
    assert not claim.locked
    assert not AuditEvent.objects.exists()


def test_hostile_claim_text_is_shown_as_text(admin_client):
    ClaimFactory(text="<script>alert(1)</script> =HYPERLINK(1)")

    page = admin_client.get(CLAIMS).content

    assert b"<script>alert(1)</script>" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page
