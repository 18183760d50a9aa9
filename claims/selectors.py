"""Reads of claims: the querysets pages and exports start from.

Every page and export reads through a `*_for_user` selector here, which refuses (403) a user
without the permission the read needs; management commands, which run as the operator, use
the same selectors without a user. Nothing else reads the claims models.
"""

import copy
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Expression,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from claims import agreement
from claims.filters import ClaimFilter
from claims.models import (
    Assessment,
    Assignment,
    Citation,
    Claim,
    ClaimNote,
    ClaimQuerySet,
    Decision,
    DecisionKind,
    Passage,
    QueueHold,
    QueueSkip,
    QuoteCheck,
    Review,
    ReviewAssessment,
    ReviewPolicy,
    Verdict,
    VerdictCount,
)
from claims.verdicts import Suggestion, suggest_for_citations
from sources.models import Document
from workbench.actions import AuditAction
from workbench.audit import REVIEW
from workbench.models import AuditEvent
from workbench.permissions import require_perm
from workbench.selectors import audit_events_of

#: What every read of claims needs: every role has it, a user with no role does not.
VIEW = "claims.view_claim"


class InvalidFilters(ValueError):
    """Filters that do not validate; `errors` maps each filter to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = errors
        detail = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        super().__init__(f"invalid filters: {detail}")


def claim_filterset(filters: Mapping[str, Any]) -> ClaimFilter:
    return ClaimFilter(filters, queryset=Claim.objects.all())


def claim_list(*, filters: Mapping[str, Any]) -> ClaimQuerySet:
    """Return the claims matching `filters` (the claim list's query string), or raise."""
    filterset = claim_filterset(filters)
    if not filterset.is_valid():
        raise InvalidFilters(filterset.errors)
    return filterset.qs


def claim_export_list(*, filters: Mapping[str, Any], include_all: bool = False) -> ClaimQuerySet:
    """Return the claims an export holds: reviewed ones matching `filters`, or all of them."""
    claims = claim_list(filters=filters)
    return claims if include_all else claims.reviewed()


def claim_list_for_user(*, user, filters: Mapping[str, Any]) -> ClaimQuerySet:
    """Return the claims matching `filters` that `user` may read; 403 without a role."""
    require_perm(user, VIEW, "read claims")
    return claim_list(filters=filters)


def claim_export_for_user(
    *, user, filters: Mapping[str, Any], include_all: bool = False
) -> ClaimQuerySet:
    """Return the claims of a web export for `user` (403 without a role)."""
    require_perm(user, VIEW, "export claims")
    return claim_export_list(filters=filters, include_all=include_all)


def decisions_export_for_user(*, user) -> QuerySet[Decision]:
    """Return every decision, for the decisions CSV (403 without "claims.view_decision")."""
    require_perm(user, "claims.view_decision", "export decisions")
    return Decision.objects.all()


# --- Page reads ------------------------------------------------------------------------------

PAGE_SIZE = 50
SORTS = ("line", "decided")


def claim_get_for_user(*, user, pk: int, permission: str = "claims.view_claim") -> Claim:
    """Return claim `pk` for `user`: 404 if there is no such claim, 403 without `permission`.

    Reads ask for "claims.view_claim" (every role has it); writes pass the permission of the
    action, so a viewer's POST is refused before a service is even called.
    """
    require_perm(user, permission, "see this claim" if permission == VIEW else "do this")
    return get_object_or_404(
        Claim.objects.select_related("document__review_policy", "last_decision__actor"), pk=pk
    )


def claims_pending_attribution(claim_ids: list[int]) -> set[int]:
    """Return which of `claim_ids` have a leading footnote awaiting an attribution check.

    One query on the ids of a page: an EXISTS annotation on a list's own query made PostgreSQL
    hash every pending citation of the corpus (230 ms at 1M claims) to draw 100 rows.
    """
    return set(
        Citation.objects.pending().filter(claim_id__in=claim_ids).values_list("claim_id", flat=True)
    )


def attribution_check_counts(claims: ClaimQuerySet) -> tuple[int, int]:
    """Return (claims awaiting an attribution check, leading footnotes pending) among `claims`."""
    unordered = claims.order_by()
    pending = Citation.objects.pending().filter(claim__in=unordered).count()
    return unordered.attribution_pending().count(), pending


def citation_get_for_user(*, user, claim_pk: int, pk: int, permission: str = VIEW) -> Citation:
    """Return citation `pk` of claim `claim_pk` for `user`: 404 if it is not there, 403 without
    `permission`."""
    require_perm(user, permission, "see this footnote" if permission == VIEW else "do this")
    return get_object_or_404(
        Citation.objects.select_related("source", "claim__document"), pk=pk, claim_id=claim_pk
    )


#: The claim list counts each verdict up to here and shows "10,000+" beyond.
COUNT_CAP = 10_000


def claim_verdict_counts(
    claims: ClaimQuerySet, filters: Mapping[str, Any] | None = None
) -> dict[str, int]:
    """Return {verdict: count} for `claims`, each count stopping at COUNT_CAP + 1.

    Unfiltered, or filtered by document only (`filters`, the list's query string): one query
    of the counts the database keeps (VerdictCount). Otherwise one small query per verdict,
    each a LIMITed index range scan: a page never counts a million rows (a GROUP BY over every
    live claim took 0.6 s at 1M).
    """
    active = {k for k in (filters or {}) if filters.get(k) not in ("", None)}
    if filters is not None and active <= {"document"}:
        kept = VerdictCount.objects.order_by()
        if active:
            kept = kept.filter(document__name=filters.get("document"))
        totals = dict(kept.values_list("verdict").annotate(n=Sum("n")))
        return {v: min(totals.get(v, 0), COUNT_CAP + 1) for v in Verdict.values}
    unordered = claims.order_by()
    return {
        verdict: unordered.filter(verdict=verdict)[: COUNT_CAP + 1].count()
        for verdict in Verdict.values
    }


def count_label(n: int, cap: int | None = None) -> str:
    """Return a count for display: "10,000+" once it went past the cap (COUNT_CAP's default)."""
    cap = COUNT_CAP if cap is None else cap
    return f"{cap:,}+" if n > cap else f"{n:,}"


def _with_list_relations(claims: ClaimQuerySet) -> ClaimQuerySet:
    return claims.select_related("document", "last_decision__actor").prefetch_related(
        Prefetch(
            "citations",
            queryset=Citation.objects.attached().select_related("source").order_by("order"),
            to_attr="attached_citations",
        )
    )


@dataclass(frozen=True)
class ClaimPage:
    rows: list[Claim]
    next_cursor: str  # "" on the last page
    prev_cursor: str = ""  # "" on the first page


def claims_after(claim: Claim, *, before: bool = False) -> Expression:
    """Return "after `claim` in (document, line, id) order" (or before) as one row comparison.

    A row comparison lets PostgreSQL (and SQLite) start an index range scan at the row; the
    equivalent OR of three conditions made PostgreSQL walk the index from the start.
    """
    op = "<" if before else ">"
    # Only the operator is formatted in, from a fixed pair; the values are parameters.
    return RawSQL(  # noqa: S611
        f'("claims_claim"."document_id", "claims_claim"."line", "claims_claim"."id") {op} '
        "(%s, %s, %s)",
        [claim.document_id, claim.line, claim.id],
        output_field=BooleanField(),
    )


#: Ids and lines are 64-bit in the database: a larger number in a cursor cannot name a row.
_MAX_ID = 2**63 - 1
_CURSOR_PARTS = {"line": 3, "decided": 2}


def parse_cursor(sort: str, cursor: str) -> tuple[int | None, ...]:
    """Return the numbers of a keyset cursor, or raise ValueError saying what is wrong.

    "line" cursors are `document.line.id`, "decided" cursors `decision.id` with "n" for a
    claim never decided. Only ASCII digits count (`"²".isdigit()` is true, int() refuses it).
    """
    parts = cursor.split(".")
    if len(parts) != _CURSOR_PARTS[sort]:
        raise ValueError(f"a {sort} cursor has {_CURSOR_PARTS[sort]} numbers joined by dots")
    numbers: list[int | None] = []
    for index, part in enumerate(parts):
        if sort == "decided" and index == 0 and part == "n":
            numbers.append(None)
            continue
        if not (part.isascii() and part.isdigit()) or len(part) > 19 or int(part) > _MAX_ID:
            raise ValueError(f"{part[:30]!r} is not a row number")
        numbers.append(int(part))
    return tuple(numbers)


def _cursor_filter(sort: str, cursor: str, *, before: bool = False) -> Q | Expression:
    """Return the keyset condition "after the row `cursor` names" (or before it), or raise
    ValueError."""
    if sort == "line":
        doc, line, pk = parse_cursor(sort, cursor)
        return claims_after(Claim(document_id=doc, line=line, id=pk), before=before)
    decision, pk = parse_cursor(sort, cursor)
    # Latest decision first, undecided claims last (by id, newest first, among themselves).
    if decision is None:
        if before:
            return Q(last_decision__isnull=False) | Q(last_decision__isnull=True, id__gt=pk)
        return Q(last_decision__isnull=True, id__lt=pk)
    if before:
        return Q(last_decision_id__gt=decision) | Q(last_decision_id=decision, id__gt=pk)
    return (
        Q(last_decision_id__lt=decision)
        | Q(last_decision_id=decision, id__lt=pk)
        | Q(last_decision__isnull=True)
    )


def _cursor_of(sort: str, claim: Claim) -> str:
    if sort == "line":
        return f"{claim.document_id}.{claim.line}.{claim.id}"
    return f"{claim.last_decision_id or 'n'}.{claim.id}"


def _ordered(claims: ClaimQuerySet, sort: str) -> ClaimQuerySet:
    if sort == "decided":
        return claims.order_by(F("last_decision_id").desc(nulls_last=True), "-id")
    return claims.order_by("document_id", "line", "id")


def claim_page(
    claims: ClaimQuerySet,
    *,
    sort: str = "line",
    after: str = "",
    before: str = "",
    size: int | None = None,
) -> ClaimPage:
    """Return one page of `claims` after the keyset `after` (or before `before`), sorted by
    line or last decision.

    Keyset pagination: each page is an index range scan of `size + 1` rows, never a COUNT(*)
    or an OFFSET over the whole table. Decision ids grow with time, so "latest decision first"
    is "highest last_decision_id first"; undecided claims come last. Raises ValueError for a
    malformed cursor (the view's form checks it first with parse_cursor).
    """
    size = size or PAGE_SIZE
    sort = sort if sort in SORTS else "line"
    ordered = _ordered(claims, sort)
    if before:
        # The page before: walk the order backwards from the cursor, then turn the rows round.
        backwards = ordered.filter(_cursor_filter(sort, before, before=True)).reverse()
        rows = list(_with_list_relations(backwards)[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        return ClaimPage(
            rows=rows,
            next_cursor=_cursor_of(sort, rows[-1]) if rows else "",
            prev_cursor=_cursor_of(sort, rows[0]) if rows and more else "",
        )
    if after:
        ordered = ordered.filter(_cursor_filter(sort, after))
    rows = list(_with_list_relations(ordered)[: size + 1])
    next_cursor = _cursor_of(sort, rows[size - 1]) if len(rows) > size else ""
    rows = rows[:size]
    prev_cursor = _cursor_of(sort, rows[0]) if after and rows else ""
    return ClaimPage(rows=rows, next_cursor=next_cursor, prev_cursor=prev_cursor)


def claims_before_row(claims: ClaimQuerySet, *, sort: str, row: Claim) -> int:
    """Return how many of `claims` come before `row` in the list's order (up to COUNT_CAP + 1):
    where a page starts, for "claims 51-100"."""
    condition = _cursor_filter(sort, _cursor_of(sort, row), before=True)
    return claims.order_by().filter(condition)[: COUNT_CAP + 1].count()


def claim_neighbours(claim: Claim) -> tuple[Claim | None, Claim | None]:
    """Return the live claims on the lines just before and after `claim` in its document."""
    siblings = Claim.objects.live().filter(document_id=claim.document_id)
    before = siblings.filter(line__lt=claim.line).order_by("-line").first()
    after = siblings.filter(line__gt=claim.line).order_by("line").first()
    return before, after


def claim_before(claim: Claim) -> Claim | None:
    """Return the live claim on the closest line before `claim` in its document."""
    return claim_neighbours(claim)[0]


def claim_suggestion(
    claim: Claim, changes: Mapping[int, Any] | None = None
) -> tuple[list[Citation], Suggestion]:
    """Return (citations, suggestion) for `claim`, with `changes` applied to its assessments.

    `changes` maps citation ids to the assessments about to be recorded (anything with a
    `.stance`, such as services.AssessmentInput).
    """
    citations = list(
        claim.citations.attached().select_related("source", "assessment").order_by("order")
    )
    stances = {pk: change.stance for pk, change in (changes or {}).items()}
    return citations, suggest_for_citations(citations, stances)


def claim_evidence(claim: Claim, citations: list[Citation]) -> None:
    """Attach to each citation its source's best passages and its assessment's quote check.

    Two queries whatever the number of citations: the passages of the sources' latest
    snapshots for this claim, and the newest quote check of each current assessment. Sets
    `citation.passages` (best first) and `citation.quote_check` (or None).
    """
    snapshots = {c.source.snapshot_id for c in citations if c.source.snapshot_id}
    by_snapshot: dict[int, list[Passage]] = {}
    rows = (
        Passage.objects.filter(claim=claim, snapshot_id__in=snapshots)
        .annotate(snapshot_at=F("snapshot__at"))
        .order_by("snapshot_id", "rank")
    )
    for passage in rows:
        by_snapshot.setdefault(passage.snapshot_id, []).append(passage)
    checks: dict[int, QuoteCheck] = {}
    assessed = [c.assessment_id for c in citations if c.assessment_id]
    for check in QuoteCheck.objects.filter(assessment_id__in=assessed).order_by("id"):
        checks[check.assessment_id] = check  # the newest wins
    for citation in citations:
        citation.passages = by_snapshot.get(citation.source.snapshot_id, [])
        citation.quote_check = checks.get(citation.assessment_id)


def passage_for_citation(*, claim: Claim, citation: Citation, pk: int) -> Passage | None:
    """Return passage `pk` if it is one shown for `citation` of `claim` (else None)."""
    return Passage.objects.filter(
        pk=pk, claim=claim, snapshot_id=citation.source.snapshot_id
    ).first()


def describe_event(event: AuditEvent) -> str:
    """Return a short account of an event about a claim, as a sentence after the actor."""
    after = event.after or {}
    label = after.get("label", "?")
    return {
        AuditAction.CLAIM_DECIDE: f"marked this claim {after.get('verdict', '?')}"
        + SETTLED_BY.get(after.get("kind", ""), ""),
        # Never the verdict: the event may be about a review still blind.
        REVIEW: "recorded a blind review",
        AuditAction.CLAIM_LOCK: "locked this claim",
        AuditAction.CLAIM_REOPEN: "reopened this claim",
        AuditAction.CLAIM_WITHDRAW: "withdrew this claim",
        AuditAction.CLAIM_RESTORE: "restored this claim: its line is back in the document",
        AuditAction.CLAIM_PUBLISH: "published this claim's review",
        AuditAction.CLAIM_UNPUBLISH: "took this claim's review off the public pages",
        AuditAction.CITATION_CONFIRM: f"confirmed footnote [{label}]",
        AuditAction.CITATION_MOVE: f"moved footnote [{label}] away",
        AuditAction.CITATION_RECEIVE: f"moved footnote [{label}] here",
        AuditAction.CITATION_DETACH: f"detached footnote [{label}]",
        AuditAction.CITATION_RESTORE: _describe_restore(event),
        AuditAction.CLAIM_SKIP: f"skipped this claim in the queue: {event.reason.lower()}",
        AuditAction.CLAIM_ASSIGN: (
            f"assigned this claim to {after['assignee']}"
            if after.get("assignee")
            else "took this claim's assignment away"
        ),
        AuditAction.CLAIM_NOTE: "wrote a note",
    }.get(event.action, event.action)


def _describe_restore(event: AuditEvent) -> str:
    after = event.after or {}
    label = after.get("label", "?")
    if after.get("undone") == AuditAction.CITATION_MOVE and str(after.get("claim")) != str(
        event.object_id
    ):
        return f"sent footnote [{label}] back to claim {after.get('claim')} (undoing a move)"
    undone = {
        AuditAction.CITATION_MOVE: "move",
        AuditAction.CITATION_DETACH: "detach",
        AuditAction.CITATION_CONFIRM: "confirmation",
    }.get(after.get("undone"), "action")
    return f"undid the {undone} of footnote [{label}]: it is as printed again"


@dataclass
class HistoryEntry:
    event: AuditEvent
    summary: str
    decision: Decision | None = None


def claim_history(claim: Claim) -> list[HistoryEntry]:
    """Return the claim's audit events, newest first, each decision with its assessments."""
    events = list(audit_events_of(claim))
    decisions = {
        decision.pk: decision
        for decision in Decision.objects.filter(claim=claim)
        .select_related("actor")
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.select_related("citation__source")
                .prefetch_related(
                    Prefetch("quote_checks", queryset=QuoteCheck.objects.order_by("-id"))
                )
                .order_by("id"),
            )
        )
    }
    visible = _visible_reviews(claim, events)
    entries = []
    for event in events:
        decision_id = (event.after or {}).get("decision")
        summary = describe_event(event)
        if event.action == REVIEW:
            event, summary = _review_entry(event, visible)
        entries.append(
            HistoryEntry(event=event, summary=summary, decision=decisions.get(decision_id))
        )
    return entries


#: The two kinds of queue work: claims to decide, and leading footnotes to settle.
REVIEW_WORK, ATTRIBUTION_WORK = "review", "attribution"


def review_queue(*, document: str = "", work: str = REVIEW_WORK, reviewer=None) -> ClaimQuerySet:
    """Return the claims a queue serves, in (document, line) order.

    The review queue serves claims to decide (never decided, or needing re-review); the
    attribution queue serves claims with a leading footnote to settle, decided or not. A decided
    claim whose only open question is its attribution is attribution work: were it in the review
    queue, it would stay at the head of everyone's queue after its decision. For a `reviewer`,
    never a claim they have reviewed in its current round, nor one whose two blind reviews wait
    for an editor (double review).
    """
    # Documents in import order (by id), so the queue is one index scan of claim_document_line.
    base = Claim.objects.attribution_work() if work == ATTRIBUTION_WORK else None
    claims = (base if base is not None else Claim.objects.needs_decision()).order_by(
        "document_id", "line", "id"
    )
    if document:
        claims = claims.filter(document__name=document)
    if reviewer is not None:
        in_round = Review.objects.in_round_of_outer()
        claims = claims.filter(
            ~Exists(in_round.filter(actor=reviewer)),
            ~Exists(in_round.filter(pairs_with__isnull=False)),
        )
    return claims


@dataclass(frozen=True)
class QueueScope:
    """Which queue a reviewer works through: one document or all, which work, whose claims."""

    document: str = ""
    work: str = REVIEW_WORK
    mine: bool = False  # only the claims assigned to the reviewer

    def query(self, **anchor: int) -> str:
        """Return the queue's query string, with an anchor (at=, after= or before=) if given."""
        params: dict[str, str | int] = {}
        if self.document:
            params["document"] = self.document
        if self.work != REVIEW_WORK:
            params["work"] = self.work
        if self.mine:
            params["assigned"] = "me"
        params.update(anchor)
        return f"?{urlencode(params)}" if params else ""


def skipped_by(user) -> Exists:
    """Return "`user` skipped this claim in the queue" as a condition on claims."""
    return Exists(QueueSkip.objects.filter(claim=OuterRef("pk"), reviewer_id=user.pk))


def queue_for_user(*, user, scope: QueueScope, now: datetime.datetime) -> ClaimQuerySet:
    """Return the claims of `scope` that the queue may hand to `user` at `now`.

    Claims assigned to another reviewer, and claims another reviewer holds, are theirs. The
    claims `user` skipped are still here: the queue serves them last (`queue_passes`).
    """
    claims = review_queue(document=scope.document, work=scope.work, reviewer=user)
    if scope.mine:
        claims = claims.filter(assignment__assignee_id=user.pk)
    else:
        others = Assignment.objects.filter(claim=OuterRef("pk")).exclude(assignee_id=user.pk)
        claims = claims.exclude(Exists(others))
    held = QueueHold.objects.filter(claim=OuterRef("pk"), until__gt=now).exclude(
        reviewer_id=user.pk
    )
    return claims.exclude(Exists(held))


def review_queue_for_user(
    *, user, scope: QueueScope | None = None, now: datetime.datetime | None = None
) -> ClaimQuerySet:
    """Return the claims the queue may hand to `user` (403 without a role); see queue_for_user."""
    require_perm(user, VIEW, "open the review queue")
    return queue_for_user(user=user, scope=scope or QueueScope(), now=now or timezone.now())


def queue_passes(
    claims: ClaimQuerySet,
    *,
    user,
    after: Claim | None = None,
    before: Claim | None = None,
) -> list[ClaimQuerySet]:
    """Return, in the order to try them, the ordered query sets the next claim comes from.

    The queue is two passes in (document, line) order: the claims `user` has not skipped, then
    the ones they skipped (the back of their queue). `after`/`before` continue from a claim.
    """
    skipped = skipped_by(user)
    first, back = claims.exclude(skipped), claims.filter(skipped)
    anchor = after or before
    if anchor is None:
        return [first, back]
    anchor_skipped = QueueSkip.objects.filter(claim=anchor, reviewer_id=user.pk).exists()
    if after is not None:
        # From a skipped claim, the rest of the main pass (it was just skipped, or the main
        # pass is done), then the back after it; from any other, the main pass, then the back.
        later = claims_after(after)
        return [first.filter(later), back.filter(later) if anchor_skipped else back]
    backwards = claims_after(before, before=True)
    if anchor_skipped:
        return [back.filter(backwards).reverse(), first.reverse()]
    return [first.filter(backwards).reverse()]


#: The review queue counts its claims up to here ("Claim 12 of 1,000+"): the queue page is
#: opened after every decision, and a place deep in a long queue says little more.
QUEUE_COUNT_CAP = 1_000


def queue_position(*, user, scope: QueueScope, claim: Claim) -> tuple[int, int, bool]:
    """Return (claim's place, claims in the queue, whether the count stopped at the cap).

    "12 of 105 in this queue": every claim of the scope counts, held by others or not; the
    claims `user` skipped come after the others, as the queue serves them. Counts stop past
    QUEUE_COUNT_CAP: a page never counts a million rows.
    """
    claims = review_queue(document=scope.document, work=scope.work)
    if scope.mine:
        claims = claims.filter(assignment__assignee_id=user.pk)
    unordered = claims.order_by()
    total = unordered[: QUEUE_COUNT_CAP + 1].count()
    skipped = skipped_by(user)
    earlier = claims_after(claim, before=True)
    if QueueSkip.objects.filter(claim=claim, reviewer_id=user.pk).exists():
        ahead = unordered.exclude(skipped)[: QUEUE_COUNT_CAP + 1].count()
        ahead += unordered.filter(skipped).filter(earlier)[: QUEUE_COUNT_CAP + 1].count()
    else:
        ahead = unordered.exclude(skipped).filter(earlier)[: QUEUE_COUNT_CAP + 1].count()
    return min(ahead + 1, max(total, 1)), total, total > QUEUE_COUNT_CAP


def queue_skips(claim: Claim) -> list[QueueSkip]:
    """Return who skipped `claim` in the queue since its last decision, and why."""
    skips = QueueSkip.objects.filter(claim=claim).select_related("reviewer")
    if claim.last_decision_id:
        skips = skips.filter(at__gt=claim.last_decision.at)
    return list(skips.order_by("-id")[:5])


def dashboard_verdicts_by_document() -> list[dict]:
    """Return, per document, its live claims counted by verdict.

    One query over the counts the database keeps (VerdictCount), not a GROUP BY over every
    claim: a handful of rows per document whatever the number of claims.
    """
    rows = VerdictCount.objects.values_list(
        "document__name", "verdict", "document__review_policy__double_review", "n"
    )
    documents: dict[str, dict[str, int]] = {}
    double: dict[str, bool] = {}
    for name, verdict, policy, n in rows:
        documents.setdefault(name, {v: 0 for v in Verdict.values})[verdict] = n
        double[name] = settings.WORKBENCH_DOUBLE_REVIEW if policy is None else policy
    result = []
    for name in sorted(documents):
        counts = documents[name]
        total = sum(counts.values()) or 1
        offset = 0.0
        bars = []
        for verdict in Verdict.values:
            percent = round(100 * counts[verdict] / total, 1)
            bars.append(
                {
                    "verdict": verdict,
                    "label": Verdict(verdict).label,
                    "n": counts[verdict],
                    "percent": percent,
                    "offset": round(offset, 1),
                }
            )
            offset += percent
        result.append(
            {
                "name": name,
                "total": sum(counts.values()),
                "bars": bars,
                "double_review": double[name],
            }
        )
    return result


@dataclass(frozen=True)
class Dashboard:
    documents: list[dict]
    awaiting_review: int
    awaiting_attribution: int
    assigned: int
    next_up: list[Claim]
    mine: list[Decision]
    team: list[Decision]
    mentions: list[ClaimNote]
    #: Double review (None while no document needs it): adjudications waiting, agreement.
    reviews: "ReviewBoard | None" = None
    #: Where awaiting_attribution stopped counting.
    count_cap: int = QUEUE_COUNT_CAP


def dashboard_for_user(*, user) -> Dashboard:
    """Return what the dashboard shows `user` (403 without a role).

    Each count is what the list it links to shows: "105 unreviewed" opens a list of 105
    (locked claims included: the list has them too).
    """
    require_perm(user, VIEW, "see the dashboard")
    live = Claim.objects.live()
    documents = dashboard_verdicts_by_document()
    return Dashboard(
        reviews=review_board(documents),
        documents=documents,
        awaiting_review=sum(
            bar["n"] for d in documents for bar in d["bars"] if bar["verdict"] == Verdict.UNREVIEWED
        ),
        awaiting_attribution=live.attribution_pending()[: QUEUE_COUNT_CAP + 1].count(),
        assigned=live.filter(assignment__assignee_id=user.pk).count(),
        # What the queue will serve this user: never a claim they reviewed blind in its round.
        next_up=list(review_queue(reviewer=user).select_related("document")[:5]),
        mine=decisions_recent(actor=user, limit=8),
        team=decisions_recent(limit=8),
        mentions=mentions_of(user),
    )


def mentions_of(user, limit: int = 8) -> list[ClaimNote]:
    """Return the latest notes that name `user` with @username, newest first."""
    return list(
        ClaimNote.objects.filter(mentions__user_id=user.pk)
        .select_related("claim__document", "author")
        .order_by("-id")[:limit]
    )


def claim_discussion(claim: Claim) -> list[ClaimNote]:
    """Return the notes about `claim`, oldest first (a thread), with their authors."""
    return list(ClaimNote.objects.filter(claim=claim).select_related("author").order_by("id"))


def claim_assignment(claim: Claim) -> Assignment | None:
    """Return whose claim this is to review, if an editor assigned it."""
    return Assignment.objects.filter(claim=claim).select_related("assignee").first()


def decisions_recent(*, actor=None, limit: int = 10) -> list[Decision]:
    """Return the latest decisions, of everyone or of `actor`, with their claims."""
    decisions = Decision.objects.select_related("claim__document", "actor").order_by("-id")
    if actor is not None:
        decisions = decisions.filter(actor=actor)
    return list(decisions[:limit])


# --- Double review ---------------------------------------------------------------------------
#
# What anyone but its author may see of a blind review: that it exists, and who wrote it, until
# the second review of its round is in (or a decision follows it). The reads below are the only
# ones that open reviews; the claim page, the queue and the exports go through them.

#: Reviews a claim needs in double-review mode.
REVIEWS_NEEDED = 2
#: How a settling decision reads in a claim's history.
SETTLED_BY = {
    DecisionKind.AGREEMENT: " (two blind reviews agreed)",
    DecisionKind.ADJUDICATION: " (adjudicated between two blind reviews)",
}


def double_review_of(document_id: int) -> bool:
    """Return whether the claims of document `document_id` need two blind reviews."""
    return bool(documents_in_double_review({document_id}))


def documents_in_double_review(document_ids: set[int]) -> set[int]:
    """Return which of `document_ids` need two blind reviews (their policy, else the setting)."""
    policies = dict(
        ReviewPolicy.objects.filter(document_id__in=document_ids).values_list(
            "document_id", "double_review"
        )
    )
    return {d for d in document_ids if policies.get(d, settings.WORKBENCH_DOUBLE_REVIEW)}


def double_review_for(document: Document) -> bool:
    """Return the same for a document read with its `review_policy` (no query if selected)."""
    try:
        return document.review_policy.double_review
    except ReviewPolicy.DoesNotExist:
        return settings.WORKBENCH_DOUBLE_REVIEW


def _with_rows(reviews):
    return reviews.select_related("actor").prefetch_related(
        Prefetch(
            "assessments",
            queryset=ReviewAssessment.objects.select_related("citation__source").order_by(
                "citation__order", "id"
            ),
        )
    )


def review_round(claim: Claim) -> list[Review]:
    """Return the reviews of `claim`'s current round, first first, with what each said."""
    return list(_with_rows(Review.objects.in_round_of(claim)))


def with_review_round(claims: QuerySet) -> QuerySet:
    """Annotate each claim with `round_reviews`: how many reviews its current round holds."""
    counted = (
        Review.objects.in_round_of_outer()
        .order_by()
        .values("claim_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return claims.annotate(round_reviews=Coalesce(Subquery(counted), 0))


def _visible_reviews(claim: Claim, events: list[AuditEvent]) -> dict[int, Review]:
    """Return the claim's reviews anyone may see, by id (no query without review events)."""
    if not any(event.action == REVIEW for event in events):
        return {}
    return {review.pk: review for review in Review.objects.filter(claim=claim).visible()}


def _review_entry(event: AuditEvent, visible: dict[int, Review]) -> tuple[AuditEvent, str]:
    """Return a review event as the history shows it: blind, or with its verdict once seen."""
    review = visible.get((event.after or {}).get("review"))
    if review is not None:
        return event, f"reviewed this claim blind: {review.get_verdict_display().lower()}"
    # A copy without the rationale (the reason) or the digests: the page shows the reason.
    hidden = copy.copy(event)
    hidden.reason, hidden.after = "", {}
    return hidden, "recorded a blind review (hidden until the second review is in)"


@dataclass(frozen=True)
class ReviewState:
    """What a claim page shows of the claim's blind reviews, to one viewer."""

    double: bool
    #: The current round's reviews, first first.
    reviews: list[Review]
    viewer: Any
    #: The claim's latest decision when it settled two reviews, and those reviews.
    settled_by: Decision | None = None
    settled: tuple[Review, ...] = ()

    @property
    def count(self) -> int:
        return len(self.reviews)

    @property
    def needed(self) -> int:
        return REVIEWS_NEEDED

    @property
    def awaiting_adjudication(self) -> bool:
        return self.count >= REVIEWS_NEEDED

    @property
    def mine(self) -> Review | None:
        """The viewer's own review in the current round."""
        return next((r for r in self.reviews if r.actor_id == self.viewer.pk), None)

    @property
    def shown(self) -> list[Review]:
        """The round's reviews the viewer may read: their own, or both once both are in."""
        if self.awaiting_adjudication:
            return self.reviews
        return [r for r in self.reviews if r.actor_id == self.viewer.pk]

    @property
    def open_to_viewer(self) -> bool:
        """Whether the viewer may record a decision or review on the claim now."""
        if not self.double:
            return True
        return not self.awaiting_adjudication and self.mine is None


def review_state_for_user(*, user, claim: Claim) -> ReviewState | None:
    """Return what the claim page shows `user` of the claim's reviews, None if nothing.

    No query for a claim of a single-review document read through claim_get_for_user (its
    policy selected) whose latest decision settled no reviews; two to four otherwise.
    """
    require_perm(user, VIEW, "see reviews")
    double = double_review_for(claim.document)
    decision = claim.last_decision
    settling = decision is not None and decision.kind != DecisionKind.DECISION
    if not double and not settling:
        # Single review: a decision settles the claim, whatever reviews a document that needed
        # two once left (they stay in its history and in the agreement figures).
        return None
    reviews = review_round(claim) if double else []
    settled: tuple[Review, ...] = ()
    if settling:
        pair = {
            r.pk: r
            for r in _with_rows(
                Review.objects.filter(pk__in=[decision.first_review_id, decision.second_review_id])
            )
        }
        settled = (pair[decision.first_review_id], pair[decision.second_review_id])
    return ReviewState(
        double=double,
        reviews=reviews,
        viewer=user,
        settled_by=decision if settling else None,
        settled=settled,
    )


def adjudication_queue() -> ClaimQuerySet:
    """Return the live, open claims whose two blind reviews disagree, in (document, line) order.

    Starts from the claims that ever had a second review (few), then keeps those whose current
    round holds one.
    """
    paired = Review.objects.filter(pairs_with__isnull=False).values("claim_id")
    return (
        Claim.objects.live()
        .filter(locked=False, pk__in=paired)
        .filter(Exists(Review.objects.in_round_of_outer().filter(pairs_with__isnull=False)))
        .order_by("document_id", "line", "id")
    )


#: The adjudication queue lists this many claims at most (it is a to-do list, not an archive).
ADJUDICATION_PAGE = 200


@dataclass(frozen=True)
class AdjudicationQueue:
    claims: list[Claim]
    total: int


def adjudication_queue_for_user(*, user, document: str = "") -> AdjudicationQueue:
    """Return the claims waiting for an editor's adjudication (403 without a role)."""
    require_perm(user, VIEW, "see the adjudication queue")
    claims = adjudication_queue()
    if document:
        claims = claims.filter(document__name=document)
    rows = list(claims.select_related("document")[:ADJUDICATION_PAGE])
    total = len(rows) if len(rows) < ADJUDICATION_PAGE else claims.count()
    return AdjudicationQueue(claims=rows, total=total)


@dataclass(frozen=True)
class FootnoteReviews:
    """One footnote as the two reviews saw it, side by side."""

    citation: Citation
    first: ReviewAssessment | None
    second: ReviewAssessment | None

    @property
    def agree(self) -> bool:
        return bool(self.first and self.second and self.first.stance == self.second.stance)


@dataclass(frozen=True)
class Adjudication:
    """A claim whose two blind reviews disagree, as the editor deciding it sees them."""

    claim: Claim
    first: Review
    second: Review
    footnotes: list[FootnoteReviews]


def adjudication_for_user(*, user, claim: Claim) -> Adjudication | None:
    """Return the two disagreeing reviews of `claim` side by side, None if none wait."""
    require_perm(user, VIEW, "see reviews")
    reviews = review_round(claim)
    if len(reviews) < REVIEWS_NEEDED:
        return None
    first, second = reviews[:REVIEWS_NEEDED]
    rows = [
        {row.citation_id: row for row in review.assessments.all()} for review in (first, second)
    ]
    citations, _ = claim_suggestion(claim)
    return Adjudication(
        claim=claim,
        first=first,
        second=second,
        footnotes=[
            FootnoteReviews(citation=c, first=rows[0].get(c.pk), second=rows[1].get(c.pk))
            for c in citations
        ],
    )


@dataclass(frozen=True)
class ReviewBoard:
    """The dashboard's double-review card: adjudications waiting and how far reviewers agreed."""

    awaiting_adjudication: int
    agreement: agreement.Report
    minimum: int = agreement.MIN_ITEMS

    @property
    def heat(self) -> dict:
        """The overall confusion matrix as SVG geometry: labelled cells shaded by their count."""
        overall = self.agreement.overall
        largest = max((n for row in overall.confusion for n in row), default=0) or 1
        left, top, width, height = 24, 8, 20, 10  # room for the row and column labels
        cells = [
            {
                "first": first,
                "second": second,
                "n": n,
                "x": left + width * col,
                "y": top + height * row,
                "cx": left + width * col + width // 2,
                "cy": top + height * row + 6,
                "share": round(0.1 + 0.9 * n / largest, 2) if n else 0,
            }
            for row, (first, counts) in enumerate(overall.matrix)
            for col, (second, n) in enumerate(zip(overall.categories, counts, strict=True))
        ]
        size = len(overall.categories)
        return {
            "width": left + width * size,
            "height": top + height * size,
            "columns": [
                {"text": c, "x": left + width * i + width // 2}
                for i, c in enumerate(overall.categories)
            ],
            "rows": [
                {"text": c, "x": left - 1, "y": top + height * i + 6}
                for i, c in enumerate(overall.categories)
            ],
            "cells": cells,
        }


def review_board(documents: list[dict]) -> ReviewBoard | None:
    """Return the dashboard's double-review card, None while no document needs two reviews."""
    if not any(doc["double_review"] for doc in documents) and not (
        settings.WORKBENCH_DOUBLE_REVIEW
    ):
        return None
    return ReviewBoard(
        awaiting_adjudication=adjudication_queue().count(),
        agreement=agreement_report(),
    )


def review_pairs(*, document: str = "") -> list[agreement.Pair]:
    """Return every pair of blind reviews of one claim, as claims.agreement.Pair, in order.

    A pair is a second review and the first it met: agreed, adjudicated, waiting for an editor,
    or voided later by a footnote change (two independent judgements of the same claim all the
    same). Three queries, whatever the number of pairs.
    """
    seconds = Review.objects.filter(pairs_with__isnull=False)
    if document:
        seconds = seconds.filter(claim__document__name=document)
    seconds = seconds.select_related("actor", "claim__document", "pairs_with__actor")
    seconds = seconds.prefetch_related("assessments", "pairs_with__assessments").order_by("id")
    pairs = []
    for second in seconds:
        first = second.pairs_with
        a, b = first.stances, second.stances
        pairs.append(
            agreement.Pair(
                document=second.claim.document.name,
                reviewers=(first.actor.get_username(), second.actor.get_username()),
                verdicts=(first.verdict, second.verdict),
                stances=tuple((a[pk], b[pk]) for pk in sorted(a.keys() & b.keys())),
            )
        )
    return pairs


def agreement_report(*, document: str = "") -> agreement.Report:
    """Return the agreement figures of every pair of reviews (of one document if named)."""
    return agreement.report(review_pairs(document=document))


def agreement_for_user(*, user, document: str = "") -> agreement.Report:
    """Return the agreement figures for `user` (403 without a role)."""
    require_perm(user, VIEW, "see agreement figures")
    return agreement_report(document=document)


#: The footnote actions the page offers to undo (claims.services.undo).
UNDOABLE_ACTIONS = (
    AuditAction.CITATION_CONFIRM,
    AuditAction.CITATION_MOVE,
    AuditAction.CITATION_DETACH,
)


def undo_offer(*, claim_pk: int, citation_pk: int) -> dict | None:
    """Return what an "Undo" button needs for the latest action on a footnote of a claim (the
    event's id and a label), or None when that was no footnote action."""
    event = (
        AuditEvent.objects.filter(object_type="claims.claim", object_id=str(claim_pk))
        .order_by("-pk")
        .first()
    )
    if (
        event is None
        or event.action not in UNDOABLE_ACTIONS
        or (event.after or {}).get("citation") != citation_pk
    ):
        return None
    label = (event.after or {}).get("label", "?")
    verb = {
        AuditAction.CITATION_CONFIRM: "confirmation",
        AuditAction.CITATION_MOVE: "move",
        AuditAction.CITATION_DETACH: "detach",
    }[event.action]
    return {"event": event.pk, "text": f"Undo the {verb} of [{label}]"}
