"""manage.py bench: build a large corpus on PostgreSQL and time the workbench against the database.

A fresh run (the default; it refuses a database that holds claims) measures the way a user
meets the system, every figure beside its anchor from the same run:
- import (the real import_seeds, in a child process) vs COPY FROM of the same rows; re-import of
  the unchanged corpus, and of the corpus with every line shifted, vs the first import;
- CSV export (the real export_claims) vs COPY (SELECT the same columns) TO STDOUT; the FEVER and
  ClaimReview exports vs the CSV's time;
- median server time and queries of every page at full size, and the queries at ~1,000 claims;
- claim_decide with 16 threads in this process (for comparison; HTTP through gunicorn is
  `manage.py loadtest`).
`--reuse` measures exports, pages and decisions again on the corpus a run left, and labels the
table so. Each run's table is appended to docs/performance.md with its date and commit.
"""

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from bench.corpus import corpus_decide, corpus_documents
from claims.exports import claims_copy_statement
from claims.formats.seed import parse_seed
from claims.models import Citation, Claim, Decision, Verdict
from claims.selectors import claim_export_list
from claims.services import claim_decide, document_publish
from sources.models import Document, Source
from sources.views import PAGE_SIZE as SOURCES_PAGE_SIZE
from workbench.roles import EDITORS, REVIEWERS

ROOT = Path(settings.BASE_DIR)

PAGES = [
    ("/ (dashboard)", "/"),
    ("/claims/ first page", "/claims/"),
    ("/claims/ filtered (refuted, one document)", "/claims/?verdict=refuted&document={document}"),
    ("/claims/ deep page (keyset)", "/claims/?after={deep}"),
    ("/claims/ text search (a rare word)", "/claims/?q={rare}"),
    ("/claims/<id>/ (1 footnote)", "/claims/{claim}/"),
    ("/claims/<id>/ (8 footnotes)", "/claims/{claim8}/"),
    ("/review/next/", "/review/next/"),
    ("/sources/ first page", "/sources/"),
    ("/sources/ deep page", "/sources/?page={sources_deep}"),
    ("/sources/<id>/ (cited 10,000 times)", "/sources/{cited}/"),
    ("admin claim changelist", "/admin/claims/claim/"),
    ("admin decision changelist", "/admin/claims/decision/"),
    ("admin audit event changelist", "/admin/workbench/auditevent/"),
]
#: A word only one claim of the corpus holds (in the much-cited document).
RARE_WORD = "Transnistria"
#: Claims of the document whose every line cites footnote [1].
MUCH_CITED = 10_000


def _peak_rss_mib(args: list[str]) -> tuple[float, float]:
    """Run manage.py `args` in a child process; return (seconds, its peak RSS in MiB).

    The peak is the child's own: VmHWM of /proc/self/status, the high-water mark of its
    address space. Not getrusage's ru_maxrss, which Linux carries across fork and exec: a
    child started by a bench holding 1.6 GiB of anchor rows reported 1.9 GiB for an import
    that had nothing to do, and the exports of earlier fresh runs their 400-1,709 MiB.
    """
    code = (
        f"import os, re, sys, time; sys.path.insert(0, {str(ROOT)!r}); "
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'workbench.settings'); "
        "from django.core.management import execute_from_command_line; t = time.perf_counter(); "
        f"execute_from_command_line(['manage.py'] + {args!r}); "
        "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1); "
        "print('BENCH', time.perf_counter() - t, hwm, file=sys.stderr)"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter, our own arguments)
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if result.returncode:
        raise CommandError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    line = [x for x in result.stderr.splitlines() if x.startswith("BENCH ")][-1]
    _, seconds, rss_kib = line.split()
    return float(seconds), int(rss_kib) / 1024


class Command(BaseCommand):
    help = "Benchmark import, export, pages and decisions on PostgreSQL; append to docs/performance.md."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--claims", type=int, default=1_000_000)
        parser.add_argument("--documents", type=int, default=100)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--decide",
            type=float,
            default=0.5,
            help="the fraction of claims decided (claim_decide_many) before export and pages",
        )
        parser.add_argument(
            "--output",
            default=str(ROOT / "docs" / "performance.md"),
            help="the file the run's table is appended to",
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="measure export, pages and decisions again on the corpus a run left "
            "(the table says so: a warm database is not what a user meets first)",
        )

    def handle(
        self,
        *args,
        claims: int,
        documents: int,
        seed: int,
        decide: float,
        output: str,
        reuse: bool,
        **options,
    ):
        if connection.vendor != "postgresql":
            raise CommandError("the benchmark runs on PostgreSQL (set DATABASE_URL)")
        self.rows: list[tuple[str, str, str, str]] = []
        self.started = timezone.now()
        self.reuse = reuse
        folder = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
        if reuse:
            if not get_user_model().objects.filter(username="bench-admin").exists():
                raise CommandError("--reuse needs the database a full run left")
            self._measure(self._users(create=False), folder, small_pages=None)
            claims, documents = (
                Claim.objects.count(),
                Claim.objects.values("document").distinct().count(),
            )
            self._report(output, claims, documents, seed, decide)
            return
        if Claim.objects.exists():
            raise CommandError("run it on an empty, migrated scratch database")
        users = self._users()

        # 1. Query counts at ~1,000 claims, before the corpus grows.
        self._write_corpus(folder / "small", 1, 1000, seed + 1000)
        self._write_much_cited(folder / "small", 100, name="much-cited-small.txt")
        _peak_rss_mib(["import_seeds", str(folder / "small")])
        self._decide(users["bulk"], 1.0)
        small_pages = self._pages(users, repeat=3, much_cited="much-cited-small.txt")

        # 2. Import of the big corpus vs COPY FROM of the same rows; then re-imports.
        self.say(f"writing {claims:,} claims in {documents} documents…")
        big = folder / "big"
        rows = self._write_corpus(big, documents, claims, seed)
        rows += self._write_much_cited(big, MUCH_CITED)
        first, rss = _peak_rss_mib(["import_seeds", str(big)])
        copy_seconds = self._copy_from(big)
        self.add(
            "import",
            f"{first:.1f} s, {rows / first:,.0f} claims/s, peak RSS {rss:.0f} MiB",
            f"COPY FROM same rows: {copy_seconds:.1f} s",
            f"{first / copy_seconds:.2f}× (target ≤ 2×, RSS < 300 MiB)",
        )
        seconds, rss = _peak_rss_mib(["import_seeds", str(big)])
        self.add(
            "re-import, unchanged",
            f"{seconds:.1f} s, peak RSS {rss:.0f} MiB",
            f"first import: {first:.1f} s",
            f"{seconds / first:.2f}× (target ≤ 1.5×)",
        )
        self._shift(big)
        seconds, rss = _peak_rss_mib(["import_seeds", str(big)])
        self.add(
            "re-import, every line shifted",
            f"{seconds:.1f} s, peak RSS {rss:.0f} MiB",
            f"first import: {first:.1f} s",
            f"{seconds / first:.2f}× (target ≤ 2×)",
        )

        # 3. Decide a share of the claims (bulk service), then exports, pages, decisions.
        t = time.perf_counter()
        decided = self._decide(users["bulk"], decide)
        elapsed = time.perf_counter() - t
        self.add(
            "claim_decide_many",
            f"{decided:,} decisions in {elapsed:.1f} s",
            "",
            f"{decided / elapsed:,.0f} decisions/s",
        )
        self._measure(users, folder, small_pages)
        self._report(output, claims, documents, seed, decide)

    def _measure(self, users: dict, folder: Path, small_pages: dict | None) -> None:
        """Exports vs COPY TO, the pages, and claim_decide with 16 threads."""
        out = folder / "claims.csv"
        csv_seconds, rss = _peak_rss_mib(["export_claims", "--output", str(out)])
        exported = sum(1 for _ in out.open(encoding="utf-8")) - 1
        copy_seconds = self._copy_to()
        self.add(
            "export_claims (CSV)",
            f"{csv_seconds:.1f} s for {exported:,} rows, peak RSS {rss:.0f} MiB",
            f"COPY (SELECT …) TO STDOUT: {copy_seconds:.1f} s",
            f"{csv_seconds / copy_seconds:.2f}× (target ≤ 1.25×, RSS < 100 MiB)",
        )
        per_row = csv_seconds / max(exported, 1)
        if not self.reuse:
            self._publish(users["editor"], share=0.1)
        for command, extra in (("export_fever", []), ("export_claimreview", ["--jsonl"])):
            path = folder / command
            seconds, rss = _peak_rss_mib([command, *extra, "--output", str(path)])
            rows = sum(1 for _ in path.open(encoding="utf-8"))
            # Per row: FEVER leaves disputed claims out, ClaimReview holds published ones only.
            ratio = (seconds / max(rows, 1)) / per_row
            self.add(
                command,
                f"{seconds:.1f} s for {rows:,} rows, peak RSS {rss:.0f} MiB",
                f"export_claims (CSV): {per_row * 1e6:.0f} µs a row",
                f"{ratio:.2f}× the CSV's time a row (target ≤ 2×)",
            )

        # 4. Pages at full size, with the query counts at ~1,000 claims beside them.
        for name, (median, queries) in self._pages(users, repeat=20).items():
            if small_pages is None:
                anchor = "tests/test_query_counts.py pins it at 2 sizes"
            else:
                small = small_pages[name][1]
                same = "same" if queries == small else "QUERIES DIFFER:"
                anchor = f"{same} {small} queries at ~1,000 claims"
            verdict = "met (< 40 ms)" if median < 40 else f"{median / 40:.1f}× the 40 ms target"
            self.add(name, f"{median:.1f} ms median of 20, {queries} queries", anchor, verdict)

        # 5. claim_decide with 16 threads on distinct claims.
        p50, p95, lost, count = self._concurrent_decisions(users["threads"])
        self.add(
            "claim_decide, 16 threads in one process",
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms over {count} decisions",
            f"lost decisions: {lost}",
            "for comparison: HTTP through gunicorn is `manage.py loadtest`",
        )
        p50, p95, lost, count = self._concurrent_decisions(users["threads"], threads=1)
        self.add(
            "claim_decide, 1 thread (for scale)",
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms over {count} decisions",
            f"lost decisions: {lost}",
            "",
        )

    # --- steps -----------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.stderr.write(f"[{time.strftime('%H:%M:%S')}] {text}")

    def add(self, what: str, figure: str, anchor: str, ratio: str) -> None:
        self.rows.append((what, figure, anchor, ratio))
        self.say(f"{what}: {figure} | {anchor} | {ratio}")

    def _users(self, create: bool = True) -> dict:
        User = get_user_model()
        if not create:
            users = {"admin": User.objects.get(username="bench-admin")}
            users["threads"] = [User.objects.get(username=f"bench-reviewer-{n}") for n in range(16)]
            users["reviewer"] = users["threads"][0]
            users["editor"] = User.objects.get(username="bench-editor")
            return users
        reviewers = Group.objects.get(name=REVIEWERS)
        users = {"admin": User.objects.create_superuser("bench-admin", password=None)}
        users["bulk"] = User.objects.create_user("bench-bulk", password=None)
        users["editor"] = User.objects.create_user("bench-editor", password=None)
        users["editor"].groups.add(Group.objects.get(name=EDITORS))
        users["bulk"].groups.add(reviewers)
        users["threads"] = []
        for n in range(16):
            user = User.objects.create_user(f"bench-reviewer-{n}", password=None)
            user.groups.add(reviewers)
            users["threads"].append(user)
        users["reviewer"] = users["threads"][0]
        return users

    def _write_corpus(self, folder: Path, documents: int, claims: int, seed: int) -> int:
        folder.mkdir(parents=True)
        total = 0
        for name, text, expected in corpus_documents(documents=documents, claims=claims, seed=seed):
            (folder / name).write_text(text, encoding="utf-8")
            total += expected.claims
        return total

    def _write_much_cited(self, folder: Path, lines: int, name: str = "much-cited.txt") -> int:
        """Write a document every line of which cites footnote [1]; one line holds RARE_WORD."""
        text = "".join(
            f"Line {n} of the much-cited document reports the same finding"
            f"{' about ' + RARE_WORD if n == lines // 2 else ''}.[1]\n"
            for n in range(1, lines + 1)
        )
        (folder / name).write_text(text, encoding="utf-8")
        return lines

    def _shift(self, folder: Path) -> None:
        """Put a new first line in every document: every claim's line moves down by one."""
        for path in sorted(folder.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            path.write_text(f"A sentence added at the top of {path.stem}.\n{text}", "utf-8")

    def _publish(self, editor, share: float) -> None:
        """Publish the decided claims of the first `share` of the documents (for ClaimReview)."""
        documents = list(Document.objects.order_by("id"))
        for document in documents[: max(1, int(len(documents) * share))]:
            document_publish(document=document, actor=editor, reason="Benchmark.")

    def _decide(self, user, fraction: float) -> int:
        """Decide `fraction` of the unreviewed claims through claim_decide_many (make_corpus's)."""
        return corpus_decide(actor=user, fraction=fraction, seed=7)

    def _copy_from(self, folder: Path) -> float:
        """COPY the importer's claim and citation rows into scratch copies of the tables.

        Every column of the claims table is written (the parsed values, else each field's
        default), so the anchor moves the same bytes the importer stores.
        """
        now = timezone.now()
        parsed_columns = {"id", "document", "line", "text", "raw", "fingerprint", "tags", "notes"}
        fields = [f for f in Claim._meta.concrete_fields]
        defaults = {}
        for f in fields:
            if f.name in parsed_columns:
                continue
            if f.name in ("created_at", "updated_at", "imported_at"):
                defaults[f.name] = now
            elif f.has_db_default():
                defaults[f.name] = getattr(f.db_default, "value", f.db_default)
            else:  # the field's default: "" for text, None where NULL is allowed
                defaults[f.name] = f.get_default()
        claim_rows, citation_rows = [], []
        claim_id = 0
        for document_id, path in enumerate(sorted(folder.glob("*.txt")), start=1):
            for parsed in parse_seed(path.read_bytes(), path.name).claims:
                claim_id += 1
                values = {
                    "id": claim_id,
                    "document": document_id,
                    "line": parsed.line,
                    "text": parsed.text,
                    "raw": parsed.raw,
                    "fingerprint": parsed.fingerprint,
                    "tags": ";".join(parsed.tags),
                    "notes": ";".join(parsed.notes),
                    **defaults,
                }
                claim_rows.append(tuple(values[f.name] for f in fields))
                for order, (label, position) in enumerate(parsed.citations):
                    citation_rows.append((claim_id, int(label), position, order))
        columns = ", ".join(f'"{f.column}"' for f in fields)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_claim, bench_citation")
            cursor.execute("CREATE UNLOGGED TABLE bench_claim (LIKE claims_claim INCLUDING ALL)")
            cursor.execute(
                "CREATE UNLOGGED TABLE bench_citation (LIKE claims_citation INCLUDING ALL)"
            )
            raw = cursor.cursor
            started = time.perf_counter()
            with raw.copy(f"COPY bench_claim ({columns}) FROM STDIN") as copy:
                for row in claim_rows:
                    copy.write_row(row)
            with raw.copy(
                'COPY bench_citation (claim_id, source_id, position, "order", attribution) '
                "FROM STDIN"
            ) as copy:
                for cid, source, position, order in citation_rows:
                    copy.write_row((cid, source, position, order, "as_printed"))
            seconds = time.perf_counter() - started
            cursor.execute("DROP TABLE bench_claim, bench_citation")
        return seconds

    def _copy_to(self) -> float:
        """COPY the export's own SELECT, bare (no neutralising), of the same claims to nowhere."""
        claims = claim_export_list(filters={})
        statement, params = claims_copy_statement(claims, neutralised=False)
        with connection.cursor() as cursor:
            started = time.perf_counter()
            with cursor.cursor.copy(statement, params) as copy:
                for _ in copy:
                    pass
            return time.perf_counter() - started

    def _pages(
        self, users: dict, repeat: int, much_cited: str = "much-cited.txt"
    ) -> dict[str, tuple[float, int]]:
        first = Document.objects.exclude(name=much_cited).order_by("-id").first()
        single = (
            Claim.objects.live()
            .filter(document=first)
            .annotate(n=Count("citations"))
            .filter(n=1)
            .order_by("id")
            .first()
        )
        eight = (
            Citation.objects.filter(order=7, claim__withdrawn_at__isnull=True)
            .order_by("-claim_id")
            .values_list("claim_id", flat=True)
            .first()
        )
        middle = Claim.objects.live().order_by("document_id", "line", "id")
        deep = middle[Claim.objects.count() * 9 // 10]
        values = {
            "document": first.name,
            "claim": single.pk,
            "claim8": eight or single.pk,
            "deep": f"{deep.document_id}.{deep.line}.{deep.pk}",
            "rare": RARE_WORD,
            "sources_deep": max(1, Source.objects.count() * 9 // 10 // SOURCES_PAGE_SIZE),
            "cited": Source.objects.get(document__name=much_cited, label="1").pk,
        }
        results = {}
        # Pages render {% static %} without collectstatic's manifest, as in the tests.
        plain = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]  # the test client's host
        with override_settings(STORAGES=plain, ALLOWED_HOSTS=hosts):
            for name, template in PAGES:
                results[name] = self._page(name, template.format(**values), users, repeat)
        return results

    def _page(self, name: str, url: str, users: dict, repeat: int) -> tuple[float, int]:
        """Return the median server time (ms) and the query count of GET `url`."""
        client = Client()
        client.force_login(users["admin"] if "admin" in name else users["reviewer"])
        times, queries = [], 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
            queries = len(captured)
        return statistics.median(times), queries

    def _concurrent_decisions(
        self, users: list, threads: int = 16
    ) -> tuple[float, float, int, int]:
        per_thread = 25
        targets = list(
            Claim.objects.live()
            .filter(locked=False)
            .order_by("?")
            .values_list("id", flat=True)[: threads * per_thread]
        )
        # Count only this measurement's decisions: an earlier one may have decided these claims.
        last_before = Decision.objects.order_by("-id").values_list("id", flat=True).first() or 0
        latencies: list[float] = []
        lock = threading.Lock()
        barrier = threading.Barrier(threads)

        def work(n: int) -> None:
            from django.db import connection as thread_connection

            try:
                barrier.wait()
                for claim_id in targets[n * per_thread : (n + 1) * per_thread]:
                    claim = Claim.objects.get(pk=claim_id)
                    started = time.perf_counter()
                    claim_decide(
                        claim=claim,
                        actor=users[n],
                        verdict=Verdict.DISPUTED,
                        version=claim.version,
                        rationale="Benchmark: a second look.",
                    )
                    with lock:
                        latencies.append((time.perf_counter() - started) * 1000)
            finally:
                thread_connection.close()

        running = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for thread in running:
            thread.start()
        for thread in running:
            thread.join()
        stored = Decision.objects.filter(id__gt=last_before, claim_id__in=targets).count()
        latencies.sort()
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        return statistics.median(latencies), p95, len(targets) - stored, len(latencies)

    def _report(self, output: str, claims: int, documents: int, seed: int, decide: float) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg = cursor.fetchone()[0]
        commit = subprocess.run(  # noqa: S603 (our own arguments)
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (git from PATH)
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        ).stdout.strip()
        kind = (
            "`bench --reuse`: measured again on the corpus an earlier run left (a warm "
            "database, not what a user meets first)"
            if self.reuse
            else "a fresh run on an empty database"
        )
        lines = [
            "",
            f"## Run of {self.started:%Y-%m-%d %H:%M} UTC at commit {commit or 'unknown'}",
            "",
            f"{kind}. `manage.py bench` on {platform.node()}: {os.cpu_count()} cores, "
            f"{platform.machine()}, Python {platform.python_version()}, PostgreSQL {pg}. "
            f"Corpus: {claims:,} claims in {documents} documents (seed {seed}) and a "
            f"{MUCH_CITED:,}-line document citing one source on every line; "
            f"{decide:.0%} of the claims decided before the exports and pages.",
            "",
            "| what | figure | anchor (same run) | ratio / target |",
            "| --- | --- | --- | --- |",
            *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in self.rows),
            "",
        ]
        with Path(output).open("a", encoding="utf-8") as out:
            out.write("\n".join(lines))
        self.stdout.write("\n".join(lines))
