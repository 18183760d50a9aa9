"""Many decisions in one transaction, under exactly claim_decide's rules."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims.models import (
    Assessment,
    Citation,
    Claim,
    Decision,
    Stance,
    Verdict,
)
from claims.selectors import documents_in_double_review
from claims.services.rules import StaleVersion, rationale_required, refuse_if_closed
from claims.verdicts import Suggestion, suggest_verdict
from sources.models import Document
from workbench.audit import audit_append, decision_digests
from workbench.db import bulk_set
from workbench.models import AuditEvent
from workbench.permissions import require_perm

BATCH = 2000


@dataclass(frozen=True)
class BulkDecision:
    """One decision of `claim_decide_many`: the claim, the version seen, and what was decided."""

    claim_id: int
    version: int
    verdict: str
    rationale: str = ""
    # Stances by citation order (0-based); the claim's other citations keep their assessment.
    stances: Mapping[int, str] = field(default_factory=dict)


def _refuse_double_review(document_ids: set[int]) -> None:
    """Refuse a batch touching a document whose claims need two blind reviews: a bulk decision
    would settle them without either review (claim_decide records reviews one at a time)."""
    double = documents_in_double_review(document_ids)
    if double:
        names = ", ".join(
            Document.objects.filter(pk__in=double).order_by("name").values_list("name", flat=True)
        )
        raise ValidationError(
            f"{names}: its claims need two blind reviews, one reviewer at a time; "
            "they cannot be decided in bulk."
        )


def claim_decide_many(*, actor, decisions: list[BulkDecision]) -> int:
    """Record many decisions in one transaction, under exactly claim_decide's rules.

    For imports of review work and for building large corpora: the same permission, verdict,
    rationale, lock and version checks as claim_decide, but rows are written in bulk. Any
    refusal refuses the whole batch (ValidationError or StaleVersion naming the claim).
    Returns the number of decisions stored.
    """
    require_perm(actor, "claims.add_decision", "record decisions")
    if not decisions:
        return 0
    with transaction.atomic():
        ids = [d.claim_id for d in decisions]
        claims = {
            c.pk: c for c in Claim.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }
        _refuse_double_review({c.document_id for c in claims.values()})
        citations: dict[int, list[Citation]] = defaultdict(list)
        for citation in (
            Citation.objects.attached()
            .filter(claim_id__in=ids)
            .select_related("source", "assessment")
            .order_by("claim_id", "order")
        ):
            citations[citation.claim_id].append(citation)

        now = timezone.now()
        rows: list[Decision] = []
        planned: list[tuple[Claim, BulkDecision, Suggestion, dict[int, str]]] = []
        labels: dict[int, str] = {}
        seen: set[int] = set()
        for item in decisions:
            claim = claims.get(item.claim_id)
            if claim is None:
                raise ValidationError(f"Claim {item.claim_id} does not exist.")
            if item.claim_id in seen:
                # The second would decide against a version the first already replaced.
                raise ValidationError(f"Claim {item.claim_id} appears twice in one batch.")
            seen.add(item.claim_id)
            refuse_if_closed(claim)
            if claim.version != item.version:
                raise StaleVersion(claim, item.version)
            if item.verdict not in Verdict.values:
                raise ValidationError({"verdict": f"Unknown verdict {item.verdict!r}."})
            cited = citations[claim.pk]
            missing = sorted(i for i in item.stances if not 0 <= i < len(cited))
            if missing:
                raise ValidationError(
                    {"assessments": f"Claim {claim.pk} has no citation {missing}."}
                )
            changes = {cited[i].pk: stance for i, stance in item.stances.items()}
            labels.update((c.pk, c.source.label) for c in cited)
            if any(stance not in Stance.values for stance in changes.values()):
                raise ValidationError({"assessments": f"Unknown stance for claim {claim.pk}."})
            pairs = [
                (
                    changes.get(c.pk) or (c.assessment.stance if c.assessment else ""),
                    c.source.reliability,
                )
                for c in cited
            ]
            suggestion = suggest_verdict(pairs)
            why = rationale_required(
                verdict=item.verdict, current=claim.verdict, suggestion=suggestion
            )
            if why and not item.rationale.strip():
                raise ValidationError({"rationale": f"Claim {claim.pk}: {why}"})
            rows.append(
                Decision(
                    claim=claim,
                    verdict_from=claim.verdict,
                    verdict_to=item.verdict,
                    suggested=suggestion.verdict or "",
                    rationale=item.rationale.strip(),
                    actor=actor,
                    at=now,
                    claim_version=claim.version + 1,
                )
            )
            planned.append((claim, item, suggestion, changes))

        Decision.objects.bulk_create(rows, batch_size=BATCH)
        assessments = [
            Assessment(
                citation_id=citation_id,
                decision=decision,
                stance=stance,
                actor=actor,
                at=now,
            )
            for decision, (_, _, _, changes) in zip(rows, planned, strict=True)
            for citation_id, stance in changes.items()
        ]
        Assessment.objects.bulk_create(assessments, batch_size=BATCH)
        bulk_set(
            Citation,
            [(a.citation_id, a.pk) for a in assessments],
            ["assessment_id"],
        )
        recorded: dict[int, list[Assessment]] = defaultdict(list)
        for assessment in assessments:
            recorded[assessment.decision_id].append(assessment)
        updated = []
        events = []
        for decision, (claim, item, suggestion, changes) in zip(rows, planned, strict=True):
            events.append(
                AuditEvent(
                    actor=actor,
                    action="claim.decide",
                    object_type=claim._meta.label_lower,
                    object_id=str(claim.pk),
                    before={"verdict": claim.verdict, "version": claim.version},
                    after={
                        "verdict": item.verdict,
                        "version": claim.version + 1,
                        "decision": decision.pk,
                        "suggested": suggestion.verdict or "",
                        "evidence_url": "",
                        "assessments": {labels[cid]: stance for cid, stance in changes.items()},
                        **decision_digests(decision, recorded[decision.pk]),
                    },
                    reason=decision.rationale,
                    at=now,
                )
            )
            claim.verdict = item.verdict
            claim.version += 1
            claim.last_decision = decision
            claim.updated_at = now
            updated.append(claim)
        bulk_set(
            Claim,
            [(c.pk, c.verdict, c.version, c.last_decision_id, now, False) for c in updated],
            ["verdict", "version", "last_decision_id", "updated_at", "needs_rereview"],
        )
        audit_append(events)
    return len(rows)
