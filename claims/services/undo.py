"""Undo an attribution action: put a confirmed, moved or detached footnote back as it was.

The undo is an action of its own, audited (`citation.restore`, naming the event it undoes) on
every claim it changes; nothing in the history is removed. It is refused once anything changed
since the action: the footnote is no longer where the action left it, or a claim it touched
has moved on from the version the action left (StaleVersion says who changed it).
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from claims.models import Assessment, Citation
from claims.selectors import UNDOABLE_ACTIONS
from claims.services.attribution import _lock_claims
from claims.services.rules import StaleVersion, bump, refuse_if_closed
from workbench.actions import AuditAction
from workbench.audit import audit_log
from workbench.models import AuditEvent
from workbench.permissions import require_perm


def _undoable_event(event_id: int) -> AuditEvent:
    event = AuditEvent.objects.filter(
        pk=event_id, object_type="claims.claim", action__in=UNDOABLE_ACTIONS
    ).first()
    if event is None or "citation" not in (event.after or {}):
        raise ValidationError("There is no footnote action to undo.")
    return event


def _receipt(event: AuditEvent) -> AuditEvent:
    """Return the `citation.receive` event written with a move, on the claim it moved to."""
    after = event.after
    receipt = (
        AuditEvent.objects.filter(
            pk__gt=event.pk,
            action=AuditAction.CITATION_RECEIVE,
            object_type="claims.claim",
            object_id=str(after["claim"]),
        )
        .order_by("pk")
        .first()
    )
    if receipt is None or (receipt.after or {}).get("citation") != after["citation"]:
        raise ValidationError("The record of this move is incomplete: it cannot be undone.")
    return receipt


def citation_undo(*, event_id: int, actor, reason: str = "") -> Citation:
    """Undo the footnote action of audit event `event_id` (a confirm, move or detach)."""
    require_perm(actor, "claims.change_citation", "settle the attribution of footnotes")
    with transaction.atomic():
        event = _undoable_event(event_id)
        moved = event.action == AuditAction.CITATION_MOVE
        before, after = event.before or {}, event.after
        receipt = _receipt(event) if moved else None
        home = int(event.object_id)  # the claim the action was taken on
        away = int(after["claim"]) if moved else home
        claims = _lock_claims(home, away)
        citation = (
            Citation.objects.select_for_update(of=("self",))
            .select_related("source")
            .get(pk=after["citation"])
        )
        label = citation.source.label
        if citation.claim_id != away or citation.attribution != after["attribution"]:
            raise ValidationError(
                f"Footnote [{label}] changed since: it cannot be undone. Settle it again."
            )
        # Each claim must be as the action left it; refuse_if_closed: locked or withdrawn since.
        seen = {home: after["version"]}
        if receipt is not None:
            seen[away] = receipt.after["version"]
        for pk, version in seen.items():
            refuse_if_closed(claims[pk])
            if claims[pk].version != version:
                raise StaleVersion(claims[pk], version)

        state = {"label": label, "claim": away, "attribution": citation.attribution}
        citation.attribution = before["attribution"]
        fields = ["attribution"]
        if moved:
            citation.claim_id, citation.order = home, before["order"]
            # Its assessments were made on the claim it comes back to: the latest one counts again.
            citation.assessment = (
                Assessment.objects.filter(citation=citation, decision__claim_id=home)
                .order_by("-id")
                .first()
            )
            fields += ["claim", "order", "assessment"]
        citation.save(update_fields=fields)
        flags = {home: before.get("needs_rereview")}
        if receipt is not None:
            flags[away] = (receipt.before or {}).get("needs_rereview")
        for pk, version in seen.items():
            # An event from before the flag was recorded leaves it as it is: re-review stays.
            restore = {} if flags[pk] is None else {"needs_rereview": flags[pk]}
            claim = bump(claims[pk], version, **restore)
            audit_log(
                actor=actor,
                action=AuditAction.CITATION_RESTORE,
                obj=claim,
                before=state,
                after={
                    "label": label,
                    "claim": home,
                    "attribution": citation.attribution,
                    "citation": citation.pk,
                    "undoes": event.pk,
                    "undone": event.action,
                    "version": claim.version,
                    "needs_rereview": claim.needs_rereview,
                },
                reason=reason.strip(),
            )
    return citation
