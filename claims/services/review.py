"""Review services: decide a claim (or review it blind), adjudicate, lock, reopen, withdraw.

Double review (a document's ReviewPolicy, else WORKBENCH_DOUBLE_REVIEW): claim_decide records
a blind Review instead of the verdict. The second review of a round settles the claim when
both verdicts agree (a Decision of kind "agreement" naming both); otherwise the claim waits for
an editor, whose claim_adjudicate decides it with a rationale. Single review is unchanged.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims.models import (
    Assessment,
    Citation,
    Claim,
    Decision,
    DecisionKind,
    Review,
    ReviewAssessment,
    ReviewPolicy,
    Stance,
    Verdict,
)
from claims.selectors import (
    REVIEWS_NEEDED,
    claim_suggestion,
    double_review_for,
    double_review_of,
    review_round,
)
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
from claims.verdicts import Suggestion
from sources.models import Document
from workbench.audit import REVIEW, audit_log, decision_digests, review_digests
from workbench.db import bulk_set
from workbench.permissions import require_perm
from workbench.validators import validate_http_url

#: The audit action of a document's review mode set by hand.
REVIEW_MODE = "document.review_mode"
#: The permission to adjudicate two disagreeing reviews: the editors' (lock and reopen claims).
ADJUDICATE = "claims.lock_claim"


class ReviewStep:
    """Where a blind review left its claim."""

    WAITING = "waiting"  # the first of the round: a second reviewer must review it
    AGREED = "agreed"  # the second, agreeing: the claim is decided
    ADJUDICATION = "adjudication"  # the second, disagreeing: an editor decides


@dataclass(frozen=True)
class ReviewOutcome:
    """What claim_decide did in double-review mode: the review, and the decision it made."""

    review: Review
    step: str
    decision: Decision | None = None


def _check_input(
    verdict: str, assessments: Mapping[int, AssessmentInput], evidence_url: str
) -> None:
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": f"Unknown verdict {verdict!r}."})
    for item in assessments.values():
        if item.stance not in Stance.values:
            raise ValidationError({"assessments": f"Unknown stance {item.stance!r}."})
    if evidence_url:
        try:
            validate_http_url(evidence_url)
        except ValidationError as exc:
            raise ValidationError({"evidence_url": exc.messages}) from None


def _refuse_unknown(citations: list[Citation], assessments: Mapping[int, object]) -> None:
    unknown = set(assessments) - {c.pk for c in citations}
    if unknown:
        raise ValidationError(
            {"assessments": f"Citations {sorted(unknown)} are not sources of this claim."}
        )


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
) -> Decision | ReviewOutcome:
    """Record a reviewer's verdict on `claim`, with their assessments of its sources.

    `version` is the claim version the reviewer saw: if the claim changed since, StaleVersion
    says who changed it and nothing is stored. Raises ValidationError (nothing stored) for a
    missing rationale, an unknown verdict or stance, a citation of another claim, or a locked
    claim; PermissionDenied for a user without the Reviewers' permission.

    In double-review mode the verdict is a blind review (see claim_review): the result is a
    ReviewOutcome instead of the Decision.
    """
    require_perm(actor, "claims.add_decision", "record decisions")
    assessments = dict(assessments or {})
    _check_input(verdict, assessments, evidence_url)
    rationale = rationale.strip()
    # One read for the claim and its document's review mode; the UPDATE below re-checks the
    # version, so of two reviewers who saw the same one the second gets StaleVersion.
    current = Claim.objects.select_related("document__review_policy").get(pk=claim.pk)
    if double_review_for(current.document):
        return _claim_review(
            claim=claim,
            actor=actor,
            verdict=verdict,
            version=version,
            rationale=rationale,
            evidence_url=evidence_url,
            evidence_quote=evidence_quote.strip(),
            assessments=assessments,
        )

    refuse_if_closed(current)
    if current.version != version:
        raise StaleVersion(current, version)
    with transaction.atomic():
        citations, suggestion = claim_suggestion(current, assessments)
        _refuse_unknown(citations, assessments)
        why = rationale_required(verdict=verdict, current=current.verdict, suggestion=suggestion)
        if why and not rationale:
            raise ValidationError({"rationale": why})
        return _decision_record(
            current,
            actor,
            seen_version=version,
            verdict=verdict,
            suggestion=suggestion,
            citations=citations,
            rationale=rationale,
            evidence_url=evidence_url,
            evidence_quote=evidence_quote.strip(),
            assessments=assessments,
        )


def _decision_record(
    current: Claim,
    actor,
    *,
    seen_version: int,
    verdict: str,
    suggestion: Suggestion,
    citations: list[Citation],
    rationale: str,
    evidence_url: str,
    evidence_quote: str,
    assessments: Mapping[int, AssessmentInput],
    kind: str = DecisionKind.DECISION,
    reviews: tuple[Review, Review] | None = None,
    extra: dict | None = None,
) -> Decision:
    """Write a decision on `current` (checks done), its assessments and its audit event."""
    by_id = {c.pk: c for c in citations}
    verdict_from = current.verdict
    now = timezone.now()
    decision = Decision.objects.create(
        claim_id=current.pk,
        verdict_from=verdict_from,
        verdict_to=verdict,
        suggested=suggestion.verdict or "",
        rationale=rationale,
        evidence_url=evidence_url,
        evidence_quote=evidence_quote,
        actor=actor,
        at=now,
        claim_version=seen_version + 1,
        kind=kind,
        first_review=reviews[0] if reviews else None,
        second_review=reviews[1] if reviews else None,
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
    # The version is checked and bumped in the UPDATE that sets the verdict: of two reviewers
    # who saw the same version, the second matches no row, and StaleVersion undoes the rest.
    bump(
        current,
        seen_version,
        verdict=verdict,
        last_decision=decision,
        needs_rereview=False,
        source_changed=False,
    )
    settled = {}
    if reviews:
        settled = {
            "kind": kind,
            "reviews": [review.pk for review in reviews],
            "reviewers": [review.actor.get_username() for review in reviews],
        }
    audit_log(
        actor=actor,
        action="claim.decide",
        obj=current,
        before={"verdict": verdict_from, "version": seen_version},
        after={
            "verdict": verdict,
            "version": current.version,
            "decision": decision.pk,
            "suggested": suggestion.verdict or "",
            "evidence_url": evidence_url,
            "assessments": {by_id[row.citation_id].source.label: row.stance for row in rows},
            **settled,
            **(extra or {}),
            **decision_digests(decision, rows),
        },
        reason=rationale,
    )
    return decision


def _claim_review(
    *,
    claim: Claim,
    actor,
    verdict: str,
    version: int,
    rationale: str,
    evidence_url: str,
    evidence_quote: str,
    assessments: dict[int, AssessmentInput],
) -> ReviewOutcome:
    """Record a blind review of `claim`; settle it, or send it to an editor, if it is the second.

    A review names every footnote the reviewer saw: the stance they gave, else the one the
    footnote already had (the form shows it), else none. Refused (ValidationError, nothing
    stored): no verdict, a reviewer reviewing twice in a round, a round already complete.
    """
    if verdict == Verdict.UNREVIEWED:
        raise ValidationError(
            {"verdict": "A review gives a verdict: corroborated, disputed or refuted."}
        )
    with transaction.atomic():
        # Locked for the whole round check: of two second reviews at once, one waits and then
        # finds the round complete.
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        refuse_if_closed(current)
        if current.version != version:
            raise StaleVersion(current, version)
        reviews = review_round(current)
        if len(reviews) >= REVIEWS_NEEDED:
            raise ValidationError(
                f"Claim {current.pk} has its two reviews and waits for an editor to adjudicate.",
                code="adjudication",
            )
        if any(review.actor_id == actor.pk for review in reviews):
            raise ValidationError(
                f"You have reviewed claim {current.pk} already: its second review must be "
                "someone else's.",
                code="reviewed",
            )
        citations, suggestion = claim_suggestion(current, assessments)
        _refuse_unknown(citations, assessments)
        why = rationale_required(verdict=verdict, current=current.verdict, suggestion=suggestion)
        if why and not rationale:
            raise ValidationError({"rationale": why})
        first = reviews[0] if reviews else None
        review = Review.objects.create(
            claim=current,
            follows_id=current.last_decision_id,
            claim_version=current.version,
            pairs_with=first,
            verdict=verdict,
            suggested=suggestion.verdict or "",
            rationale=rationale,
            evidence_url=evidence_url,
            evidence_quote=evidence_quote,
            actor=actor,
        )
        rows = ReviewAssessment.objects.bulk_create(
            [_review_row(review, citation, assessments.get(citation.pk)) for citation in citations]
        )
        step = ReviewStep.WAITING
        if first is not None:
            step = ReviewStep.AGREED if first.verdict == verdict else ReviewStep.ADJUDICATION
        audit_log(
            actor=actor,
            action=REVIEW,
            obj=current,
            before={"version": version, "reviews": len(reviews)},
            after={
                "review": review.pk,
                "verdict": verdict,
                "version": current.version,
                "round": len(reviews) + 1,
                "step": step,
                **review_digests(review, rows),
            },
            reason=rationale,
        )
        decision = None
        if step == ReviewStep.AGREED:
            decision = _settle_agreement(current, first, review, rows)
    return ReviewOutcome(review=review, step=step, decision=decision)


def _review_row(review: Review, citation: Citation, given: AssessmentInput | None):
    if given is None and citation.assessment is not None:
        # Left as the form showed it: the reviewer stands by the footnote's current stance.
        given = AssessmentInput(
            citation.assessment.stance, citation.assessment.quote, citation.assessment.page
        )
    if given is None:
        return ReviewAssessment(review=review, citation=citation)
    return ReviewAssessment(
        review=review,
        citation=citation,
        stance=given.stance,
        quote=given.quote.strip(),
        page=given.page.strip(),
    )


def _settle_agreement(
    current: Claim, first: Review, second: Review, rows: list[ReviewAssessment]
) -> Decision:
    """Decide `current` with the verdict its two reviews agree on (in the review's transaction).

    The decision is the second reviewer's act and names both reviews. Its rationale and
    evidence are both reviewers' (the first's first); each footnote gets the stance both gave,
    or the one that either gave alone; footnotes they assessed differently get none, and the
    event names them (the reviews keep both).
    """
    mine = {row.citation_id: row for row in rows}
    theirs = {row.citation_id: row for row in first.assessments.all()}
    stances: dict[int, AssessmentInput] = {}
    differ = []
    citations, _ = claim_suggestion(current)
    for citation in citations:
        a, b = theirs.get(citation.pk), mine.get(citation.pk)
        given = [row for row in (a, b) if row is not None and row.stance]
        if len({row.stance for row in given}) > 1:
            differ.append(citation.source.label)
        elif given:
            quoted = next((row for row in given if row.quote), given[0])
            stances[citation.pk] = AssessmentInput(given[0].stance, quoted.quote, quoted.page)
    citations, suggestion = claim_suggestion(current, stances)

    def both(*texts: str) -> str:
        return "\n\n".join(dict.fromkeys(text for text in texts if text))

    return _decision_record(
        current,
        second.actor,
        seen_version=current.version,
        verdict=second.verdict,
        suggestion=suggestion,
        citations=citations,
        rationale=both(first.rationale, second.rationale),
        evidence_url=first.evidence_url or second.evidence_url,
        evidence_quote=both(first.evidence_quote, second.evidence_quote),
        assessments=stances,
        kind=DecisionKind.AGREEMENT,
        reviews=(first, second),
        extra={"stances_differ": differ} if differ else None,
    )


def claim_adjudicate(
    *,
    claim: Claim,
    actor,
    verdict: str,
    version: int,
    rationale: str,
    evidence_url: str = "",
    evidence_quote: str = "",
    assessments: Mapping[int, AssessmentInput] | None = None,
) -> Decision:
    """Decide a claim whose two blind reviews disagree: an editor's verdict, with a rationale.

    The decision (kind "adjudication") names the two reviews it settled. Refused
    (ValidationError, nothing stored): no rationale, no verdict, a claim with no disagreement
    waiting, or an editor who wrote one of the two reviews; StaleVersion if the claim changed
    since the editor opened it; PermissionDenied for anyone but editors.
    """
    require_perm(actor, ADJUDICATE, "adjudicate reviews")
    assessments = dict(assessments or {})
    _check_input(verdict, assessments, evidence_url)
    if verdict == Verdict.UNREVIEWED:
        raise ValidationError({"verdict": "An adjudication gives a verdict."})
    rationale = rationale.strip()
    if not rationale:
        raise ValidationError({"rationale": "Say why: an adjudication always needs a rationale."})
    with transaction.atomic():
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        refuse_if_closed(current)
        if current.version != version:
            raise StaleVersion(current, version)
        reviews = review_round(current)
        if len(reviews) < REVIEWS_NEEDED:
            raise ValidationError(
                f"Claim {current.pk} has no two disagreeing reviews waiting for an editor."
            )
        first, second = reviews[:REVIEWS_NEEDED]
        if actor.pk in (first.actor_id, second.actor_id):
            raise ValidationError(
                "You wrote one of the two reviews: another editor adjudicates between them.",
                code="reviewer",
            )
        citations, suggestion = claim_suggestion(current, assessments)
        _refuse_unknown(citations, assessments)
        return _decision_record(
            current,
            actor,
            seen_version=version,
            verdict=verdict,
            suggestion=suggestion,
            citations=citations,
            rationale=rationale,
            evidence_url=evidence_url,
            evidence_quote=evidence_quote.strip(),
            assessments=assessments,
            kind=DecisionKind.ADJUDICATION,
            reviews=(first, second),
        )


def document_set_review_mode(
    *, document: Document, actor, double_review: bool, reason: str
) -> ReviewPolicy:
    """Say whether `document`'s claims need two blind reviews (admins), with a reason.

    Rounds already under way stay as they are: switching to single review lets the next
    decision settle a claim; switching to double review starts rounds from the next review.
    """
    require_perm(actor, "sources.change_document", "set a document's review mode")
    reason = reason_required(reason)
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        before = double_review_of(document.pk)
        policy, _ = ReviewPolicy.objects.update_or_create(
            document=document, defaults={"double_review": double_review}
        )
        audit_log(
            actor=actor,
            action=REVIEW_MODE,
            obj=document,
            before={"double_review": before},
            after={"double_review": double_review},
            reason=reason,
        )
    return policy


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
