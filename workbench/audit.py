"""The audit trail: append an event to the hash chain, and verify the chain and what it covers.

Every service calls `audit_log` inside its own transaction, so an editorial change and its
audit record commit or roll back together. Appends are serialised (an advisory lock on
PostgreSQL; SQLite takes its write lock at BEGIN IMMEDIATE) so that two writers can never read
the same head and fork the chain (workbench/checks.py refuses settings that would let them).

The chain alone proves nothing about rows it does not cover, so the event that records a
decision carries digests of the decision row and of its assessment rows, and `audit_verify`
checks the published rows against the chain: decisions and assessments against their events,
claims' verdicts against their newest decision. Blind reviews (double review) are checked the
same way against the `claim.review` events that recorded them, and a decision that settled two
reviews names them in its event.
"""

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery

from workbench.models import PAYLOAD_VERSION, AuditEvent

GENESIS = "0" * 64
# Any constant will do: it names the one lock every audit append takes on PostgreSQL.
_CHAIN_LOCK = 7_202_611
# Rows per query when verifying: keeps memory flat and the query count at rows / BATCH.
BATCH = 2000
# Problems named in a report; the rest are counted.
MAX_FINDINGS = 20
DECIDE = "claim.decide"
REVIEW = "claim.review"

# The fields a decision's and an assessment's digest cover. Changing either list would make
# every event written before the change fail to verify: add a field with a new digest key.
DECISION_FIELDS = (
    "id",
    "claim_id",
    "verdict_from",
    "verdict_to",
    "suggested",
    "rationale",
    "evidence_url",
    "evidence_quote",
    "actor_id",
    "at",
    "claim_version",
)
ASSESSMENT_FIELDS = (
    "id",
    "citation_id",
    "decision_id",
    "stance",
    "quote",
    "page",
    "actor_id",
    "at",
)
# The same for a blind review and what it said of each footnote it saw.
REVIEW_FIELDS = (
    "id",
    "claim_id",
    "follows_id",
    "claim_version",
    "pairs_with_id",
    "verdict",
    "suggested",
    "rationale",
    "evidence_url",
    "evidence_quote",
    "actor_id",
    "at",
)
REVIEW_ASSESSMENT_FIELDS = ("id", "review_id", "citation_id", "stance", "quote", "page")


def jsonable(value: Any) -> Any:
    """Return `value` as plain JSON data: dates as ISO strings, model instances as their pk."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def canonical(event: dict[str, Any]) -> str:
    """Return the canonical JSON of an event: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# The columns event_payload reads, in _payload's order (the chain walk fetches just these).
_PAYLOAD_COLUMNS = (
    "v",
    "id",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "reason",
)


def event_payload(event: AuditEvent) -> dict[str, Any]:
    """Return the fields of `event` that its hash covers, as its payload version defines them.

    Version 1 (events written before version 2): at, actor, action, object_type, object_id,
    before, after, reason. Version 2 adds v, id and actor_name: every field export_audit
    writes but prev_hash and hash.
    """
    return _payload(*(getattr(event, name) for name in _PAYLOAD_COLUMNS))


def _payload(
    v: int,
    id: int,
    at: datetime.datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    reason: str,
) -> dict[str, Any]:
    payload = {
        "at": at.astimezone(datetime.UTC).isoformat(),
        "actor": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "before": before,
        "after": after,
        "reason": reason,
    }
    if v >= 2:
        payload.update(v=v, id=id, actor_name=actor_name or None)
    return payload


def event_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(payload)).encode()).hexdigest()


def _field(row: models.Model | dict[str, Any], name: str) -> Any:
    value = row[name] if isinstance(row, dict) else getattr(row, name)
    if isinstance(value, datetime.datetime):
        # The same instant reads back in UTC whatever zone it was written in.
        return value.astimezone(datetime.UTC).isoformat()
    return value


def _sha256(data: Any) -> str:
    return hashlib.sha256(canonical(data).encode()).hexdigest()


def decision_digests(
    decision: models.Model | dict[str, Any],
    assessments: Iterable[models.Model | dict[str, Any]],
) -> dict[str, str]:
    """Return the SHA-256 digests of a decision row and of its assessment rows.

    The services put them in the `after` of the event that records the decision; audit_verify
    recomputes them from the rows as stored. Each covers the canonical JSON of DECISION_FIELDS
    (ASSESSMENT_FIELDS of each assessment, in id order), datetimes as UTC ISO strings. Rows are
    model instances or `.values()` dicts.
    """
    rows = [{name: _field(a, name) for name in ASSESSMENT_FIELDS} for a in assessments]
    rows.sort(key=lambda row: row["id"])
    return {
        "decision_sha256": _sha256({name: _field(decision, name) for name in DECISION_FIELDS}),
        "assessments_sha256": _sha256(rows),
    }


def review_digests(
    review: models.Model | dict[str, Any],
    assessments: Iterable[models.Model | dict[str, Any]],
) -> dict[str, str]:
    """Return the SHA-256 digests of a review row and of its rows per footnote (as above)."""
    rows = [{name: _field(a, name) for name in REVIEW_ASSESSMENT_FIELDS} for a in assessments]
    rows.sort(key=lambda row: row["id"])
    return {
        "review_sha256": _sha256({name: _field(review, name) for name in REVIEW_FIELDS}),
        "assessments_sha256": _sha256(rows),
    }


def audit_log(
    *,
    actor,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event about `obj` to the chain; call it inside the service's transaction."""
    event = AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=jsonable(before),
        after=jsonable(after),
        reason=reason,
    )
    return audit_append([event])[0]


def audit_append(events: list[AuditEvent]) -> list[AuditEvent]:
    """Chain unsaved `events` after the current head, in order, and insert them.

    Takes the chain lock first (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the write
    lock), so no other writer can read the same head until this transaction ends.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events must be written inside the transaction of the change")
    if not events:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
            # The head, and the id sequence moved past the ids given below in the same
            # statement, so that an insert relying on it (a shell, a fixture) cannot collide.
            # SQLite's AUTOINCREMENT follows by itself.
            cursor.execute(
                "SELECT head.id, head.hash, setval(pg_get_serial_sequence("
                "'workbench_auditevent', 'id'), COALESCE(head.id, 0) + %s) "
                "FROM (SELECT 1) AS one LEFT JOIN (SELECT id, hash FROM workbench_auditevent "
                "ORDER BY id DESC LIMIT 1) AS head ON true",
                [len(events)],
            )
            last_id, prev_hash, _ = cursor.fetchone()
            head = None if last_id is None else (last_id, prev_hash)
    else:
        head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    last_id, prev_hash = head or (0, GENESIS)
    for offset, event in enumerate(events, 1):
        # The id is hashed, so it is chosen before the insert: the next ones after the head,
        # which no other writer can take while this transaction holds the chain lock.
        event.id = last_id + offset
        event.v = PAYLOAD_VERSION
        if event.actor_id is not None and not event.actor_name:
            event.actor_name = event.actor.get_username()
        event.prev_hash = prev_hash
        event.hash = prev_hash = event_hash(prev_hash, event_payload(event))
    return AuditEvent.objects.bulk_create(events, batch_size=2000)


@dataclass(frozen=True)
class ChainReport:
    """What audit_verify found: the chain walk, the rows checked against it, and the problems."""

    checked: int
    broken: AuditEvent | None = None
    problem: str = ""
    head: str = GENESIS
    findings: tuple[str, ...] = ()
    more_findings: int = 0
    anchor: str | None = None
    anchor_event: int | None = None
    decisions: int = 0
    assessments: int = 0
    claims: int = 0
    reviews: int = 0

    @property
    def anchored(self) -> bool:
        """Whether the chain passes through the expected hash (True if none was given)."""
        return self.anchor is None or self.anchor_event is not None

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.findings and self.anchored


class _Findings:
    """The problems found outside the chain walk: the first MAX_FINDINGS, and a count."""

    def __init__(self) -> None:
        self.listed: list[str] = []
        self.total = 0

    def add(self, message: str) -> None:
        self.total += 1
        if len(self.listed) < MAX_FINDINGS:
            self.listed.append(message)


@dataclass(frozen=True)
class _Walk:
    checked: int
    head: str
    broken: AuditEvent | None = None
    problem: str = ""
    anchor_event: int | None = None


def audit_verify(*, expect_hash: str | None = None) -> ChainReport:
    """Verify the chain, and every decision, assessment and claim against it.

    Walks the chain in id order and stops at the first event whose links or hash do not hold.
    Then checks that each decision and its assessments match the event that recorded them
    (the digests in its `after`, or for events written before them the verdict and version
    it names), that each such event's decision exists, and that each claim's verdict, last
    decision and version agree with its newest decision. With `expect_hash`, the chain must
    pass through that hash. Streams in batches: memory does not grow with the tables.
    """
    findings = _Findings()
    walk = _walk_chain(expect_hash, findings)
    if walk.checked == 0 and walk.broken is None:
        decided = apps.get_model("claims", "Decision").objects.count()
        if decided:
            findings.add(
                f"the audit trail is empty, but {_plural(decided, 'decision')} "
                f"{'exists' if decided == 1 else 'exist'}: it was emptied"
            )
    decisions, assessments = _check_decisions(findings)
    reviews = _check_reviews(findings)
    claims = _check_claims(findings)
    _check_loose_assessments(findings)
    return ChainReport(
        checked=walk.checked,
        broken=walk.broken,
        problem=walk.problem,
        head=walk.head,
        findings=tuple(findings.listed),
        more_findings=findings.total - len(findings.listed),
        anchor=expect_hash,
        anchor_event=walk.anchor_event,
        decisions=decisions,
        assessments=assessments,
        claims=claims,
        reviews=reviews,
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _walk_chain(expect_hash: str | None, findings: _Findings) -> _Walk:
    """Walk the chain in id order; stop at the first event whose links or hash do not hold."""
    prev_hash, checked, anchor_event, last = GENESIS, 0, None, 0
    # Tuples, not model instances: building a million instances costs more than hashing them.
    columns = (*_PAYLOAD_COLUMNS, "prev_hash", "hash")
    while True:
        batch = list(
            AuditEvent.objects.filter(id__gt=last).order_by("id").values_list(*columns)[:BATCH]
        )
        if not batch:
            return _Walk(checked, prev_hash, anchor_event=anchor_event)
        recorded: dict[int, int] = {}  # decision id -> the event recording it
        reviewed: dict[int, int] = {}  # review id -> the event recording it
        for row in batch:
            event_id, action, after = row[1], row[5], row[9]
            stored_prev, stored_hash = row[-2:]
            problem = ""
            if stored_prev != prev_hash:
                problem = (
                    "its prev_hash does not match the event before it "
                    "(an event was removed or inserted out of order)"
                )
            elif stored_hash != event_hash(prev_hash, _payload(*row[:-2])):
                problem = "its contents do not match its hash (altered)"
            if problem:
                _check_recorded_exist("Decision", "decision", recorded, findings)
                _check_recorded_exist("Review", "review", reviewed, findings)
                broken = AuditEvent.objects.get(pk=event_id)
                return _Walk(checked, prev_hash, broken, problem, anchor_event)
            if stored_hash == expect_hash:
                anchor_event = event_id
            if action == DECIDE:
                decision = (after or {}).get("decision")
                if isinstance(decision, int):
                    recorded[decision] = event_id
                else:
                    findings.add(f"audit event #{event_id} records a decision but names none")
            elif action == REVIEW:
                review = (after or {}).get("review")
                if isinstance(review, int):
                    reviewed[review] = event_id
                else:
                    findings.add(f"audit event #{event_id} records a review but names none")
            prev_hash = stored_hash
            checked += 1
        _check_recorded_exist("Decision", "decision", recorded, findings)
        _check_recorded_exist("Review", "review", reviewed, findings)
        last = batch[-1][1]


def _check_recorded_exist(
    model: str, noun: str, recorded: dict[int, int], findings: _Findings
) -> None:
    if not recorded:
        return
    rows = apps.get_model("claims", model).objects.filter(id__in=recorded)
    present = set(rows.values_list("id", flat=True))
    for pk, event in recorded.items():
        if pk not in present:
            findings.add(
                f"audit event #{event} records {noun} #{pk}, which is not in the database (removed)"
            )


def _check_decisions(findings: _Findings) -> tuple[int, int]:
    """Match every decision and its assessments to the event that recorded them.

    Per batch of decisions (id order), three queries: the decisions, their assessments, and
    the claim.decide events of their claims naming a decision in the batch's id range (found
    through the (object_type, object_id) index). Returns the decisions and assessments checked.
    """
    Decision = apps.get_model("claims", "Decision")
    Assessment = apps.get_model("claims", "Assessment")
    decisions_checked = assessments_checked = last = 0
    while True:
        batch = list(
            Decision.objects.filter(id__gt=last)
            .order_by("id")
            .values(*DECISION_FIELDS, "kind", "first_review_id", "second_review_id")[:BATCH]
        )
        if not batch:
            return decisions_checked, assessments_checked
        low, high = batch[0]["id"], batch[-1]["id"]
        assessments: dict[int, list[dict]] = defaultdict(list)
        for row in (
            Assessment.objects.filter(decision_id__gte=low, decision_id__lte=high)
            .order_by()
            .values(*ASSESSMENT_FIELDS)
        ):
            assessments[row["decision_id"]].append(row)
        events: dict[int, list[dict]] = defaultdict(list)
        for event in (
            AuditEvent.objects.filter(
                object_type="claims.claim",
                object_id__in={str(d["claim_id"]) for d in batch},
                action=DECIDE,
                after__decision__gte=low,
                after__decision__lte=high,
            )
            .order_by("id")
            .values("id", "object_id", "after")
        ):
            events[event["after"]["decision"]].append(event)
        for decision in batch:
            _check_decision(decision, assessments[decision["id"]], events[decision["id"]], findings)
        decisions_checked += len(batch)
        assessments_checked += sum(len(rows) for rows in assessments.values())
        last = high


def _check_decision(
    decision: dict, assessments: list[dict], events: list[dict], findings: _Findings
) -> None:
    label = f"decision #{decision['id']} (claim #{decision['claim_id']})"
    if not events:
        findings.add(
            f"{label} has no audit event: it was written behind the services, moved to "
            "another claim, or its event was removed"
        )
        return
    if len(events) > 1:
        ids = ", ".join(f"#{event['id']}" for event in events)
        findings.add(f"{label} is recorded by several audit events: {ids}")
        return
    event = events[0]
    after = event["after"]
    digests = decision_digests(decision, assessments)
    # Every decide event names the verdict and version; events written before the digests
    # existed are checked on those alone, and on the stances they list.
    altered = (after.get("verdict"), after.get("version"), event["object_id"]) != (
        decision["verdict_to"],
        decision["claim_version"],
        str(decision["claim_id"]),
    )
    if "decision_sha256" in after:
        altered = altered or after["decision_sha256"] != digests["decision_sha256"]
    # The digest predates double review: the kind and the reviews settled are named in clear
    # (an event without them recorded a plain decision, settling none).
    settled = [decision[name] for name in ("first_review_id", "second_review_id")]
    if (decision["kind"], [pk for pk in settled if pk is not None]) != (
        after.get("kind", "decision"),
        after.get("reviews", []),
    ):
        altered = True
    if altered:
        findings.add(
            f"{label} does not match audit event #{event['id']}, which recorded it (altered)"
        )
    if "assessments_sha256" in after:
        changed = after["assessments_sha256"] != digests["assessments_sha256"]
    else:
        stances = sorted((after.get("assessments") or {}).values())
        changed = stances != sorted(row["stance"] for row in assessments)
    if changed:
        findings.add(
            f"{label}: its assessments do not match audit event #{event['id']}, which "
            "recorded them (altered, added or removed)"
        )


def _check_reviews(findings: _Findings) -> int:
    """Match every blind review and its rows per footnote to the event that recorded them.

    Per batch of reviews (id order), three queries, as for decisions. Returns the reviews
    checked.
    """
    Review = apps.get_model("claims", "Review")
    ReviewAssessment = apps.get_model("claims", "ReviewAssessment")
    checked = last = 0
    while True:
        batch = list(
            Review.objects.filter(id__gt=last).order_by("id").values(*REVIEW_FIELDS)[:BATCH]
        )
        if not batch:
            return checked
        low, high = batch[0]["id"], batch[-1]["id"]
        rows: dict[int, list[dict]] = defaultdict(list)
        for row in (
            ReviewAssessment.objects.filter(review_id__gte=low, review_id__lte=high)
            .order_by()
            .values(*REVIEW_ASSESSMENT_FIELDS)
        ):
            rows[row["review_id"]].append(row)
        events: dict[int, list[dict]] = defaultdict(list)
        for event in (
            AuditEvent.objects.filter(
                object_type="claims.claim",
                object_id__in={str(r["claim_id"]) for r in batch},
                action=REVIEW,
                after__review__gte=low,
                after__review__lte=high,
            )
            .order_by("id")
            .values("id", "object_id", "after")
        ):
            events[event["after"]["review"]].append(event)
        for review in batch:
            label = f"review #{review['id']} (claim #{review['claim_id']})"
            recorded = events[review["id"]]
            if len(recorded) != 1:
                findings.add(
                    f"{label} has no audit event: it was written behind the services"
                    if not recorded
                    else f"{label} is recorded by several audit events: "
                    + ", ".join(f"#{event['id']}" for event in recorded)
                )
                continue
            event = recorded[0]
            digests = review_digests(review, rows[review["id"]])
            if (
                event["object_id"] != str(review["claim_id"])
                or event["after"].get("review_sha256") != digests["review_sha256"]
            ):
                findings.add(
                    f"{label} does not match audit event #{event['id']}, which recorded it "
                    "(altered)"
                )
            if event["after"].get("assessments_sha256") != digests["assessments_sha256"]:
                findings.add(
                    f"{label}: what it said of its footnotes does not match audit event "
                    f"#{event['id']}, which recorded it (altered, added or removed)"
                )
        checked += len(batch)
        last = high


def _check_claims(findings: _Findings) -> int:
    """Check each claim's verdict, last decision and version against its newest decision.

    Per batch of claims, two queries: the claims with the id of their newest decision (one
    index probe each, on decision (claim, -id)), and those decisions. Returns the claims checked.
    """
    Claim = apps.get_model("claims", "Claim")
    Decision = apps.get_model("claims", "Decision")
    newest = Decision.objects.filter(claim=OuterRef("pk")).order_by("-id").values("id")[:1]
    checked = last = 0
    while True:
        batch = list(
            Claim.objects.filter(id__gt=last)
            .order_by("id")
            .annotate(newest=Subquery(newest))
            .values_list("id", "verdict", "version", "last_decision_id", "newest")[:BATCH]
        )
        if not batch:
            return checked
        decided = {
            pk: (verdict, version)
            for pk, verdict, version in Decision.objects.filter(
                id__in=[row[4] for row in batch if row[4] is not None]
            ).values_list("id", "verdict_to", "claim_version")
        }
        for claim, verdict, version, last_decision, newest_id in batch:
            shown = f"#{last_decision}" if last_decision is not None else "none"
            if newest_id is None:
                if verdict != "unreviewed":
                    findings.add(f"claim #{claim}: verdict {verdict}, but it has no decision")
                if last_decision is not None:
                    findings.add(f"claim #{claim}: last decision {shown}, but it has no decision")
                continue
            verdict_to, claim_version = decided[newest_id]
            if last_decision != newest_id:
                findings.add(
                    f"claim #{claim}: last decision {shown}, but its newest decision is "
                    f"#{newest_id}"
                )
            if verdict != verdict_to:
                findings.add(
                    f"claim #{claim}: verdict {verdict}, but its newest decision #{newest_id} "
                    f"says {verdict_to}"
                )
            if version < claim_version:
                findings.add(
                    f"claim #{claim}: version {version} is below version {claim_version}, "
                    f"which its newest decision #{newest_id} produced"
                )
        checked += len(batch)
        last = batch[-1][0]


def _check_loose_assessments(findings: _Findings) -> None:
    """Name assessments that belong to no decision: no event records them."""
    Assessment = apps.get_model("claims", "Assessment")
    loose = Assessment.objects.filter(decision__isnull=True).order_by("id")
    for pk in loose.values_list("id", flat=True)[:MAX_FINDINGS]:
        findings.add(f"assessment #{pk} belongs to no decision, so no audit event records it")
