"""Attribution services: confirm, move or detach a (leading) footnote.

Each takes the version of the claim its author saw (None only for admin actions, which act on
what the confirmation page showed) and locks the claim rows it changes in id order before it
reads anything it decides on: two reviewers settling one footnote, or moving footnotes onto one
claim, queue up instead of both writing what they read before the other's change.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from claims.models import Attribution, Citation, Claim, Verdict
from claims.selectors import claim_before
from claims.services.evidence import evidence_for_claim
from claims.services.rules import StaleVersion, bump, refuse_if_closed
from workbench.actions import AuditAction
from workbench.audit import audit_log
from workbench.permissions import require_perm


def _lock_claims(*ids: int) -> dict[int, Claim]:
    """Lock the claims `ids` in id order (the order every writer takes); return them by id."""
    rows = Claim.objects.select_for_update().filter(pk__in=set(ids)).order_by("pk")
    return {claim.pk: claim for claim in rows}


def _lock_citation(citation: Citation, claim: Claim, version: int | None) -> Citation:
    """Lock `citation` once its claim is locked; StaleVersion if it left the claim meanwhile."""
    current = (
        Citation.objects.select_for_update(of=("self",))
        .select_related("source")
        .get(pk=citation.pk)
    )
    if current.claim_id != claim.pk:
        raise StaleVersion(claim, version if version is not None else claim.version)
    return current


def _check_seen(claim: Claim, version: int | None) -> None:
    refuse_if_closed(claim)
    if version is not None and claim.version != version:
        raise StaleVersion(claim, version)


def _evidence_changed(claim: Claim) -> dict:
    """Return the change that marks a decided claim for re-review when its footnotes change.

    Its verdict was decided on sources it no longer has (or without one it now has): it stands
    until someone decides again, shown as needing re-review on the page, the list, the queue and
    the exports.
    """
    return {"needs_rereview": True} if claim.verdict != Verdict.UNREVIEWED else {}


def _settle(
    citation: Citation,
    actor,
    attribution: str,
    action: str,
    reason: str,
    version: int | None,
) -> Citation:
    require_perm(actor, "claims.change_citation", "settle the attribution of footnotes")
    with transaction.atomic():
        claim_id = Citation.objects.values_list("claim_id", flat=True).get(pk=citation.pk)
        claim = _lock_claims(claim_id)[claim_id]
        citation = _lock_citation(citation, claim, version)
        _check_seen(claim, version)
        if citation.attribution == attribution:
            raise ValidationError(
                f"Footnote [{citation.source.label}] is already "
                f"{citation.get_attribution_display().lower()}."
            )
        before = {
            "label": citation.source.label,
            "attribution": citation.attribution,
            "needs_rereview": claim.needs_rereview,  # what undoing it puts back
        }
        citation.attribution = attribution
        citation.save(update_fields=["attribution"])
        lost = attribution == Attribution.DETACHED
        bump(claim, version, **(_evidence_changed(claim) if lost else {}))
        audit_log(
            actor=actor,
            action=action,
            obj=claim,
            before=before,
            after={
                "label": citation.source.label,
                "attribution": attribution,
                "citation": citation.pk,
                "version": claim.version,
                "needs_rereview": claim.needs_rereview,
            },
            reason=reason.strip(),
        )
    return citation


def citation_confirm(
    *, citation: Citation, actor, reason: str = "", version: int | None = None
) -> Citation:
    """Confirm that a (leading) footnote belongs to the claim it is printed on."""
    return _settle(
        citation, actor, Attribution.CONFIRMED, AuditAction.CITATION_CONFIRM, reason, version
    )


def citation_detach(
    *, citation: Citation, actor, reason: str = "", version: int | None = None
) -> Citation:
    """Detach a footnote that closed a sentence not in the document; the row is kept."""
    return _settle(
        citation, actor, Attribution.DETACHED, AuditAction.CITATION_DETACH, reason, version
    )


def citation_move(
    *,
    citation: Citation,
    actor,
    to_claim: Claim | None = None,
    reason: str = "",
    version: int | None = None,
) -> Citation:
    """Move a footnote to the claim before it (the default) or another claim of its document.

    `version` is the version of the claim the footnote is on, as its author saw it.
    """
    require_perm(actor, "claims.change_citation", "move footnotes")
    with transaction.atomic():
        source_id = Citation.objects.values_list("claim_id", flat=True).get(pk=citation.pk)
        target = to_claim if to_claim is not None else claim_before(Claim.objects.get(pk=source_id))
        if target is None:
            raise ValidationError("There is no claim before this one to move the footnote to.")
        if target.pk == source_id:
            raise ValidationError("The footnote is already on this claim.")
        locked = _lock_claims(source_id, target.pk)
        source_claim, target = locked[source_id], locked[target.pk]
        citation = _lock_citation(citation, source_claim, version)
        _check_seen(source_claim, version)
        if target.document_id != source_claim.document_id:
            raise ValidationError("A footnote can only move to a claim of the same document.")
        refuse_if_closed(target)
        label = citation.source.label
        before = {
            "label": label,
            "claim": source_claim.pk,
            "order": citation.order,
            "attribution": citation.attribution,
        }
        # What undoing the move puts back (citation_undo).
        flags = {source_claim.pk: source_claim.needs_rereview, target.pk: target.needs_rereview}
        # Read under the target's lock: a concurrent move onto it waits, then reads our row.
        last = target.citations.aggregate(last=Max("order"))["last"]
        citation.claim = target
        citation.order = 0 if last is None else last + 1
        citation.attribution = Attribution.MOVED
        # The assessment was made against the other sentence; its history stays in Assessment.
        citation.assessment = None
        citation.save(update_fields=["claim", "order", "attribution", "assessment"])
        bump(source_claim, version, **_evidence_changed(source_claim))
        bump(target, **_evidence_changed(target))
        evidence_for_claim(target)  # the passages of its sources, ranked against this claim
        after = {
            "label": label,
            "claim": target.pk,
            "order": citation.order,
            "attribution": Attribution.MOVED,
            "citation": citation.pk,
        }
        reason = reason.strip()
        for action, claim in (
            (AuditAction.CITATION_MOVE, source_claim),
            (AuditAction.CITATION_RECEIVE, target),
        ):
            audit_log(
                actor=actor,
                action=action,
                obj=claim,
                before={**before, "needs_rereview": flags[claim.pk]},
                after={**after, "version": claim.version, "needs_rereview": claim.needs_rereview},
                reason=reason,
            )
    return citation


def citations_confirm_all(*, claim: Claim, actor, reason: str = "", version: int) -> list[Citation]:
    """Confirm every leading footnote of `claim` awaiting a check, in printed order.

    One transaction: each confirmation is its own audit event and bumps the version once, so
    the version seen must hold for the first and every one after it; all or none are confirmed.
    """
    with transaction.atomic():
        pending = list(Citation.objects.pending().filter(claim_id=claim.pk).order_by("order"))
        if not pending:
            raise ValidationError("No leading footnote of this claim awaits a check.")
        return [
            citation_confirm(citation=citation, actor=actor, reason=reason, version=version + i)
            for i, citation in enumerate(pending)
        ]
