"""The rules every write to a claim checks, shared by the review and attribution services.

A claim must be open (not locked, not withdrawn); a write carries the version its author saw and
bumps it in the same UPDATE; an editorial reason is given where one is required.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from claims.models import Claim, Verdict
from claims.selectors import describe_event
from claims.verdicts import Suggestion
from workbench.audit import audit_log
from workbench.conflicts import StaleEdit
from workbench.models import AuditEvent


class StaleVersion(StaleEdit):
    """The claim changed after the reviewer opened it; says who changed it, when and how."""

    unknown_change = "changed this claim"
    advice = "Look again, then decide."

    def __init__(self, claim: Claim, seen_version: int) -> None:
        self.claim = claim
        super().__init__(claim, seen_version)

    def describe_change(self, event: AuditEvent) -> str:
        return describe_event(event)


@dataclass(frozen=True)
class AssessmentInput:
    """What a reviewer says one cited source says of the claim."""

    stance: str
    quote: str = ""
    page: str = ""


def refuse_if_closed(claim: Claim) -> None:
    if claim.locked:
        raise ValidationError(
            f"Claim {claim.pk} is locked: an editor must reopen it first.", code="locked"
        )
    if claim.withdrawn_at is not None:
        raise ValidationError(
            f"Claim {claim.pk} was withdrawn: its line is no longer in the document.",
            code="withdrawn",
        )


def bump(claim: Claim, seen_version: int | None = None, **changes) -> Claim:
    """Bump the claim's version in one UPDATE, checking the version the actor saw if given."""
    rows = Claim.objects.filter(pk=claim.pk, locked=False, withdrawn_at__isnull=True)
    if seen_version is not None:
        rows = rows.filter(version=seen_version)
    now = timezone.now()
    if not rows.update(version=F("version") + 1, updated_at=now, **changes):
        current = Claim.objects.get(pk=claim.pk)
        refuse_if_closed(current)
        raise StaleVersion(current, seen_version if seen_version is not None else claim.version)
    if seen_version is not None and claim.version == seen_version:
        # The row was the copy in hand: apply the change to it rather than read it again.
        for name, value in {**changes, "version": seen_version + 1, "updated_at": now}.items():
            setattr(claim, name, value)
    else:
        claim.refresh_from_db()
    return claim


def rationale_required(*, verdict: str, current: str, suggestion: Suggestion) -> str:
    """Return why a rationale is required for this decision, or "" if it is not."""
    if verdict in (Verdict.DISPUTED, Verdict.REFUTED):
        return f"A rationale is required to mark a claim {verdict}."
    if current != Verdict.UNREVIEWED and verdict != current:
        return f"A rationale is required to change the verdict from {current}."
    if verdict != (suggestion.verdict or Verdict.UNREVIEWED) and verdict != Verdict.UNREVIEWED:
        return (
            f"A rationale is required when the verdict differs from the suggestion "
            f"({suggestion.label.lower()})."
        )
    return ""


def claim_update(current: Claim, actor, action: str, changes: dict, reason: str) -> Claim:
    """Apply `changes` to a locked-for-update claim, bump its version, and audit it."""
    before = {name: getattr(current, name) for name in changes}
    Claim.objects.filter(pk=current.pk).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    current.refresh_from_db()
    audit_log(
        actor=actor,
        action=action,
        obj=current,
        before=before,
        after={**changes, "version": current.version},
        reason=reason,
    )
    return current


def reason_required(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason: it is kept in the audit trail."})
    return reason.strip()
