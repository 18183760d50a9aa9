"""The counts the dashboard reads (VerdictCount) stay equal to a GROUP BY over the claims
through every write path: imports and re-imports (withdrawals), decisions one at a time and in
bulk, withdrawing a claim by hand, and deleting a document. The database keeps them (triggers),
so a path added later cannot forget them either."""

from django.db.models import Count

from bench.corpus import corpus_documents
from claims.models import Claim, Verdict, VerdictCount
from claims.selectors import dashboard_for_user
from claims.services import (
    BulkDecision,
    claim_decide,
    claim_decide_many,
    claim_withdraw,
    document_delete,
    document_import,
)


def _grouped() -> dict:
    rows = Claim.objects.live().order_by().values_list("document_id", "verdict")
    return {(d, v): n for d, v, n in rows.annotate(n=Count("id"))}


def _kept() -> dict:
    assert not VerdictCount.objects.filter(n__lte=0).exists()
    return {(c.document_id, c.verdict): c.n for c in VerdictCount.objects.all()}


def test_counts_follow_every_write_path(seed, bob, alice, admin_user):
    assert _kept() == _grouped() and _kept()
    [(name, text, _)] = corpus_documents(documents=1, claims=300, seed=3)
    corpus = document_import(name=name, data=text.encode()).document
    assert _kept() == _grouped()

    claim = Claim.objects.filter(document=seed).first()
    claim_decide(
        claim=claim, actor=bob, verdict=Verdict.REFUTED, version=claim.version, rationale="No."
    )
    rows = Claim.objects.filter(document=corpus).values_list("id", "version")[:120]
    claim_decide_many(
        actor=bob,
        decisions=[
            BulkDecision(pk, version, Verdict.CORROBORATED, "Checked.") for pk, version in rows
        ],
    )
    assert _kept() == _grouped()
    assert _kept()[(seed.pk, Verdict.REFUTED)] == 1

    claim_withdraw(
        claim=Claim.objects.filter(document=seed).last(), actor=admin_user, reason="Gone."
    )
    assert _kept() == _grouped()

    # A re-import that drops half the lines withdraws their claims.
    lines = text.splitlines(keepends=True)
    document_import(name=name, data="".join(lines[: len(lines) // 2]).encode())
    assert _kept() == _grouped()
    assert Claim.objects.filter(document=corpus, withdrawn_at__isnull=False).exists()

    [(other, other_text, _)] = corpus_documents(documents=1, claims=50, seed=9)
    untouched = document_import(name="other-" + other, data=other_text.encode()).document
    assert (untouched.pk, Verdict.UNREVIEWED) in _kept()
    document_delete(document=untouched, actor=admin_user, reason="Imported by mistake.")
    assert _kept() == _grouped()
    assert not VerdictCount.objects.filter(document_id=untouched.pk).exists()


def test_the_dashboard_reads_the_counts(seed, bob):
    dashboard = dashboard_for_user(user=bob)
    [row] = dashboard.documents
    bars = {bar["verdict"]: bar["n"] for bar in row["bars"]}
    assert bars == {v: _grouped().get((seed.pk, v), 0) for v in Verdict.values}
    assert dashboard.awaiting_review == Claim.objects.live().filter(verdict="unreviewed").count()
