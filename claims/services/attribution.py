"""Attribution services: confirm, move or detach a (leading) footnote."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from claims.models import Attribution, Citation, Claim
from claims.selectors import claim_before
from claims.services.rules import bump, refuse_if_closed
from workbench.audit import audit_log
from workbench.permissions import require_perm


def _settle(citation: Citation, actor, attribution: str, action: str, reason: str) -> Citation:
    require_perm(actor, "claims.change_citation", "settle the attribution of footnotes")
    with transaction.atomic():
        citation = Citation.objects.select_related("claim", "source").get(pk=citation.pk)
        claim = citation.claim
        refuse_if_closed(claim)
        if citation.attribution == attribution:
            raise ValidationError(
                f"Footnote [{citation.source.label}] is already {citation.get_attribution_display().lower()}."
            )
        before = {"label": citation.source.label, "attribution": citation.attribution}
        citation.attribution = attribution
        citation.save(update_fields=["attribution"])
        bump(claim)
        audit_log(
            actor=actor,
            action=action,
            obj=claim,
            before=before,
            after={
                "label": citation.source.label,
                "attribution": attribution,
                "citation": citation.pk,
            },
            reason=reason.strip(),
        )
    return citation


def citation_confirm(*, citation: Citation, actor, reason: str = "") -> Citation:
    """Confirm that a (leading) footnote belongs to the claim it is printed on."""
    return _settle(citation, actor, Attribution.CONFIRMED, "citation.confirm", reason)


def citation_detach(*, citation: Citation, actor, reason: str = "") -> Citation:
    """Detach a footnote that closed a sentence not in the document; the row is kept."""
    return _settle(citation, actor, Attribution.DETACHED, "citation.detach", reason)


def citation_move(
    *, citation: Citation, actor, to_claim: Claim | None = None, reason: str = ""
) -> Citation:
    """Move a footnote to the claim before it (the default) or another claim of its document."""
    require_perm(actor, "claims.change_citation", "move footnotes")
    with transaction.atomic():
        citation = Citation.objects.select_related("claim", "source").get(pk=citation.pk)
        source_claim = citation.claim
        refuse_if_closed(source_claim)
        target = to_claim if to_claim is not None else claim_before(source_claim)
        if target is None:
            raise ValidationError("There is no claim before this one to move the footnote to.")
        target = Claim.objects.get(pk=target.pk)
        if target.document_id != source_claim.document_id:
            raise ValidationError("A footnote can only move to a claim of the same document.")
        if target.pk == source_claim.pk:
            raise ValidationError("The footnote is already on this claim.")
        refuse_if_closed(target)
        label = citation.source.label
        before = {
            "label": label,
            "claim": source_claim.pk,
            "order": citation.order,
            "attribution": citation.attribution,
        }
        last = target.citations.aggregate(last=Max("order"))["last"]
        citation.claim = target
        citation.order = 0 if last is None else last + 1
        citation.attribution = Attribution.MOVED
        # The assessment was made against the other sentence; its history stays in Assessment.
        citation.assessment = None
        citation.save(update_fields=["claim", "order", "attribution", "assessment"])
        bump(source_claim)
        bump(target)
        after = {
            "label": label,
            "claim": target.pk,
            "order": citation.order,
            "attribution": Attribution.MOVED,
            "citation": citation.pk,
        }
        reason = reason.strip()
        audit_log(
            actor=actor,
            action="citation.move",
            obj=source_claim,
            before=before,
            after=after,
            reason=reason,
        )
        audit_log(
            actor=actor,
            action="citation.receive",
            obj=target,
            before=before,
            after=after,
            reason=reason,
        )
    return citation
