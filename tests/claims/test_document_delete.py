"""document_delete refuses a document whose claims, footnotes or sources have a history."""

import pytest
from django.core.exceptions import ValidationError

from claims.models import Citation, Claim
from claims.services import (
    citation_confirm,
    citation_detach,
    citation_move,
    claim_lock,
    document_delete,
    document_import,
)
from sources.models import Document, Source
from sources.services import source_update
from workbench.audit import audit_verify
from workbench.models import AuditEvent


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("root", password="x")


def _leading(seed) -> Citation:
    return Citation.objects.filter(claim__document=seed, position="leading").order_by("id")[0]


SETTLE = {
    "confirmed": lambda citation, actor: citation_confirm(
        citation=citation, actor=actor, reason="It closes this sentence."
    ),
    "moved": lambda citation, actor: citation_move(
        citation=citation, actor=actor, reason="It closed the sentence before."
    ),
    "detached": lambda citation, actor: citation_detach(
        citation=citation, actor=actor, reason="Its sentence is not in the file."
    ),
}


@pytest.mark.parametrize("settled", sorted(SETTLE))
def test_a_document_with_a_settled_footnote_stays_with_its_history(seed, admin, settled):
    SETTLE[settled](_leading(seed), admin)
    events = list(AuditEvent.objects.values_list("id", "hash"))

    with pytest.raises(ValidationError, match="audit events about its claims"):
        document_delete(document=seed, actor=admin, reason="Tidy up.")

    assert Document.objects.filter(pk=seed.pk).exists()
    assert Claim.objects.filter(document=seed).count() == 30
    assert list(AuditEvent.objects.values_list("id", "hash")) == events
    assert audit_verify().ok


def test_a_document_with_a_locked_claim_stays(seed, admin):
    claim_lock(claim=Claim.objects.get(document=seed, line=1), actor=admin, reason="Hold.")

    with pytest.raises(ValidationError, match="1 audit events"):
        document_delete(document=seed, actor=admin, reason="Tidy up.")

    assert Document.objects.filter(pk=seed.pk).exists()


def test_a_document_with_an_edited_source_stays(seed, admin):
    source_update(
        source=Source.objects.get(document=seed, label="19"),
        actor=admin,
        reason="Rated.",
        reliability="generally_reliable",
    )

    with pytest.raises(ValidationError, match="history stays"):
        document_delete(document=seed, actor=admin, reason="Tidy up.")

    assert Document.objects.filter(pk=seed.pk).exists()


def test_another_documents_history_does_not_hold_this_one(seed, admin):
    other = document_import(name="other.txt", data=b"Another sentence.[1]\n").document
    claim_lock(claim=Claim.objects.get(document=seed, line=1), actor=admin, reason="Hold.")

    document_delete(document=other, actor=admin, reason="Imported by mistake.")

    assert not Document.objects.filter(pk=other.pk).exists()
    event = AuditEvent.objects.filter(action="document.delete").get()
    assert event.before["claims"] == 1 and event.reason == "Imported by mistake."
    assert audit_verify().ok
