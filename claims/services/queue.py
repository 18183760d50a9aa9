"""Queue services: hand a reviewer the next claim and hold it for them; skip a claim.

Sixteen reviewers working one queue must not all be handed its first claim: a claim opened
from the queue is held for the reviewer who opened it for HOLD (others get the next free one),
and a reviewer holds one claim at a time. A hold is queue state, not an editorial change, so it
is not audited; a skip, which others see with its reason, is.

Two reviewers asking at the same moment: each locks its candidate claim row with
`SELECT … FOR UPDATE SKIP LOCKED` (the other skips a row being taken and tries the next), then
reads the holds again in a new statement, which sees any hold committed before the lock was
granted. SQLite runs one write transaction at a time (BEGIN IMMEDIATE), so there the question
never arises.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from claims.models import Claim, QueueHold, QueueSkip, SkipReason
from claims.selectors import (
    VIEW,
    QueueScope,
    queue_for_user,
    queue_passes,
    review_queue,
)
from workbench.actions import AuditAction
from workbench.audit import audit_log
from workbench.permissions import has_perm, require_perm

#: How long the queue keeps a claim for the reviewer it handed it to.
HOLD = datetime.timedelta(minutes=10)
#: Candidates tried before giving up: each miss is a claim another reviewer took a moment ago.
_ATTEMPTS = 50
DECIDE = "claims.add_decision"


@dataclass(frozen=True)
class QueueTake:
    """What the queue handed a reviewer: a claim, or why there is none."""

    claim: Claim | None
    remaining: bool  # some claim of the scope still needs work (held by others, or earlier)


def _first_free(passes, user, now: datetime.datetime) -> Claim | None:
    """Return the first claim of `passes` nobody else holds, locked for this transaction."""
    tried: list[int] = []
    skip_locked = connection.features.has_select_for_update_skip_locked
    for claims in passes:
        for _ in range(_ATTEMPTS):
            candidates = claims.exclude(pk__in=tried)
            if skip_locked:
                candidates = candidates.select_for_update(skip_locked=True, of=("self",))
            claim = candidates.first()
            if claim is None:
                break
            # A new statement: it sees a hold committed by whoever had the row locked before us.
            taken = QueueHold.objects.filter(claim=claim, until__gt=now).exclude(
                reviewer_id=user.pk
            )
            if not taken.exists():
                return claim
            tried.append(claim.pk)
    return None


def queue_take(
    *,
    user,
    scope: QueueScope | None = None,
    at: int | None = None,
    after: int | None = None,
    before: int | None = None,
) -> QueueTake:
    """Hand `user` the queue's next claim and hold it for them (reviewers only hold).

    With no anchor: the claim they hold, if it still needs work, else the first free claim.
    `at`: that claim if it is still theirs to take, else the next one. `after`/`before`: the
    next or previous free claim (ids; a claim that no longer exists restarts the queue).
    """
    require_perm(user, VIEW, "open the review queue")
    scope = scope or QueueScope()
    now = timezone.now()
    wanted = at or after or before
    anchor = Claim.objects.filter(pk=wanted).first() if wanted else None
    with transaction.atomic():
        claims = queue_for_user(user=user, scope=scope, now=now).select_related(
            "document", "last_decision__actor"
        )
        passes = []
        if at and anchor is not None:
            passes.append(claims.filter(pk=anchor.pk))
        elif anchor is None:
            # The held claim's id first (a lookup by reviewer): as a subquery, PostgreSQL
            # planned the queue's conditions over every claim before joining the one hold.
            mine = list(
                QueueHold.objects.filter(reviewer_id=user.pk, until__gt=now).values_list(
                    "claim_id", flat=True
                )
            )
            if mine:
                passes.append(claims.filter(pk__in=mine))
        passes += queue_passes(
            claims,
            user=user,
            after=anchor if (after or at) else None,
            before=anchor if before else None,
        )
        claim = _first_free(passes, user, now)
        if claim is not None and has_perm(user, DECIDE):
            # The claim row is locked: no one else writes its hold until we commit.
            hold = {"reviewer": user, "until": now + HOLD}
            if not QueueHold.objects.filter(claim=claim).update(**hold):
                QueueHold.objects.create(claim=claim, **hold)
            QueueHold.objects.filter(reviewer_id=user.pk).exclude(claim=claim).delete()
    return QueueTake(claim=claim, remaining=claim is not None or _remaining(user, scope))


def _remaining(user, scope: QueueScope) -> bool:
    """Return whether the scope still has work, held by others or before the point asked for."""
    claims = review_queue(document=scope.document, work=scope.work, reviewer=user)
    if scope.mine:
        claims = claims.filter(assignment__assignee_id=user.pk)
    return claims.exists()


def queue_release(*, user, claim: Claim) -> None:
    """Let go of `user`'s hold on `claim` (they decided it, or passed on it)."""
    QueueHold.objects.filter(claim=claim, reviewer_id=user.pk).delete()


def claim_skip(*, claim: Claim, actor, reason: str) -> QueueSkip:
    """Pass on `claim` in the queue: it goes to the back of `actor`'s queue, and others see why.

    Audited (`claim.skip`, with the reason); the actor's hold on the claim ends.
    """
    require_perm(actor, DECIDE, "skip claims in the review queue")
    if reason not in SkipReason.values:
        raise ValidationError({"reason": "Choose why you skip this claim."})
    with transaction.atomic():
        skip = QueueSkip.objects.create(claim=claim, reviewer=actor, reason=reason)
        queue_release(user=actor, claim=claim)
        audit_log(
            actor=actor,
            action=AuditAction.CLAIM_SKIP,
            obj=claim,
            after={"reason": reason, "skip": skip.pk},
            reason=SkipReason(reason).label,
        )
    return skip
