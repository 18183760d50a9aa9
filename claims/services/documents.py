"""Document services: delete a document nobody has reviewed or edited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from claims.models import Citation, Claim, ClaimNote, Decision
from claims.services.rules import reason_required
from sources.models import Document, Source
from workbench.audit import audit_log
from workbench.models import AuditEvent
from workbench.permissions import require_perm


def _history(document: Document) -> int:
    """Count the audit events about the document's claims, citations and sources."""
    targets = Q()
    for model, rows in (
        (Claim, Claim.objects.filter(document=document)),
        (Citation, Citation.objects.filter(claim__document=document)),
        (Source, Source.objects.filter(document=document)),
    ):
        ids = rows.annotate(key=Cast("pk", CharField())).values("key")
        targets |= Q(object_type=model._meta.label_lower, object_id__in=ids)
    return AuditEvent.objects.filter(targets).count()


def document_delete(*, document: Document, actor, reason: str) -> None:
    """Delete a document with its claims, citations and sources, if nobody has touched them.

    A document any claim of which has a decision is refused, and so is one whose claims,
    citations or sources have any audit event (a confirmed, moved or detached footnote, a
    locked claim, an edited source, a claim a re-import withdrew): their history must stay,
    and a deleted row would leave its events pointing nowhere (withdraw claims instead). The
    deletion is audited with what it removed.
    """
    require_perm(actor, "sources.delete_document", "delete documents")
    reason = reason_required(reason)
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        decided = Decision.objects.filter(claim__document=document).count()
        if decided:
            raise ValidationError(
                f"{document.name} has {decided} decisions on its claims: its history stays. "
                "Withdraw claims instead."
            )
        events = _history(document)
        if events:
            raise ValidationError(
                f"{document.name} has {events} audit events about its claims, footnotes or "
                "sources: their history stays. Withdraw claims instead."
            )
        # Notes are append-only history too (claims.services.notes).
        if ClaimNote.objects.filter(claim__document=document).exists():
            raise ValidationError(
                f"{document.name} has notes on its claims: its history stays. "
                "Withdraw claims instead."
            )
        before = {
            "name": document.name,
            "sha256": document.sha256,
            "claims": document.claims.count(),
            "sources": document.sources.count(),
        }
        audit_log(actor=actor, action="document.delete", obj=document, before=before, reason=reason)
        document.delete()
