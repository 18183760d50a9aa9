"""A discussion thread per claim: append-only notes, in the history, @mentions on dashboards."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from claims.models import ClaimNote, NoteMention
from claims.services import claim_note_add, document_delete
from claims.services.notes import mentioned_users
from tests.claims.support import at
from tests.conftest import member
from workbench.actions import AuditAction
from workbench.audit import audit_verify
from workbench.models import AuditEvent
from workbench.roles import ADMINS, REVIEWERS


@pytest.fixture
def dora(db):
    return member("dora", REVIEWERS)


def test_a_note_is_kept_with_its_author_and_audited(seed, bob, dora):
    claim = at(seed, 4)

    note = claim_note_add(
        claim=claim, author=bob, text="  @dora, the 30,000 figure is from Mediazona?  "
    )

    assert note.text == "@dora, the 30,000 figure is from Mediazona?"
    assert list(note.mentions.values_list("user__username", flat=True)) == ["dora"]
    event = AuditEvent.objects.get(action=AuditAction.CLAIM_NOTE)
    assert event.object_id == str(claim.pk) and event.actor == bob
    assert event.after == {"note": note.pk, "text": note.text, "mentions": ["dora"]}
    assert audit_verify().ok


def test_mentions_are_users_named_after_an_at_sign_not_e_mail_addresses(db, bob, dora):
    names = [u.username for u in mentioned_users("ask @dora. or bob@dora.org, @nobody, @bob")]
    assert names == ["dora", "bob"]


def test_an_empty_note_or_a_viewers_note_is_refused(seed, bob, charlie):
    with pytest.raises(ValidationError, match="Write something"):
        claim_note_add(claim=at(seed, 1), author=bob, text="   ")
    with pytest.raises(PermissionDenied):
        claim_note_add(claim=at(seed, 1), author=charlie, text="Looks fine to me.")
    assert not ClaimNote.objects.exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE claims_claimnote SET text = 'edited'",
        "DELETE FROM claims_claimnote",
        "UPDATE claims_notemention SET user_id = user_id",
        "DELETE FROM claims_notemention",
    ],
)
def test_the_database_refuses_to_change_a_note_once_posted(seed, bob, dora, sql):
    claim_note_add(claim=at(seed, 4), author=bob, text="@dora: check the toll.")

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)

    assert ClaimNote.objects.get().text == "@dora: check the toll."
    assert NoteMention.objects.count() == 1


def test_the_claim_page_shows_the_thread_and_the_history_the_note(client, seed, bob, dora):
    claim = at(seed, 4)
    claim_note_add(claim=claim, author=bob, text="First: where is the figure from?")
    claim_note_add(claim=claim, author=dora, text="Second: Mediazona, 12 May.")
    client.force_login(bob)

    html = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()

    thread = html[html.index('id="discussion"') :]
    assert thread.index("First: where") < thread.index("Second: Mediazona")
    history = html[html.index('id="history-title"') :]
    assert (
        "dora</strong>\n        wrote a note" in history and "Second: Mediazona, 12 May." in history
    )


def test_posting_a_note_from_the_page(client, seed, bob):
    claim = at(seed, 4)
    client.force_login(bob)

    response = client.post(reverse("claims:note", args=[claim.pk]), {"text": "Needs @bob."})

    assert response.status_code == 302
    assert response["Location"] == reverse("claims:detail", args=[claim.pk]) + "#discussion"
    assert ClaimNote.objects.get().text == "Needs @bob."
    assert not NoteMention.objects.exists()  # naming yourself is no mention


def test_a_note_posted_with_the_review_form_keeps_the_draft(client, seed, bob):
    claim = at(seed, 4)
    client.force_login(bob)
    data = {"text": "Asking around.", "rationale": "Half-written", "version": 1}

    client.post(reverse("claims:note", args=[claim.pk]), data)

    page = client.get(reverse("claims:detail", args=[claim.pk]))
    assert page.context["form"]["rationale"].value() == "Half-written"


def test_an_empty_note_from_the_page_is_refused_with_400(client, seed, bob):
    client.force_login(bob)
    response = client.post(reverse("claims:note", args=[at(seed, 4).pk]), {"text": " "})
    assert response.status_code == 400
    assert not ClaimNote.objects.exists()


def test_a_viewer_reads_the_thread_but_cannot_post(client, seed, bob, charlie):
    claim = at(seed, 4)
    claim_note_add(claim=claim, author=bob, text="On hold until Monday.")
    client.force_login(charlie)
    html = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "On hold until Monday." in html and 'id="note-text"' not in html
    response = client.post(reverse("claims:note", args=[claim.pk]), {"text": "Me too."})
    assert response.status_code == 403


def test_a_mention_shows_on_the_dashboard_of_the_reviewer_named(client, seed, bob, dora):
    claim = at(seed, 4)
    claim_note_add(claim=claim, author=bob, text="@dora can you check the toll?")
    client.force_login(dora)

    html = client.get("/").content.decode()

    assert "Notes that mention you" in html
    assert "can you check the toll?" in html
    assert reverse("claims:detail", args=[claim.pk]) + "#discussion" in html
    client.force_login(bob)
    assert "Notes that mention you" not in client.get("/").content.decode()


def test_a_document_whose_claims_were_discussed_is_not_deleted(seed, bob):
    claim_note_add(claim=at(seed, 4), author=bob, text="Keep this.")
    admin = member("ada", ADMINS)
    with pytest.raises(ValidationError, match="notes"):
        document_delete(document=seed, actor=admin, reason="Imported by mistake.")
    assert ClaimNote.objects.exists()


def test_a_note_typed_beside_a_decision_is_posted_with_it(client, seed, bob):
    claim = at(seed, 1)
    client.force_login(bob)
    data = {"verdict": "disputed", "rationale": "Two outlets disagree.", "version": 1}

    client.post(reverse("claims:decide", args=[claim.pk]), {**data, "text": "@bob later."})

    claim.refresh_from_db()
    assert claim.verdict == "disputed"
    assert ClaimNote.objects.get(claim=claim).text == "@bob later."


def test_a_note_being_typed_survives_an_attribution_action(client, seed, bob):
    six = at(seed, 6)
    citation = six.citations.get(source__label="31")
    client.force_login(bob)
    data = {"version": 1, "rationale": "", "text": "@bob: [31] is a Meduza piece."}

    client.post(reverse("claims:citation-confirm", args=[six.pk, citation.pk]), data)

    html = client.get(reverse("claims:detail", args=[six.pk])).content.decode()
    assert "@bob: [31] is a Meduza piece.</textarea>" in html
    assert not ClaimNote.objects.exists()
