"""manage.py loadtest: reviewers through the real forms against gunicorn, then count decisions.

On a scratch PostgreSQL database (created beside DATABASE_URL's, dropped afterwards unless
--keep) it migrates, imports a synthetic corpus (make_corpus), gathers the static files and
creates N reviewers; then it starts gunicorn with the shipped gunicorn.conf.py and lets N
reviewers, each an httpx client in a thread, work for a bounded time as a person would: sign
in through /accounts/login/ (CSRF token from the form), open the review queue, decide the
claim with the form's version and CSRF token, follow the redirect to the next claim. Each
request opens its own connection, as behind the README's nginx (no keep-alive upstream: a
kept-alive client would stay on one gunicorn worker however busy it is). Two
reviewers share each document's queue, so some decide the same claim at once and one is told
it is stale (409), as the no-lost-update rule says.

It prints requests/s, latency percentiles per page (p50/p95/p99), status counts, and the
lost-decision check against the database: every decision the server acknowledged (302) must be
stored exactly once, and nothing stored that was not acknowledged. `--append FILE` adds the
report, with date and commit, to FILE (docs/performance.md).
"""

import os
import platform
import random
import re
import resource
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.utils import timezone

from claims.models import Decision, Document
from workbench.roles import REVIEWERS

ROOT = Path(settings.BASE_DIR)
ALIAS = "loadtest"
PASSWORD = "loadtest-" + "reviewer-password"  # noqa: S105 (a scratch database's users)
VERDICTS = [("corroborated", "supports"), ("disputed", "disputes"), ("refuted", "refutes")]

REVIEW_FORM = re.compile(r'<form method="post" action="(/claims/(\d+)/decide/)".*?</form>', re.S)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
STANCES = re.compile(r'name="(stance_\d+)"')


@dataclass
class Tally:
    """What one reviewer saw: (page, status, milliseconds) samples and the decisions."""

    samples: list[tuple[str, int, float]] = field(default_factory=list)
    acknowledged: list[tuple[int, str, int]] = field(default_factory=list)  # claim, user, version
    refused: int = 0
    errors: list[str] = field(default_factory=list)
    queue_empty: bool = False


def percentile(values: list[float], p: float) -> float:
    """Return the nearest-rank `p`th percentile of `values`."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(rank) - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Reviewer:
    """One person at the review queue of one document, through the real pages."""

    def __init__(self, base_url: str, username: str, document: str, seed: int) -> None:
        self.client = httpx.Client(
            base_url=base_url, timeout=120, follow_redirects=False, headers={"Connection": "close"}
        )
        self.username = username
        self.document = document
        self.random = random.Random(seed)
        self.tally = Tally()

    def request(self, page: str, method: str, url: str, **kwargs) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.tally.errors.append(f"{page}: {type(exc).__name__}")
            self.tally.samples.append((page, 0, (time.perf_counter() - started) * 1000))
            return None
        self.tally.samples.append(
            (page, response.status_code, (time.perf_counter() - started) * 1000)
        )
        return response

    def sign_in(self) -> bool:
        page = self.request("GET /accounts/login/", "GET", "/accounts/login/")
        token = CSRF.search(page.text) if page is not None else None
        if token is None:
            return False
        done = self.request(
            "POST /accounts/login/",
            "POST",
            "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1),
            },
        )
        return done is not None and done.status_code == 302

    def work(self, deadline: float) -> None:
        queue = f"/review/next/?document={quote(self.document)}"
        url = queue
        while time.monotonic() < deadline:
            page = self.request("GET /review/next/", "GET", url)
            if page is None or page.status_code != 200:
                url = queue
                continue
            form = REVIEW_FORM.search(page.text)
            if form is None:
                self.tally.queue_empty = True
                return
            action, claim_id, html = form.group(1), int(form.group(2)), form.group(0)
            version = int(VERSION.search(html).group(1))
            verdict, stance = self.random.choice(VERDICTS)
            data = {
                "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
                "version": str(version),
                "next": "queue",
                "document": self.document,
                "verdict": verdict,
                "rationale": f"Load test: {self.username} read the sources.",
            }
            data.update({name: stance for name in STANCES.findall(html)})
            done = self.request("POST /claims/<id>/decide/", "POST", action, data=data)
            if done is not None and done.status_code == 302:
                self.tally.acknowledged.append((claim_id, self.username, version + 1))
                url = done.headers["location"]
            else:
                if done is not None and done.status_code == 409:
                    self.tally.refused += 1
                url = f"{queue}&after={claim_id}"

    def close(self) -> None:
        self.client.close()


class Command(BaseCommand):
    help = (
        "Start gunicorn (gunicorn.conf.py) on a scratch PostgreSQL database and drive N "
        "reviewers through the review forms for a bounded time; print requests/s, latency "
        "percentiles per page, status counts and the lost-decision check."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reviewers", type=int, default=16)
        parser.add_argument("--seconds", type=float, default=60)
        parser.add_argument("--claims", type=int, default=20_000, help="corpus size")
        parser.add_argument(
            "--documents", type=int, help="documents (queues); default: one per two reviewers"
        )
        parser.add_argument("--workers", type=int, help="gunicorn workers (WEB_CONCURRENCY)")
        parser.add_argument("--keep", action="store_true", help="keep the scratch database")
        parser.add_argument("--append", metavar="FILE", help="append the report to FILE")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("the load test runs on PostgreSQL (set DATABASE_URL)")
        if options["reviewers"] < 1 or options["seconds"] <= 0 or options["claims"] < 1:
            raise CommandError("--reviewers, --seconds and --claims must be positive")
        documents = options["documents"] or max(1, options["reviewers"] // 2)
        base = connection.settings_dict
        scratch = f"{base['NAME']}_loadtest_{secrets.token_hex(4)}"[:63]
        self._admin(f'CREATE DATABASE "{scratch}"')
        folder = Path(tempfile.mkdtemp(prefix="loadtest-"))
        try:
            env = self._environment(scratch, folder, options["workers"])
            self.say(
                f"scratch database {scratch}: migrating, importing {options['claims']:,} claims…"
            )
            self._manage(env, "migrate", "--verbosity", "0")
            self._manage(
                env, "make_corpus", "--documents", str(documents), "--claims",
                str(options["claims"]), "--out", str(folder / "corpus"),
            )  # fmt: skip
            self._manage(env, "collectstatic", "--noinput", "--verbosity", "0")
            connections.databases[ALIAS] = {**base, "NAME": scratch}
            names = self._reviewers(options["reviewers"])
            report = self._run(env, folder, names, options["seconds"])
            report["verify_audit"] = self._manage(env, "verify_audit").strip().splitlines()[-1]
            report.update(self._check(report))
            text = self._report(report, options, documents, env)
            self.stdout.write(text)
            if options["append"]:
                with open(options["append"], "a", encoding="utf-8") as out:
                    out.write("\n" + text)
        finally:
            if ALIAS in connections.databases:
                connections[ALIAS].close()
                del connections.databases[ALIAS]
            if not options["keep"]:
                self._admin(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            else:
                self.say(f"kept {scratch}")

    def say(self, text: str) -> None:
        self.stderr.write(text)

    # --- setting up ------------------------------------------------------------------------

    def _admin(self, statement: str) -> None:
        base = connection.settings_dict
        with psycopg.connect(
            dbname="postgres",
            host=base["HOST"] or None,
            port=base["PORT"] or None,
            user=base["USER"] or None,
            password=base["PASSWORD"] or None,
            autocommit=True,
        ) as conn:
            conn.execute(statement)

    def _environment(self, scratch: str, folder: Path, workers: int | None) -> dict[str, str]:
        base = connection.settings_dict
        credentials = quote(base["USER"] or "", safe="")
        if base["PASSWORD"]:
            credentials += ":" + quote(base["PASSWORD"], safe="")
        url = (
            f"postgres://{credentials}@{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}/"
            f"{scratch}"
        )
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": url,
            "CONN_MAX_AGE": "60",  # as the README's production environment
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(folder / "static"),
            "LOG_FORMAT": "json",
            "WORKBENCH_BENCH": "true",
            "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
        }
        if workers:
            env["WEB_CONCURRENCY"] = str(workers)
        return env

    def _manage(self, env: dict[str, str], *args: str) -> str:
        result = subprocess.run(  # noqa: S603 (our own interpreter, our own arguments)
            [sys.executable, "manage.py", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            check=False,
        )
        if result.returncode:
            raise CommandError(f"manage.py {args[0]} failed:\n{result.stderr[-2000:]}")
        return result.stdout

    def _reviewers(self, count: int) -> list[tuple[str, str]]:
        """Create `count` reviewers on the scratch database; return (username, document)."""
        users = get_user_model().objects.db_manager(ALIAS)
        group = Group.objects.using(ALIAS).get(name=REVIEWERS)
        documents = list(
            Document.objects.using(ALIAS).order_by("id").values_list("name", flat=True)
        )
        # Hashed once (slow by design), with the hasher gunicorn's settings verify, whatever
        # this process's PASSWORD_HASHERS (the tests' fast one, for instance).
        hashed = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
        names = []
        for n in range(count):
            user = users.create(username=f"loadtest-reviewer-{n:02d}", password=hashed)
            user.groups.add(group)
            names.append((user.username, documents[n % len(documents)]))
        return names

    # --- the run ---------------------------------------------------------------------------

    def _run(self, env: dict[str, str], folder: Path, names, seconds: float) -> dict:
        log = folder / "gunicorn.log"
        base_url = f"http://{env['GUNICORN_BIND']}"
        with log.open("wb") as output:
            server = subprocess.Popen(  # noqa: S603
                [str(Path(sys.executable).with_name("gunicorn")), "-c",
                 str(ROOT / "gunicorn.conf.py"), "workbench.wsgi"],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                self._wait_healthy(base_url, server, log)
                return self._drive(base_url, names, seconds)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=60)

    def _wait_healthy(self, base_url: str, server: subprocess.Popen, log: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn exited:\n{log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=5).status_code in (200, 503):
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise CommandError(f"gunicorn did not answer:\n{log.read_text()[-2000:]}")

    def _drive(self, base_url: str, names, seconds: float) -> dict:
        reviewers = [
            Reviewer(base_url, username, document, seed=n)
            for n, (username, document) in enumerate(names)
        ]
        signed_in = threading.Barrier(len(reviewers) + 1)
        go = threading.Event()
        window: dict[str, float] = {}

        def run(reviewer: Reviewer) -> None:
            ok = reviewer.sign_in()
            signed_in.wait()
            go.wait()
            if ok:
                reviewer.work(window["deadline"])
            else:
                reviewer.tally.errors.append("sign-in failed")

        threads = [threading.Thread(target=run, args=(r,)) for r in reviewers]
        for thread in threads:
            thread.start()
        self.say(f"{len(reviewers)} reviewers signing in…")
        # The timed window starts once every reviewer has signed in (password hashing is
        # slow by design, and measured on its own rows).
        signed_in.wait()
        self.say(f"working for {seconds:.0f} s…")
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        load = os.getloadavg()[0]
        started_at = timezone.now()
        start = time.monotonic()
        window["deadline"] = start + seconds
        go.set()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - start
        used = resource.getrusage(resource.RUSAGE_SELF)
        for reviewer in reviewers:
            reviewer.close()
        failed = sum("sign-in failed" in r.tally.errors for r in reviewers)
        if failed:
            raise CommandError(f"{failed} of {len(reviewers)} reviewers could not sign in")
        return {
            "tallies": [r.tally for r in reviewers],
            "elapsed": elapsed,
            "started_at": started_at,
            "client_cpu": (used.ru_utime - cpu.ru_utime) + (used.ru_stime - cpu.ru_stime),
            "load_before": load,
            "load_after": os.getloadavg()[0],
        }

    # --- the check and the report ----------------------------------------------------------

    def _check(self, report: dict) -> dict:
        acknowledged = Counter(key for t in report["tallies"] for key in t.acknowledged)
        stored = Counter(
            Decision.objects.using(ALIAS)
            .filter(actor__username__startswith="loadtest-reviewer-")
            .values_list("claim_id", "actor__username", "claim_version")
        )
        return {
            "acknowledged": sum(acknowledged.values()),
            "stored": sum(stored.values()),
            "lost": sum(1 for key in acknowledged if key not in stored),
            "doubled": sum(n - 1 for n in stored.values() if n > 1)
            + sum(n - 1 for n in acknowledged.values() if n > 1),
            "unacknowledged": sum(1 for key in stored if key not in acknowledged),
            "refused": sum(t.refused for t in report["tallies"]),
        }

    def _report(self, report: dict, options: dict, documents: int, env: dict[str, str]) -> str:
        samples = [s for t in report["tallies"] for s in t.samples]
        timed = [s for s in samples if "login" not in s[0]]
        elapsed = report["elapsed"]
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg = cursor.fetchone()[0]
        config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
        workers = int(env.get("WEB_CONCURRENCY") or config["workers"])
        commit = subprocess.run(  # noqa: S603
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True, text=True, cwd=ROOT, check=False,
        ).stdout.strip() or "unknown"  # fmt: skip
        pages = ["GET /accounts/login/", "POST /accounts/login/", "GET /review/next/",
                 "POST /claims/<id>/decide/"]  # fmt: skip
        rows = []
        for page in pages:
            durations = [ms for p, _, ms in samples if p == page]
            if not durations:
                continue
            statuses = Counter(status for p, status, _ in samples if p == page)
            shown = ", ".join(f"{s or 'error'}: {n:,}" for s, n in sorted(statuses.items()))
            rows.append(
                f"| {page} | {len(durations):,} | {percentile(durations, 50):.0f} | "
                f"{percentile(durations, 95):.0f} | {percentile(durations, 99):.0f} | {shown} |"
            )
        errors = Counter(e for t in report["tallies"] for e in t.errors)
        lines = [
            f"## Load test: {options['reviewers']} reviewers, {options['seconds']:.0f} s",
            "",
            f"Measured {report['started_at']:%Y-%m-%d %H:%M} UTC at commit {commit} by "
            f"`manage.py loadtest --reviewers {options['reviewers']} --seconds "
            f"{options['seconds']:.0f}` on {platform.node()}: {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, PostgreSQL {pg}. gunicorn.conf.py: {workers} workers × "
            f"{config['threads']} threads ({config['worker_class']}); the {options['reviewers']} "
            f"clients ran on the same machine and used {report['client_cpu']:.1f} s of CPU; "
            f"load average {report['load_before']:.1f} before the run, "
            f"{report['load_after']:.1f} at its end. "
            f"Corpus: {options['claims']:,} claims in {documents} documents, two reviewers per "
            "document's queue.",
            "",
            f"- {len(timed):,} requests in {elapsed:.1f} s after sign-in: "
            f"**{len(timed) / elapsed:,.1f} requests/s**; {report['acknowledged']:,} decisions "
            f"acknowledged ({report['acknowledged'] / elapsed:,.1f}/s), {report['refused']:,} "
            "refused as stale (409, someone decided the claim first).",
            f"- Lost-decision check: {report['acknowledged']:,} acknowledged (302), "
            f"{report['stored']:,} stored; **lost {report['lost']}, doubled {report['doubled']}**, "
            f"stored without an acknowledgement {report['unacknowledged']}.",
            f"- `verify_audit` afterwards: {report['verify_audit']}",
        ]
        if errors:
            lines.append(
                "- Client errors: " + ", ".join(f"{e} × {n}" for e, n in errors.most_common())
            )
        if any(t.queue_empty for t in report["tallies"]):
            lines.append("- Some queues ran out of claims before the end: use more --claims.")
        lines += [
            "",
            "| page | requests | p50 ms | p95 ms | p99 ms | statuses |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
            *rows,
            "",
        ]
        return "\n".join(lines)
