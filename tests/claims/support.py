"""What the service tests share: a seed line's claim, and the state a refusal must leave."""

from claims.models import Assessment, Citation, Claim, Decision
from claims.services import AssessmentInput
from workbench.models import AuditEvent


def at(seed, line: int) -> Claim:
    return Claim.objects.get(document=seed, line=line)


def state() -> tuple:
    """Everything a refused call must leave as it was."""
    return (
        list(Claim.objects.values_list("id", "verdict", "version", "locked", "last_decision")),
        list(Citation.objects.values_list("id", "claim_id", "attribution", "assessment", "order")),
        Decision.objects.count(),
        Assessment.objects.count(),
        AuditEvent.objects.count(),
    )


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


def supports_all(claim: Claim) -> dict[int, AssessmentInput]:
    return {c.pk: AssessmentInput("supports", quote="It says so.") for c in claim.citations.all()}
