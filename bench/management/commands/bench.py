"""manage.py bench: build a large corpus on PostgreSQL and time the workbench against the database.

Every figure is printed beside its anchor, measured in the same run:
- import (the real importer) vs COPY FROM of the same claim and citation rows;
- CSV export (the real export_claims) vs COPY (SELECT the same columns) TO STDOUT;
- server time and queries of the main pages at ~1,000 claims and at full size;
- claim_decide latency with 16 threads on distinct claims, and lost decisions.
It writes docs/performance.md. Run it on a scratch database: it adds the whole corpus to it.
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
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from bench.corpus import corpus_decide, corpus_documents
from claims.exports import claims_copy_statement
from claims.formats.seed import parse_seed
from claims.models import Claim, Decision, Verdict
from claims.selectors import claim_export_list
from claims.services import claim_decide
from workbench.roles import REVIEWERS

ROOT = Path(settings.BASE_DIR)

PAGES = [
    ("/claims/ first page", "/claims/"),
    ("/claims/ filtered (refuted, one document)", "/claims/?verdict=refuted&document={document}"),
    ("/claims/ deep page (keyset)", "/claims/?after={deep}"),
    ("/claims/<id>/", "/claims/{claim}/"),
    ("/review/next/", "/review/next/"),
    ("admin claim changelist", "/admin/claims/claim/"),
]


def _peak_rss_mib(args: list[str]) -> tuple[float, float]:
    """Run manage.py `args` in a child process; return (seconds, its peak RSS in MiB)."""
    code = (
        f"import os, resource, sys, time; sys.path.insert(0, {str(ROOT)!r}); "
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'workbench.settings'); "
        "from django.core.management import execute_from_command_line; t = time.perf_counter(); "
        f"execute_from_command_line(['manage.py'] + {args!r}); "
        "print('BENCH', time.perf_counter() - t, "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
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
    help = "Benchmark import, export, pages and decisions on PostgreSQL; write docs/performance.md."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--claims", type=int, default=1_000_000)
        parser.add_argument("--documents", type=int, default=100)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="measure export, pages and decisions again on the corpus a full run left",
        )

    def handle(
        self, *args, claims: int, documents: int, seed: int, output: str, reuse: bool, **options
    ):
        if connection.vendor != "postgresql":
            raise CommandError("the benchmark runs on PostgreSQL (set DATABASE_URL)")
        self.rows: list[tuple[str, str, str, str]] = []
        self.started = timezone.now()
        folder = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
        if reuse:
            if not get_user_model().objects.filter(username="bench-admin").exists():
                raise CommandError("--reuse needs the database a full run left")
            self._measure(self._users(create=False), folder, small_pages=None)
            claims, documents = (
                Claim.objects.count(),
                Claim.objects.values("document").distinct().count(),
            )
            self._report(output, claims, documents, seed)
            return
        if Claim.objects.exists():
            raise CommandError("run it on an empty, migrated scratch database")
        users = self._users()

        # 1. Query counts at ~1,000 claims, before the corpus grows.
        self._write_corpus(folder / "small", 1, 1000, seed + 1000)
        _peak_rss_mib(["import_seeds", str(folder / "small")])
        self._decide_all(users["bulk"])
        small_pages = self._pages(users, repeat=3)

        # 2. Import of the big corpus vs COPY FROM of the same rows.
        self.say(f"writing {claims:,} claims in {documents} documents…")
        rows = self._write_corpus(folder / "big", documents, claims, seed)
        seconds, rss = _peak_rss_mib(["import_seeds", str(folder / "big")])
        copy_seconds = self._copy_from(folder / "big")
        self.add(
            "import",
            f"{seconds:.1f} s, {rows / seconds:,.0f} claims/s, peak RSS {rss:.0f} MiB",
            f"COPY FROM same rows: {copy_seconds:.1f} s",
            f"{seconds / copy_seconds:.2f}× (target ≤ 2×, RSS < 300 MiB)",
        )

        # 3. Decide every claim (bulk service), then export vs COPY TO.
        t = time.perf_counter()
        decided = self._decide_all(users["bulk"])
        self.add(
            "claim_decide_many",
            f"{decided:,} decisions in {time.perf_counter() - t:.1f} s",
            "",
            f"{decided / (time.perf_counter() - t):,.0f} decisions/s",
        )
        self._measure(users, folder, small_pages)
        self._report(output, claims, documents, seed)

    def _measure(self, users: dict, folder: Path, small_pages: dict | None) -> None:
        """Export vs COPY TO, the pages, and claim_decide with 16 threads."""
        out = folder / "claims.csv"
        seconds, rss = _peak_rss_mib(["export_claims", "--output", str(out)])
        exported = sum(1 for _ in out.open(encoding="utf-8")) - 1
        copy_seconds = self._copy_to()
        self.add(
            "export_claims",
            f"{seconds:.1f} s for {exported:,} rows, peak RSS {rss:.0f} MiB",
            f"COPY (SELECT …) TO STDOUT: {copy_seconds:.1f} s",
            f"{seconds / copy_seconds:.2f}× (target ≤ 1.25×, RSS < 100 MiB)",
        )

        # 4. Pages at full size, with the query counts at ~1,000 claims beside them.
        for name, (median, queries) in self._pages(users, repeat=20).items():
            if small_pages is None:
                anchor, verdict = "tests/test_query_counts.py pins it at 2 sizes", "target < 40 ms"
            else:
                small = small_pages[name][1]
                anchor = f"{small} queries at ~1,000 claims"
                verdict = "same queries" if queries == small else f"QUERIES DIFFER ({small})"
            self.add(name, f"{median:.1f} ms median of 20, {queries} queries", anchor, verdict)

        # 5. claim_decide with 16 threads on distinct claims.
        p50, p95, lost, count = self._concurrent_decisions(users["threads"])
        self.add(
            "claim_decide, 16 threads",
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms over {count} decisions",
            f"lost decisions: {lost}",
            "target p95 < 25 ms, 0 lost",
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
            return users
        reviewers = Group.objects.get(name=REVIEWERS)
        users = {"admin": User.objects.create_superuser("bench-admin", password=None)}
        users["bulk"] = User.objects.create_user("bench-bulk", password=None)
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

    def _decide_all(self, user) -> int:
        """Decide every unreviewed claim through claim_decide_many, as make_corpus does."""
        return corpus_decide(actor=user, fraction=1.0, seed=7)

    def _copy_from(self, folder: Path) -> float:
        """COPY the importer's claim and citation rows into scratch copies of the tables."""
        claim_rows, citation_rows = [], []
        claim_id = 0
        for document_id, path in enumerate(sorted(folder.glob("*.txt")), start=1):
            for parsed in parse_seed(path.read_bytes(), path.name).claims:
                claim_id += 1
                claim_rows.append(
                    (
                        claim_id,
                        document_id,
                        parsed.line,
                        parsed.text,
                        parsed.raw,
                        parsed.fingerprint,
                        ";".join(parsed.tags),
                        ";".join(parsed.notes),
                    )
                )
                for order, (label, position) in enumerate(parsed.citations):
                    citation_rows.append((claim_id, int(label), position, order))
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_claim, bench_citation")
            cursor.execute("CREATE UNLOGGED TABLE bench_claim (LIKE claims_claim INCLUDING ALL)")
            cursor.execute(
                "CREATE UNLOGGED TABLE bench_citation (LIKE claims_citation INCLUDING ALL)"
            )
            raw = cursor.cursor
            started = time.perf_counter()
            with raw.copy(
                "COPY bench_claim (id, document_id, line, text, raw, fingerprint, tags, notes, "
                "verdict, version, locked, created_at, updated_at) FROM STDIN"
            ) as copy:
                for cid, doc, line, text, raw_line, fp, tags, notes in claim_rows:
                    copy.write_row(
                        (
                            cid,
                            doc,
                            line,
                            text,
                            raw_line,
                            fp,
                            tags,
                            notes,
                            "unreviewed",
                            1,
                            False,
                            now,
                            now,
                        )
                    )
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

    def _pages(self, users: dict, repeat: int) -> dict[str, tuple[float, int]]:
        claim = Claim.objects.live().filter(citations__isnull=False).order_by("-id").first()
        middle = Claim.objects.live().order_by("document_id", "line", "id")
        deep = middle[max(0, Claim.objects.count() * 9 // 10)] if repeat > 3 else middle[500]
        values = {
            "document": claim.document.name,
            "claim": claim.pk,
            "deep": f"{deep.document_id}.{deep.line}.{deep.pk}",
        }
        results = {}
        # Pages render {% static %} without collectstatic's manifest, as in the tests.
        plain = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(STORAGES=plain):
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

    def _report(self, output: str, claims: int, documents: int, seed: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg = cursor.fetchone()[0]
        lines = [
            "# Performance",
            "",
            f"Measured {self.started:%Y-%m-%d %H:%M} UTC by `manage.py bench` on {platform.node()}: "
            f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
            f"PostgreSQL {pg}. Corpus: {claims:,} claims in {documents} documents (seed {seed}).",
            "",
            "Reproduce on a scratch database:",
            "",
            "```sh",
            "createdb -h 127.0.0.1 -U postgres bench",
            "export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench",
            ".venv/bin/python manage.py migrate && .venv/bin/python manage.py bench",
            "```",
            "",
            "| what | figure | anchor (same run) | ratio / target |",
            "| --- | --- | --- | --- |",
            *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in self.rows),
            "",
        ]
        Path(output).write_text("\n".join(lines), encoding="utf-8")
        self.stdout.write("\n".join(lines))
