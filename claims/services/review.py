"""Review services: decide a claim, lock, reopen and withdraw it."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims.models import Assessment, Citation, Claim, Decision, Stance, Verdict
from claims.selectors import claim_suggestion
from claims.services.evidence import quotes_check
from claims.services.rules import (
    AssessmentInput,
    StaleVersion,
    bump,
    claim_update,
    rationale_required,
    reason_required,
    refuse_if_closed,
)
from workbench.audit import audit_log, decision_digests
from workbench.db import bulk_set
from workbench.permissions import require_perm
from workbench.validators import validate_http_url


def claim_decide(
    *,
    claim: Claim,
    actor,
    verdict: str,
    version: int,
    rationale: str = "",
    evidence_url: str = "",
    evidence_quote: str = "",
    assessments: Mapping[int, AssessmentInput] | None = None,
) -> Decision:
    """Record a reviewer's verdict on `claim`, with their assessments of its sources.

    `version` is the claim version the reviewer saw: if the claim changed since, StaleVersion
    says who changed it and nothing is stored. Raises ValidationError (nothing stored) for a
    missing rationale, an unknown verdict or stance, a citation of another claim, or a locked
    claim; PermissionDenied for a user without the Reviewers' permission.
    """
    require_perm(actor, "claims.add_decision", "record decisions")
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": f"Unknown verdict {verdict!r}."})
    assessments = dict(assessments or {})
    for item in assessments.values():
        if item.stance not in Stance.values:
            raise ValidationError({"assessments": f"Unknown stance {item.stance!r}."})
    rationale = rationale.strip()
    if evidence_url:
        try:
            validate_http_url(evidence_url)
        except ValidationError as exc:
            raise ValidationError({"evidence_url": exc.messages}) from None

    with transaction.atomic():
        current = Claim.objects.get(pk=claim.pk)
        refuse_if_closed(current)
        if current.version != version:
            raise StaleVersion(current, version)
        citations, suggestion = claim_suggestion(current, assessments)
        by_id = {c.pk: c for c in citations}
        unknown = set(assessments) - set(by_id)
        if unknown:
            raise ValidationError(
                {"assessments": f"Citations {sorted(unknown)} are not sources of this claim."}
            )
        why = rationale_required(verdict=verdict, current=current.verdict, suggestion=suggestion)
        if why and not rationale:
            raise ValidationError({"rationale": why})

        # The version is checked and bumped in the same UPDATE: of two reviewers who saw the
        # same version, the second matches no row and gets StaleVersion.
        verdict_from = current.verdict
        bump(current, version)
        now = timezone.now()
        decision = Decision.objects.create(
            claim=current,
            verdict_from=verdict_from,
            verdict_to=verdict,
            suggested=suggestion.verdict or "",
            rationale=rationale,
            evidence_url=evidence_url,
            evidence_quote=evidence_quote.strip(),
            actor=actor,
            at=now,
            claim_version=current.version,
        )
        rows = Assessment.objects.bulk_create(
            [
                Assessment(
                    citation_id=citation_id,
                    decision=decision,
                    stance=item.stance,
                    quote=item.quote.strip(),
                    page=item.page.strip(),
                    # What the reviewer had in front of them: the quote is checked against it.
                    snapshot_id=by_id[citation_id].source.snapshot_id,
                    actor=actor,
                    at=now,
                )
                for citation_id, item in assessments.items()
            ]
        )
        bulk_set(Citation, [(row.citation_id, row.pk) for row in rows], ["assessment_id"])
        quotes_check(rows)
        Claim.objects.filter(pk=current.pk).update(
            verdict=verdict, last_decision=decision, needs_rereview=False, source_changed=False
        )
        audit_log(
            actor=actor,
            action="claim.decide",
            obj=current,
            before={"verdict": verdict_from, "version": version},
            after={
                "verdict": verdict,
                "version": current.version,
                "decision": decision.pk,
                "suggested": suggestion.verdict or "",
                "evidence_url": evidence_url,
                "assessments": {by_id[row.citation_id].source.label: row.stance for row in rows},
                **decision_digests(decision, rows),
            },
            reason=rationale,
        )
    return decision


def _lock_current(claim: Claim, version: int | None) -> Claim:
    """Lock and return the claim row; StaleVersion if it moved on from the version seen."""
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    if version is not None and current.version != version:
        raise StaleVersion(current, version)
    return current


def claim_lock(*, claim: Claim, actor, reason: str, version: int | None = None) -> Claim:
    """Lock a claim: it refuses decisions until an editor reopens it.

    `version` is the claim version the editor saw (None for admin actions on a selection).
    """
    require_perm(actor, "claims.lock_claim", "lock claims")
    reason = reason_required(reason)
    with transaction.atomic():
        current = _lock_current(claim, version)
        if current.locked:
            raise ValidationError(f"Claim {current.pk} is already locked.")
        return claim_update(current, actor, "claim.lock", {"locked": True}, reason)


def claim_reopen(*, claim: Claim, actor, reason: str, version: int | None = None) -> Claim:
    """Reopen a locked claim for decisions (`version` as for claim_lock)."""
    require_perm(actor, "claims.lock_claim", "reopen claims")
    reason = reason_required(reason)
    with transaction.atomic():
        current = _lock_current(claim, version)
        if not current.locked:
            raise ValidationError(f"Claim {current.pk} is not locked.")
        return claim_update(current, actor, "claim.reopen", {"locked": False}, reason)


def claim_withdraw(*, claim: Claim, actor, reason: str) -> Claim:
    """Withdraw a claim by hand (what "delete" means for a claim: it and its history stay)."""
    require_perm(actor, "claims.change_claim", "withdraw claims")
    reason = reason_required(reason)
    with transaction.atomic():
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        if current.withdrawn_at is not None:
            raise ValidationError(f"Claim {current.pk} is already withdrawn.")
        changes = {"withdrawn_at": timezone.now()}
        return claim_update(current, actor, "claim.withdraw", changes, reason)
