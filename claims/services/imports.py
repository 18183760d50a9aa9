"""Document import: write a parsed document's claims, citations and sources; re-import keeps.

Claims are matched on their fingerprint (the line and the markers-only lines after it): a
matched claim keeps its id, citations and history, even if it moved to another line; a new line
becomes a new claim; a claim whose line is gone is withdrawn, never deleted.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from claims.formats.seed import ParsedClaim, parse_seed
from claims.models import Citation, Claim, Verdict
from sources.models import Document, Source
from workbench.audit import audit_log

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
