"""Double review under stress: tampering caught by verify_audit, racing reviewers, COPY's twin,
and manage.py review_mode."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from claims.exports import claims_csv
from claims.models import Claim, Decision, Review
from claims.services import (
    AssessmentInput,
    BulkDecision,
    StaleVersion,
    citation_detach,
    claim_adjudicate,
    claim_decide,
    claim_decide_many,
    document_import,
)
from tests.claims.support import run_in_threads
from tests.conftest import SEED, member
from workbench.audit import audit_verify
from workbench.db import APPEND_ONLY_TABLES, drop_append_only_sql, ensure_append_only
from workbench.models import AuditEvent
from workbench.roles import ADMINS, EDITORS, REVIEWERS

POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrency and COPY need PostgreSQL"
)


def review(claim: Claim, actor, verdict: str, stance: str = "", rationale: str = "Checked."):
    claim.refresh_from_db()
    return claim_decide(
        claim=claim,
        actor=actor,
        verdict=verdict,
        version=claim.version,
        rationale=rationale,
        assessments={c.pk: AssessmentInput(stance) for c in claim.citations.all()}
        if stance
        else {},
    )


@pytest.fixture
def reviewers(db):
    return member("bob", REVIEWERS), member("dora", REVIEWERS)


@pytest.fixture
def double(settings, seed):
    settings.WORKBENCH_DOUBLE_REVIEW = True
    return seed


@pytest.fixture
def attacker():
    """Someone with database access who drops the triggers first (rolled back with the test)."""
    cursor = connection.cursor()
    for table in APPEND_ONLY_TABLES:
        for statement in drop_append_only_sql(connection.vendor, table):
            cursor.execute(statement)
    yield cursor
    ensure_append_only(sender=None)


def event_of(review_id: int) -> int:
    """Return the id of the audit event that recorded review `review_id`."""
    return AuditEvent.objects.get(action="claim.review", after__review=review_id).pk


# --- verify_audit ------------------------------------------------------------------------------


def test_verify_accounts_for_every_review_and_names_one_altered(double, reviewers, attacker):
    bob, dora = reviewers
    claim = Claim.objects.get(document=double, line=8)
    first = review(claim, bob, "refuted", "refutes").review
    review(claim, dora, "refuted", "refutes")
    report = audit_verify()
    assert report.ok and report.reviews == 2 and report.decisions == 1

    attacker.execute("UPDATE claims_review SET verdict = 'corroborated' WHERE id = %s", [first.pk])

    (finding,) = audit_verify().findings
    assert finding == (
        f"review #{first.pk} (claim #{claim.pk}) does not match audit event "
        f"#{event_of(first.pk)}, which recorded it (altered)"
    )


def test_verify_names_a_review_stance_altered_and_a_review_removed(double, reviewers, attacker):
    bob, dora = reviewers
    lone = review(Claim.objects.get(document=double, line=8), bob, "refuted", "refutes").review
    other = review(Claim.objects.get(document=double, line=2), bob, "refuted", "refutes").review

    attacker.execute(
        "UPDATE claims_reviewassessment SET stance = 'supports' WHERE review_id = %s", [other.pk]
    )
    attacker.execute("DELETE FROM claims_reviewassessment WHERE review_id = %s", [lone.pk])
    attacker.execute("DELETE FROM claims_review WHERE id = %s", [lone.pk])

    findings = audit_verify().findings
    assert (
        f"audit event #{event_of(lone.pk)} records review #{lone.pk}, which is not in "
        in (findings[0])
    )
    assert any(f"review #{other.pk}" in f and "footnotes does not match" in f for f in findings)


def test_verify_names_a_settling_decision_whose_kind_or_reviews_were_changed(
    double, reviewers, attacker
):
    bob, dora = reviewers
    claim = Claim.objects.get(document=double, line=8)
    review(claim, bob, "refuted", "refutes")
    decision = review(claim, dora, "refuted", "refutes").decision

    attacker.execute(
        "UPDATE claims_decision SET kind = 'adjudication' WHERE id = %s", [decision.pk]
    )

    (finding,) = audit_verify().findings
    assert finding.startswith(f"decision #{decision.pk} (claim #{claim.pk}) does not match")


def test_a_plain_decision_passed_off_as_an_agreement_is_caught(
    double, reviewers, attacker, settings
):
    bob, dora = reviewers
    settled = Claim.objects.get(document=double, line=8)
    review(settled, bob, "refuted", "refutes")
    pair = review(settled, dora, "refuted", "refutes").decision
    plain = Claim.objects.get(document=double, line=2)
    # A plain decision, made while the document was in single review (bulk refuses double).
    settings.WORKBENCH_DOUBLE_REVIEW = False
    claim_decide_many(actor=bob, decisions=[BulkDecision(plain.pk, 1, "refuted", "No.")])
    settings.WORKBENCH_DOUBLE_REVIEW = True
    decision = Decision.objects.get(claim=plain)

    attacker.execute(
        "UPDATE claims_decision SET kind = 'agreement', first_review_id = %s, "
        "second_review_id = %s WHERE id = %s",
        [pair.first_review_id, pair.second_review_id, decision.pk],
    )

    (finding,) = audit_verify().findings
    assert finding.startswith(f"decision #{decision.pk} (claim #{plain.pk}) does not match")


# --- Racing reviewers (PostgreSQL, real threads) ----------------------------------------------


@POSTGRESQL_ONLY
@pytest.mark.parametrize("agree", [True, False])
def test_six_reviewers_at_once_make_exactly_one_pair(transactional_db, settings, agree):
    settings.WORKBENCH_DOUBLE_REVIEW = True
    document_import(name=SEED.name, data=SEED.read_bytes())
    claim = Claim.objects.get(line=8)
    people = [member(f"reviewer{n}", REVIEWERS) for n in range(6)]

    def work(i: int):
        verdict = "refuted" if agree or i % 2 else "disputed"
        return claim_decide(
            claim=claim, actor=people[i], verdict=verdict, version=1, rationale=f"{i} says no."
        )

    results = run_in_threads(6, work)

    done = [r for r in results if not isinstance(r, Exception)]
    assert len(done) == 2, results
    assert Review.objects.count() == 2
    (second,) = Review.objects.filter(pairs_with__isnull=False)
    refused = [r for r in results if isinstance(r, Exception)]
    if agree:
        # The agreeing second review decided the claim: every later reviewer saw a stale version.
        assert all(isinstance(r, StaleVersion) for r in refused), refused
        assert Decision.objects.get().second_review == second
    else:
        assert Decision.objects.count() in (0, 1)
        if not Decision.objects.exists():
            assert all(isinstance(r, ValidationError) for r in refused), refused
    assert audit_verify().ok


# --- COPY's twin -------------------------------------------------------------------------------


@POSTGRESQL_ONLY
def test_copy_counts_reviews_as_the_python_writer_does(double, reviewers, alice):
    bob, dora = reviewers
    claims = {c.line: c for c in Claim.objects.filter(document=double)}
    review(claims[8], bob, "refuted", "refutes")  # one review in
    review(claims[2], bob, "refuted", "refutes")  # two that disagree
    review(claims[2], dora, "corroborated", "supports")
    review(claims[6], bob, "refuted", "refutes")  # two that agree
    review(claims[6], dora, "refuted", "refutes")
    review(claims[7], bob, "refuted", "refutes")  # adjudicated
    review(claims[7], dora, "disputed", "disputes")
    claims[7].refresh_from_db()
    claim_adjudicate(
        claim=claims[7], actor=alice, verdict="refuted", version=claims[7].version, rationale="No."
    )
    review(claims[9], bob, "refuted", "refutes")  # a review voided by a footnote detached
    claims[9].refresh_from_db()
    citation_detach(citation=claims[9].citations.first(), actor=alice, version=claims[9].version)
    review(claims[6], bob, "corroborated", "supports")  # a new round on a decided claim

    every = Claim.objects.all()
    python = "".join(claims_csv(every, engine="python"))
    copied = "".join(claims_csv(every))

    assert copied == python
    cells = {row.split(",")[0]: row.rsplit(",", 3)[1:3] for row in python.splitlines()[1:]}
    assert cells[str(claims[8].pk)] == ["1", "false"]
    assert cells[str(claims[2].pk)] == ["2", "false"]
    assert cells[str(claims[7].pk)] == ["2", "true"]
    assert cells[str(claims[9].pk)] == ["0", "false"]
    assert cells[str(claims[6].pk)] == ["1", "false"]


# --- manage.py review_mode ----------------------------------------------------------------------


def review_mode(*args) -> str:
    out = StringIO()
    call_command("review_mode", *args, stdout=out)
    return out.getvalue()


def test_review_mode_prints_and_sets_a_documents_mode(seed):
    member("ada", ADMINS)
    name = seed.name

    assert review_mode(name) == f"{name}: single review\n"
    assert review_mode(name, "--double", "--actor", "ada", "--reason", "Pilot.") == (
        f"{name}: double review\n"
    )
    assert review_mode(name, "--single", "--actor", "ada", "--reason", "Done.") == (
        f"{name}: single review\n"
    )


def test_review_mode_refuses_without_an_admin_or_a_reason(seed):
    member("ed", EDITORS)
    member("ada", ADMINS)
    with pytest.raises(CommandError, match="--actor is required"):
        review_mode(seed.name, "--double")
    with pytest.raises(CommandError, match="an admin's right"):
        review_mode(seed.name, "--double", "--actor", "ed", "--reason", "x")
    with pytest.raises(CommandError, match="Give a reason"):
        review_mode(seed.name, "--double", "--actor", "ada")
    with pytest.raises(CommandError, match="no document named"):
        review_mode("nope.txt")
