"""Every page makes a fixed, known number of queries, the same at two corpus sizes.

The numbers are pinned: a page that gains a query fails here, whether or not it grows with the
rows, and whoever changes one says why in the diff of QUERIES.
"""

import html
import random
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.corpus import corpus_documents
from claims.models import Citation, Claim, Verdict
from claims.services import BulkDecision, claim_decide, claim_decide_many, document_import
from claims.services.evidence import source_snapshot_upload
from sources.models import Source
from sources.snapshots import Upload

NEXT_LINK = re.compile(r'<a rel="next" href="([^"]+)"')


def _grow(*, seed: int, claims: int, reviewer, fraction: float) -> None:
    """Import a corpus document of `claims` claims and decide `fraction` of them in bulk."""
    [(name, text, _)] = corpus_documents(documents=1, claims=claims, seed=seed)
    document = document_import(name=name, data=text.encode()).document
    rng = random.Random(seed)
    verdicts = [Verdict.CORROBORATED, Verdict.DISPUTED, Verdict.REFUTED]
    rows = Claim.objects.filter(document=document).order_by("id").values_list("id", "version")
    claim_decide_many(
        actor=reviewer,
        decisions=[
            BulkDecision(pk, version, rng.choice(verdicts), "Checked against the sources.")
            for pk, version in rows
            if rng.random() < fraction
        ],
    )


def _next_page(client, url: str) -> str:
    page = client.get(url).content.decode()
    match = NEXT_LINK.search(page)
    assert match, f"no next link on {url}"
    return "/claims/" + html.unescape(match.group(1))


#: Queries per page, whatever the corpus size. An unfiltered admin changelist (and the sources
#: register) on PostgreSQL adds one: the planner's row estimate (workbench.pagination.table_estimate) instead of a COUNT(*).
QUERIES = {
    "dashboard": 11,  # + claims assigned to you, notes that mention you (counts: VerdictCount)
    "claim list": 10,  # + the "Assigned to" filter's reviewers; unfiltered counts from VerdictCount
    "claim list, refuted": 13,
    "claim list, third page": 11,  # + where the page starts ("claims 101-150")
    # + passages, quote checks, the history's quote checks; the discussion, the skips, the
    # assignment
    "claim page": 17,
    # + the hold (its transaction's savepoints count here; the held claim's id is read first),
    # the claim's place in the queue
    "review queue": 23,
    "sources": 8,  # + how often the page's sources are cited
    # + its snapshots and its history; its citations counted to the cap, then a page of their
    # ids, then those rows
    "source page": 10,
    "admin claims": 6,
    "admin citations": 4,
    "admin sources": 5,  # a date filter, no date_hierarchy (its SELECT DISTINCT date_trunc)
}
ESTIMATED = ("sources", "admin claims", "admin citations", "admin sources")


def expected(name: str) -> int:
    return QUERIES[name] + (name in ESTIMATED and connection.vendor == "postgresql")


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def _measure(reviewer_client, admin_client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        client = admin_client if url.startswith("/admin/") else reviewer_client
        counts[name] = _count(client, url)
    return counts


def _check(reviewer_client, admin_client, urls: dict[str, str], assert_num_queries) -> None:
    """Assert each page runs exactly its pinned number of queries."""
    for name, url in urls.items():
        client = admin_client if url.startswith("/admin/") else reviewer_client
        with assert_num_queries(expected(name)):
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)


def test_every_page_makes_its_pinned_number_of_queries_at_two_corpus_sizes(
    client, admin_client, bob, alice, django_assert_num_queries
):
    _grow(seed=1, claims=200, reviewer=bob, fraction=0.4)
    assert Claim.objects.filter(verdict=Verdict.REFUTED).exists()
    # A claim with several citations, an assessment and two decisions for its page.
    claim = (
        Claim.objects.filter(verdict=Verdict.UNREVIEWED, citations__order=1)
        .order_by("document", "line")
        .first()
    )
    first = claim.citations.order_by("order").first()
    claim_decide(
        claim=claim,
        actor=alice,
        verdict=Verdict.DISPUTED,
        version=claim.version,
        rationale="One source contradicts the other.",
    )
    claim_decide_many(
        actor=bob,
        decisions=[
            BulkDecision(claim.pk, claim.version + 1, Verdict.REFUTED, "No.", {0: "refutes"})
        ],
    )
    assert claim.decisions.count() == 2 and Citation.objects.get(pk=first.pk).assessment
    source = Source.objects.filter(citations__claim=claim).first()
    # A copy of it, so the claim page reads its passages and the source page its snapshots.
    source_snapshot_upload(
        source=source, upload=Upload("copy.txt", claim.text.encode()), actor=alice
    )
    client.force_login(bob)

    deep = _next_page(client, _next_page(client, "/claims/"))
    urls = {
        "dashboard": "/",
        "claim list": "/claims/",
        "claim list, refuted": "/claims/?verdict=refuted",
        "claim list, third page": deep,
        "claim page": f"/claims/{claim.pk}/",
        "review queue": "/review/next/",
        "sources": "/sources/",
        "source page": f"/sources/{source.pk}/",
        "admin claims": "/admin/claims/claim/",
        "admin citations": "/admin/claims/citation/",
        "admin sources": "/admin/sources/source/",
    }
    _measure(client, admin_client, urls)  # warm the per-process caches (content types)
    _check(client, admin_client, urls, django_assert_num_queries)

    _grow(seed=2, claims=2000, reviewer=bob, fraction=0.5)
    assert Claim.objects.count() == 2200
    assert _next_page(client, _next_page(client, "/claims/")) == deep
    _check(client, admin_client, urls, django_assert_num_queries)


def test_a_decision_costs_a_fixed_number_of_queries(seed, bob):
    """claim_decide: the claim with its review mode, its footnotes, the decision, the
    assessments and their citations' pointer, one UPDATE for version, verdict and last
    decision, and the audit append (PostgreSQL: its lock, then the head read with the
    sequence moved in one statement). Savepoints are not counted."""
    from claims.services import AssessmentInput

    claim = Claim.objects.filter(citations__order=1).first()
    citations = list(claim.citations.order_by("order"))
    bob.has_perm("claims.add_decision")  # the permission cache, as a request's first check
    with CaptureQueriesContext(connection) as ctx:
        claim_decide(
            claim=claim,
            actor=bob,
            verdict=Verdict.DISPUTED,
            version=claim.version,
            rationale="The second source says otherwise.",
            assessments={c.pk: AssessmentInput("supports") for c in citations},
        )
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == (9 if connection.vendor == "postgresql" else 8), statements
    claim.refresh_from_db()
    assert claim.verdict == Verdict.DISPUTED and claim.version == 2
    assert claim.last_decision.claim_version == 2
