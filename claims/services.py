"""Every write to claims, citations, decisions and assessments goes through these functions.

Each runs in one transaction and appends its AuditEvent there (workbench.audit.audit_log).
Views, admin actions and management commands call them; nothing else writes these models.
"""

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from claims.formats.seed import ParsedClaim, parse_seed
from claims.models import (
    Assessment,
    Attribution,
    Citation,
    Claim,
    Decision,
    Stance,
    Verdict,
)
from claims.verdicts import Suggestion, suggest_verdict
from sources.models import Document, Source
from workbench.audit import audit_append, audit_log
from workbench.models import AuditEvent

BATCH = 2000
COPY_BATCH = 50_000
ANALYZE_AFTER = 5000  # claims added in one import

Progress = Callable[[str, int, int], None]


@dataclass
class ImportReport:
    document: Document
    added: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    restored: int = 0
    moved: int = 0
    sources: int = 0
    sources_added: int = 0
    attribution_checks: int = 0
    claim_ids: list[int] = field(default_factory=list, repr=False)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.withdrawn or self.restored or self.moved)

    def summary(self) -> str:
        parts = [
            f"{self.added} claims added",
            f"{self.unchanged} unchanged",
            f"{self.withdrawn} withdrawn",
        ]
        if self.restored:
            parts.append(f"{self.restored} restored")
        if self.moved:
            parts.append(f"{self.moved} moved to another line")
        return (
            f"{self.document.name}: {', '.join(parts)}; {self.sources} sources "
            f"({self.sources_added} new); {self.attribution_checks} leading markers need "
            "an attribution check"
        )


def document_import(
    *, name: str, data: bytes, actor=None, progress: Progress | None = None
) -> ImportReport:
    """Import one seed file as document `name`; re-importing it keeps what did not change.

    Claims are matched on their fingerprint (the line and the markers-only lines after it):
    a matched claim keeps its id, citations and history, even if it moved to another line;
    a new line becomes a new claim; a claim whose line is gone is withdrawn, never deleted.
    Raises SeedError (and changes nothing) for a file the grammar cannot read.
    """
    parsed = parse_seed(data, name)
    report_progress = progress or (lambda stage, done, total: None)
    with transaction.atomic():
        document, created = Document.objects.select_for_update().get_or_create(
            name=name, defaults={"sha256": parsed.sha256, "line_count": parsed.line_count}
        )
        report = ImportReport(document=document)
        existing = list(
            Claim.objects.filter(document=document)
            .order_by("withdrawn_at", "line", "id")  # live claims first (NULLs sort first)
            .values_list("id", "line", "fingerprint", "withdrawn_at")
        )
        if not created and document.sha256 == parsed.sha256:
            live = [row for row in existing if row[3] is None]
            report.unchanged = len(live)
            report.sources = document.sources.count()
            report.attribution_checks = _pending_count(document)
            return report
        _apply(document, parsed.claims, existing, report, report_progress)
        document.sha256 = parsed.sha256
        document.line_count = parsed.line_count
        document.imported_at = timezone.now()
        document.save(update_fields=["sha256", "line_count", "imported_at", "updated_at"])
        audit_log(
            actor=actor,
            action="document.import",
            obj=document,
            after={
                "sha256": parsed.sha256,
                "added": report.added,
                "unchanged": report.unchanged,
                "withdrawn": report.withdrawn,
                "restored": report.restored,
                "moved": report.moved,
                "sources_added": report.sources_added,
            },
        )
    return report


def _claim_row(document: Document, parsed: ParsedClaim, now) -> dict:
    return {
        "document_id": document.pk,
        "line": parsed.line,
        "text": parsed.text,
        "raw": parsed.raw,
        "fingerprint": parsed.fingerprint,
        "tags": ";".join(parsed.tags),
        "notes": ";".join(parsed.notes),
        "created_at": now,
        "updated_at": now,
    }


def _insert_orm(document: Document, chunk: list[ParsedClaim], sources: dict, now) -> list[int]:
    """Insert new claims and their citations with bulk_create (SQLite and other databases)."""
    claims = Claim.objects.bulk_create([Claim(**_claim_row(document, p, now)) for p in chunk])
    Citation.objects.bulk_create(
        [
            Citation(claim_id=claim.id, source_id=sources[label], position=position, order=i)
            for claim, p in zip(claims, chunk, strict=True)
            for i, (label, position) in enumerate(p.citations)
        ]
    )
    return [claim.id for claim in claims]


def _insert_copy(document: Document, chunk: list[ParsedClaim], sources: dict, now) -> list[int]:
    """Insert new claims and their citations with PostgreSQL's COPY (the bulk path).

    Ids are drawn from the claim sequence first, so citations can name their claims in the
    same pass; COPY then writes the rows without an ORM object per row.
    """
    columns = [*_claim_row(document, chunk[0], now), "verdict", "version", "locked"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('claims_claim', 'id')) "
            "FROM generate_series(1, %s)",
            [len(chunk)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor
        with raw.copy(f"COPY claims_claim (id, {', '.join(columns)}) FROM STDIN") as copy:
            for claim_id, parsed in zip(ids, chunk, strict=True):
                row = _claim_row(document, parsed, now)
                copy.write_row((claim_id, *row.values(), Verdict.UNREVIEWED, 1, False))
        with raw.copy(
            'COPY claims_citation (claim_id, source_id, position, "order", attribution) FROM STDIN'
        ) as copy:
            for claim_id, parsed in zip(ids, chunk, strict=True):
                for order, (label, position) in enumerate(parsed.citations):
                    copy.write_row((claim_id, sources[label], position, order, "as_printed"))
    return ids


def _pending_count(document: Document) -> int:
    """Count the leading citations of the document's live claims awaiting an attribution check."""
    live = Claim.objects.live().filter(document=document).values("pk")
    return Citation.objects.pending().filter(claim_id__in=live).count()


def _apply(
    document: Document,
    parsed_claims: list[ParsedClaim],
    existing: list[tuple],
    report: ImportReport,
    progress: Progress,
) -> None:
    now = timezone.now()
    candidates: dict[str, list[tuple]] = defaultdict(list)
    for row in existing:
        candidates[row[2]].append(row)

    new: list[ParsedClaim] = []
    kept_ids: set[int] = set()
    moves: dict[int, int] = {}
    restores: list[int] = []
    for parsed in parsed_claims:
        matches = candidates.get(parsed.fingerprint)
        if not matches:
            new.append(parsed)
            continue
        claim_id, line, _, withdrawn_at = matches.pop(0)
        kept_ids.add(claim_id)
        if withdrawn_at is not None:
            # A line that had vanished is back: its claim returns with its history.
            restores.append(claim_id)
            moves[claim_id] = parsed.line
        elif line != parsed.line:
            moves[claim_id] = parsed.line
        else:
            report.unchanged += 1

    vanished = [row[0] for row in existing if row[3] is None and row[0] not in kept_ids]
    for start in range(0, len(vanished), BATCH):
        Claim.objects.filter(id__in=vanished[start : start + BATCH]).update(
            withdrawn_at=now, version=F("version") + 1
        )
    report.withdrawn = len(vanished)

    if moves:
        # Two passes, since lines may swap and the unique rule on live (document, line) is
        # checked row by row: first out of the way (and back to live for restored claims),
        # then to the final line.
        offset = max([row[1] for row in existing] + [c.line for c in parsed_claims]) + 1
        objs = [Claim(id=cid, line=line + offset, withdrawn_at=None) for cid, line in moves.items()]
        Claim.objects.bulk_update(objs, ["line", "withdrawn_at"], batch_size=BATCH)
        objs = [Claim(id=cid, line=line) for cid, line in moves.items()]
        Claim.objects.bulk_update(objs, ["line"], batch_size=BATCH)
    report.restored = len(restores)
    report.moved = len(moves) - len(restores)

    sources = dict(document.sources.values_list("label", "id"))
    labels = {label for parsed in new for label, _ in parsed.citations}
    missing = sorted(labels - sources.keys(), key=lambda label: (len(label), label))
    Source.objects.bulk_create(
        [Source(document=document, label=label, created_at=now) for label in missing],
        batch_size=BATCH,
    )
    if missing:
        sources = dict(document.sources.values_list("label", "id"))
    report.sources = len(sources)
    report.sources_added = len(missing)

    total = len(new)
    insert = _insert_copy if connection.vendor == "postgresql" else _insert_orm
    for start in range(0, total, COPY_BATCH if insert is _insert_copy else BATCH):
        chunk = new[start : start + (COPY_BATCH if insert is _insert_copy else BATCH)]
        report.claim_ids.extend(insert(document, chunk, sources, now))
        progress("claims", start + len(chunk), total)
    report.added = total
    if connection.vendor == "postgresql" and total >= ANALYZE_AFTER:
        # Fresh statistics when the table has grown much since they were taken: without them
        # the planner takes the new rows for an empty table and picks nested loops that turn
        # the next queries into minutes. Growth-triggered, so a big corpus analyses log(n) times.
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'claims_claim'")
            known = cursor.fetchone()[0]
            if known < total * 2:
                cursor.execute("ANALYZE claims_claim, claims_citation, sources_source")
    report.attribution_checks = _pending_count(document)


# --- Review workflow -----------------------------------------------------------------------


class StaleVersion(Exception):
    """The claim changed after the reviewer opened it; says who changed it, when and how."""

    def __init__(self, claim: Claim, seen_version: int) -> None:
        self.claim = claim
        self.seen_version = seen_version
        self.event = (
            AuditEvent.objects.filter(object_type="claims.claim", object_id=str(claim.pk))
            .select_related("actor")
            .order_by("-id")
            .first()
        )
        super().__init__(self.describe())

    def describe(self) -> str:
        what = "changed this claim"
        who, when = "someone", ""
        if self.event is not None:
            who = self.event.actor.get_username() if self.event.actor else "the system"
            when = f" at {self.event.at:%Y-%m-%d %H:%M} UTC"
            what = describe_event(self.event)
        return (
            f"{who} {what}{when}, after you opened it (you saw version {self.seen_version}; "
            f"it is now at version {self.claim.version}). Look again, then decide."
        )


def describe_event(event: AuditEvent) -> str:
    """Return a short account of an event about a claim, as a sentence after the actor."""
    after = event.after or {}
    if event.action == "claim.decide":
        return f"marked this claim {after.get('verdict', '?')}"
    return {
        "claim.lock": "locked this claim",
        "claim.reopen": "reopened this claim",
        "claim.withdraw": "withdrew this claim",
        "citation.confirm": f"confirmed footnote [{after.get('label', '?')}]",
        "citation.move": f"moved footnote [{after.get('label', '?')}] away",
        "citation.receive": f"moved footnote [{after.get('label', '?')}] here",
        "citation.detach": f"detached footnote [{after.get('label', '?')}]",
    }.get(event.action, event.action)


@dataclass(frozen=True)
class AssessmentInput:
    """What a reviewer says one cited source says of the claim."""

    stance: str
    quote: str = ""
    page: str = ""


def _require(actor, permission: str, doing: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(permission):
        raise PermissionDenied(f"You may not {doing}.")


def _refuse_if_closed(claim: Claim) -> None:
    if claim.locked:
        raise ValidationError(
            f"Claim {claim.pk} is locked: an editor must reopen it first.", code="locked"
        )
    if claim.withdrawn_at is not None:
        raise ValidationError(
            f"Claim {claim.pk} was withdrawn: its line is no longer in the document.",
            code="withdrawn",
        )


def _bump(claim: Claim, seen_version: int | None = None, **changes) -> Claim:
    """Bump the claim's version in one UPDATE, checking the version the actor saw if given."""
    rows = Claim.objects.filter(pk=claim.pk, locked=False, withdrawn_at__isnull=True)
    if seen_version is not None:
        rows = rows.filter(version=seen_version)
    if not rows.update(version=F("version") + 1, updated_at=timezone.now(), **changes):
        current = Claim.objects.get(pk=claim.pk)
        _refuse_if_closed(current)
        raise StaleVersion(current, seen_version if seen_version is not None else claim.version)
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


def claim_suggestion(claim: Claim, changes: Mapping[int, AssessmentInput] | None = None):
    """Return (citations, suggestion) for `claim`, with `changes` applied to its assessments."""
    citations = list(
        claim.citations.attached().select_related("source", "assessment").order_by("order")
    )
    changes = changes or {}
    pairs = []
    for citation in citations:
        if citation.pk in changes:
            stance = changes[citation.pk].stance
        else:
            stance = citation.assessment.stance if citation.assessment else ""
        pairs.append((stance, citation.source.reliability))
    return citations, suggest_verdict(pairs)


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
    _require(actor, "claims.add_decision", "record decisions")
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": f"Unknown verdict {verdict!r}."})
    assessments = dict(assessments or {})
    for item in assessments.values():
        if item.stance not in Stance.values:
            raise ValidationError({"assessments": f"Unknown stance {item.stance!r}."})
    rationale = rationale.strip()
    if evidence_url:
        try:
            URLValidator(schemes=["http", "https"])(evidence_url)
        except ValidationError:
            raise ValidationError({"evidence_url": "Enter a valid http(s) URL."}) from None

    with transaction.atomic():
        current = Claim.objects.get(pk=claim.pk)
        _refuse_if_closed(current)
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
        _bump(current, version)
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
                    actor=actor,
                    at=now,
                )
                for citation_id, item in assessments.items()
            ]
        )
        _bulk_set(Citation, [(row.citation_id, row.pk) for row in rows], ["assessment_id"])
        Claim.objects.filter(pk=current.pk).update(verdict=verdict, last_decision=decision)
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
            },
            reason=rationale,
        )
    return decision


def _settle(citation: Citation, actor, attribution: str, action: str, reason: str) -> Citation:
    _require(actor, "claims.change_citation", "settle the attribution of footnotes")
    with transaction.atomic():
        citation = Citation.objects.select_related("claim", "source").get(pk=citation.pk)
        claim = citation.claim
        _refuse_if_closed(claim)
        if citation.attribution == attribution:
            raise ValidationError(
                f"Footnote [{citation.source.label}] is already {citation.get_attribution_display().lower()}."
            )
        before = {"label": citation.source.label, "attribution": citation.attribution}
        citation.attribution = attribution
        citation.save(update_fields=["attribution"])
        _bump(claim)
        audit_log(
            actor=actor,
            action=action,
            obj=claim,
            before=before,
            after={
                "label": citation.source.label,
                "attribution": attribution,
                "citation": citation.pk,
            },
            reason=reason.strip(),
        )
    return citation


def citation_confirm(*, citation: Citation, actor, reason: str = "") -> Citation:
    """Confirm that a (leading) footnote belongs to the claim it is printed on."""
    return _settle(citation, actor, Attribution.CONFIRMED, "citation.confirm", reason)


def citation_detach(*, citation: Citation, actor, reason: str = "") -> Citation:
    """Detach a footnote that closed a sentence not in the document; the row is kept."""
    return _settle(citation, actor, Attribution.DETACHED, "citation.detach", reason)


def claim_previous(claim: Claim) -> Claim | None:
    """Return the live claim on the closest line before `claim` in its document."""
    return (
        Claim.objects.live()
        .filter(document_id=claim.document_id, line__lt=claim.line)
        .order_by("-line")
        .first()
    )


def citation_move(
    *, citation: Citation, actor, to_claim: Claim | None = None, reason: str = ""
) -> Citation:
    """Move a footnote to the claim before it (the default) or another claim of its document."""
    _require(actor, "claims.change_citation", "move footnotes")
    with transaction.atomic():
        citation = Citation.objects.select_related("claim", "source").get(pk=citation.pk)
        source_claim = citation.claim
        _refuse_if_closed(source_claim)
        target = to_claim if to_claim is not None else claim_previous(source_claim)
        if target is None:
            raise ValidationError("There is no claim before this one to move the footnote to.")
        target = Claim.objects.get(pk=target.pk)
        if target.document_id != source_claim.document_id:
            raise ValidationError("A footnote can only move to a claim of the same document.")
        if target.pk == source_claim.pk:
            raise ValidationError("The footnote is already on this claim.")
        _refuse_if_closed(target)
        label = citation.source.label
        before = {
            "label": label,
            "claim": source_claim.pk,
            "order": citation.order,
            "attribution": citation.attribution,
        }
        last = target.citations.aggregate(last=Max("order"))["last"]
        citation.claim = target
        citation.order = 0 if last is None else last + 1
        citation.attribution = Attribution.MOVED
        # The assessment was made against the other sentence; its history stays in Assessment.
        citation.assessment = None
        citation.save(update_fields=["claim", "order", "attribution", "assessment"])
        _bump(source_claim)
        _bump(target)
        after = {
            "label": label,
            "claim": target.pk,
            "order": citation.order,
            "attribution": Attribution.MOVED,
            "citation": citation.pk,
        }
        reason = reason.strip()
        audit_log(
            actor=actor,
            action="citation.move",
            obj=source_claim,
            before=before,
            after=after,
            reason=reason,
        )
        audit_log(
            actor=actor,
            action="citation.receive",
            obj=target,
            before=before,
            after=after,
            reason=reason,
        )
    return citation


def _claim_update(current: Claim, actor, action: str, changes: dict, reason: str) -> Claim:
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


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason: it is kept in the audit trail."})
    return reason.strip()


def claim_lock(*, claim: Claim, actor, reason: str) -> Claim:
    """Lock a claim: it refuses decisions until an editor reopens it."""
    _require(actor, "claims.lock_claim", "lock claims")
    reason = _reason(reason)
    with transaction.atomic():
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        if current.locked:
            raise ValidationError(f"Claim {current.pk} is already locked.")
        return _claim_update(current, actor, "claim.lock", {"locked": True}, reason)


def claim_reopen(*, claim: Claim, actor, reason: str) -> Claim:
    """Reopen a locked claim for decisions."""
    _require(actor, "claims.lock_claim", "reopen claims")
    reason = _reason(reason)
    with transaction.atomic():
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        if not current.locked:
            raise ValidationError(f"Claim {current.pk} is not locked.")
        return _claim_update(current, actor, "claim.reopen", {"locked": False}, reason)


def claim_withdraw(*, claim: Claim, actor, reason: str) -> Claim:
    """Withdraw a claim by hand (what "delete" means for a claim: it and its history stay)."""
    _require(actor, "claims.change_claim", "withdraw claims")
    reason = _reason(reason)
    with transaction.atomic():
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        if current.withdrawn_at is not None:
            raise ValidationError(f"Claim {current.pk} is already withdrawn.")
        changes = {"withdrawn_at": timezone.now()}
        return _claim_update(current, actor, "claim.withdraw", changes, reason)


@dataclass(frozen=True)
class BulkDecision:
    """One decision of `claim_decide_many`: the claim, the version seen, and what was decided."""

    claim_id: int
    version: int
    verdict: str
    rationale: str = ""
    # Stances by citation order (0-based); the claim's other citations keep their assessment.
    stances: Mapping[int, str] = field(default_factory=dict)


def claim_decide_many(*, actor, decisions: list[BulkDecision]) -> int:
    """Record many decisions in one transaction, under exactly claim_decide's rules.

    For imports of review work and for building large corpora: the same permission, verdict,
    rationale, lock and version checks as claim_decide, but rows are written in bulk. Any
    refusal refuses the whole batch (ValidationError or StaleVersion naming the claim).
    Returns the number of decisions stored.
    """
    _require(actor, "claims.add_decision", "record decisions")
    if not decisions:
        return 0
    with transaction.atomic():
        ids = [d.claim_id for d in decisions]
        claims = {
            c.pk: c for c in Claim.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }
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
            _refuse_if_closed(claim)
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
        _bulk_set(
            Citation,
            [(a.citation_id, a.pk) for a in assessments],
            ["assessment_id"],
        )
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
        _bulk_set(
            Claim,
            [(c.pk, c.verdict, c.version, c.last_decision_id, now) for c in updated],
            ["verdict", "version", "last_decision_id", "updated_at"],
        )
        audit_append(events)
    return len(rows)


def _bulk_set(model, rows: list[tuple], columns: list[str]) -> None:
    """Set `columns` of many rows, each given as (pk, *values), in few statements.

    PostgreSQL joins the table to unnest()ed arrays: one statement, whatever the count.
    Elsewhere Django's bulk_update (CASE … WHEN) in batches.
    """
    if not rows:
        return
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        fields = [model._meta.get_field(name.removesuffix("_id")) for name in columns]
        types = ["bigint"] + [
            f.target_field.db_type(connection) if f.is_relation else f.db_type(connection)
            for f in fields
        ]
        types = [t.replace("serial", "int") for t in types]
        names = ["pk", *columns]
        assignments = ", ".join(f"{c} = v.{c}" for c in columns)
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        sql = (
            f"UPDATE {table} AS t SET {assignments} "
            f"FROM unnest({arrays}) AS v({', '.join(names)}) WHERE t.id = v.pk"
        )
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 50_000):
                chunk = rows[start : start + 50_000]
                cursor.execute(sql, [list(col) for col in zip(*chunk, strict=True)])
        return
    objs = []
    for pk, *values in rows:
        obj = model(pk=pk)
        for name, value in zip(columns, values, strict=True):
            setattr(obj, name, value)
        objs.append(obj)
    model.objects.bulk_update(objs, [c.removesuffix("_id") for c in columns], batch_size=500)


def document_delete(*, document: Document, actor, reason: str) -> None:
    """Delete a document with its claims, citations and sources, if nobody has reviewed it yet.

    A document any claim of which has a decision is refused: its history must stay (withdraw
    claims instead). The deletion is audited with what it removed.
    """
    _require(actor, "sources.delete_document", "delete documents")
    reason = _reason(reason)
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        decided = Decision.objects.filter(claim__document=document).count()
        if decided:
            raise ValidationError(
                f"{document.name} has {decided} decisions on its claims: its history stays. "
                "Withdraw claims instead."
            )
        before = {
            "name": document.name,
            "sha256": document.sha256,
            "claims": document.claims.count(),
            "sources": document.sources.count(),
        }
        audit_log(actor=actor, action="document.delete", obj=document, before=before, reason=reason)
        document.delete()
