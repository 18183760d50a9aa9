"""AuditAction lists every action the services write, and the admin filters by each."""

from django.urls import reverse

from claims.models import Claim
from claims.selectors import describe_event
from claims.services import (
    citation_confirm,
    citation_detach,
    citation_move,
    citation_undo,
    claim_assign,
    claim_decide,
    claim_lock,
    claim_note_add,
    claim_publish,
    claim_reopen,
    claim_skip,
    claim_unpublish,
    claim_withdraw,
    document_delete,
    document_import,
    document_set_review_mode,
    user_roles_set,
)
from claims.services.evidence import source_snapshot_upload
from sources.services import source_update
from sources.snapshots import Upload
from workbench.actions import AuditAction
from workbench.models import AuditEvent

SEED = b"First sentence.[1]\n[2] Second sentence.[3]\n[4] Third sentence.[5]\n"


def run_every_service(editor, admin) -> None:
    """Call each service that writes an audit event once."""
    document = document_import(name="actions.txt", data=SEED).document
    first, second, third = Claim.objects.filter(document=document).order_by("line")
    citation_move(citation=second.citations.get(source__label="2"), actor=editor)
    citation_confirm(citation=third.citations.get(source__label="4"), actor=editor)
    citation_detach(citation=third.citations.get(source__label="5"), actor=editor)
    detached = AuditEvent.objects.filter(action=AuditAction.CITATION_DETACH).get()
    citation_undo(event_id=detached.pk, actor=editor)
    claim_skip(claim=second, actor=editor, reason="expert")
    claim_assign(claim=second, assignee=editor, actor=editor)
    claim_note_add(claim=second, author=editor, text="@admin: worth a second look.")
    user_roles_set(user=editor, roles=["Admins"], actor=admin, reason="Runs the desk now.")
    user_roles_set(user=editor, roles=["Editors"], actor=admin, reason="Back to editing.")
    first.refresh_from_db()
    claim_decide(
        claim=first, actor=editor, verdict="disputed", version=first.version, rationale="x"
    )
    claim_lock(claim=second, actor=editor, reason="Checking the wording.")
    claim_reopen(claim=second, actor=editor, reason="Checked.")
    claim_withdraw(claim=third, actor=admin, reason="Not in the article.")
    source_update(source=document.sources.get(label="1"), actor=editor, title="A report")
    spare = document_import(name="spare.txt", data=b"A sentence.[1]\n").document
    document_delete(document=spare, actor=admin, reason="Imported by mistake.")
    # A line a re-import drops is withdrawn; the next re-import that has it restores it.
    document_import(name="actions.txt", data=SEED.replace(b"Third sentence.[5]\n", b""))
    document_import(name="actions.txt", data=SEED)
    first.refresh_from_db()
    claim_publish(claim=first, actor=editor, version=first.version)
    first.refresh_from_db()
    claim_unpublish(claim=first, actor=editor, version=first.version, reason="Too early.")
    source_snapshot_upload(
        source=document.sources.get(label="1"),
        upload=Upload("copy.txt", b"A report."),
        actor=editor,
    )
    document_set_review_mode(document=document, actor=admin, double_review=True, reason="Pilot.")
    second.refresh_from_db()
    claim_decide(
        claim=second, actor=editor, verdict="corroborated", version=second.version, rationale="y"
    )


def test_the_services_write_exactly_the_listed_actions(db, alice, admin_user):
    run_every_service(alice, admin_user)

    written = set(AuditEvent.objects.values_list("action", flat=True))

    assert written == set(AuditAction.values)


def test_the_admin_filters_events_by_each_action(db, alice, admin_user, admin_client):
    run_every_service(alice, admin_user)
    url = reverse("admin:workbench_auditevent_changelist")

    page = admin_client.get(url).content.decode()
    for action in AuditAction:
        assert f"?action={action.value}" in page, action
        filtered = admin_client.get(url, {"action": action.value})
        assert filtered.status_code == 200
        shown = {event.action for event in filtered.context["cl"].result_list}
        assert shown == {action.value}, action


def test_every_event_about_a_claim_reads_as_a_sentence(db, alice, admin_user):
    """The claim page's history and the 409 page say what happened, never a raw action."""
    run_every_service(alice, admin_user)
    events = AuditEvent.objects.filter(object_type="claims.claim")
    assert {event.action for event in events} >= {"claim.restore", "claim.publish"}
    for event in events:
        assert describe_event(event) != event.action, event.action
