"""Document services: delete a document nobody has reviewed."""

from django.core.exceptions import ValidationError
from django.db import transaction

from claims.models import ClaimNote, Decision
from claims.services.rules import reason_required
from sources.models import Document
from workbench.audit import audit_log
from workbench.permissions import require_perm


def document_delete(*, document: Document, actor, reason: str) -> None:
    """Delete a document with its claims, citations and sources, if nobody has reviewed it yet.

    A document any claim of which has a decision is refused: its history must stay (withdraw
    claims instead). The deletion is audited with what it removed.
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
