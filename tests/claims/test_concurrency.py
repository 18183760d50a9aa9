"""No lost update and no forked chain, with real threads on PostgreSQL."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from claims.models import Claim, Decision
from claims.services import (
    StaleVersion,
    citation_confirm,
    citation_move,
    claim_decide,
    claim_lock,
)
from claims.services import document_import as import_document
from tests.claims.support import run_in_threads
from tests.conftest import SEED, member
from workbench.audit import audit_verify
from workbench.models import AuditEvent
from workbench.roles import REVIEWERS

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"
)


@pytest.fixture
def reviewers(transactional_db):
    return [member(f"reviewer{n}", REVIEWERS) for n in range(8)]


def test_eight_reviewers_deciding_the_same_version_store_exactly_one_decision(reviewers):
    import_document(name=SEED.name, data=SEED.read_bytes())
    claim = Claim.objects.get(line=1)

    results = run_in_threads(
        8,
        lambda i: claim_decide(
            claim=claim,
            actor=reviewers[i],
            verdict="disputed",
            version=1,
            rationale=f"Reviewer {i} disagrees.",
        ),
    )

    decisions = [r for r in results if isinstance(r, Decision)]
    stale = [r for r in results if isinstance(r, StaleVersion)]
    assert len(decisions) == 1, results
    assert len(stale) == 7, results
    winner = decisions[0].actor.username
    assert all(str(e).startswith(f"{winner} marked this claim disputed at ") for e in stale)
    assert Decision.objects.filter(claim=claim).count() == 1
    claim.refresh_from_db()
    assert claim.version == 2
    assert audit_verify().ok


def test_eight_writers_on_different_claims_make_one_unforked_chain(reviewers, django_user_model):
    import_document(name=SEED.name, data=SEED.read_bytes())
    claims = list(Claim.objects.order_by("line")[:8])
    editor = django_user_model.objects.create_superuser("editor", password="x")

    def work(i: int):
        if i % 2:
            return claim_lock(claim=claims[i], actor=editor, reason=f"Hold {i}.")
        return claim_decide(
            claim=claims[i], actor=reviewers[i], verdict="refuted", version=1, rationale="No."
        )

    results = run_in_threads(8, work)

    assert not [r for r in results if isinstance(r, Exception)], results
    report = audit_verify()
    assert report.ok, report.problem
    assert report.checked == AuditEvent.objects.count() == 9  # the import and eight changes
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == len(prev_hashes)  # no two events share a parent: no fork


def test_six_concurrent_confirms_of_one_footnote_write_one_event(reviewers):
    import_document(name=SEED.name, data=SEED.read_bytes())
    claim = Claim.objects.get(line=6)
    citation = claim.citations.get(source__label="31")

    results = run_in_threads(
        6, lambda i: citation_confirm(citation=citation, actor=reviewers[i], version=1)
    )

    settled = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, (StaleVersion, ValidationError))]
    assert len(settled) == 1 and len(refused) == 5, results
    events = AuditEvent.objects.filter(action="citation.confirm")
    assert events.count() == 1
    assert events.get().before == {
        "label": "31",
        "attribution": "as_printed",
        "needs_rereview": False,
    }
    claim.refresh_from_db()
    assert claim.version == 2


def test_two_concurrent_moves_onto_one_claim_both_land_in_order(reviewers):
    import_document(name=SEED.name, data=SEED.read_bytes())
    claim = Claim.objects.get(line=27)  # eight leading footnotes, [174] … [181]
    target = Claim.objects.get(line=26)
    citations = list(claim.citations.order_by("order")[:2])

    results = run_in_threads(2, lambda i: citation_move(citation=citations[i], actor=reviewers[i]))

    assert not [r for r in results if isinstance(r, Exception)], results
    orders = list(target.citations.order_by("order").values_list("order", flat=True))
    assert orders == list(range(len(orders)))  # no gap, no duplicate
    assert {c.source.label for c in target.citations.all()} >= {"174", "175"}
    assert audit_verify().ok
