"""The factories make valid rows, and audit events that keep the hash chain whole."""

from claims.models import Claim
from tests.factories import AssessmentFactory, AuditEventFactory, DecisionFactory, SourceFactory
from workbench.audit import audit_verify


def test_an_assessment_is_recorded_with_a_decision_on_its_own_claim(db):
    assessment = AssessmentFactory()

    assert assessment.decision.claim_id == assessment.citation.claim_id
    assert assessment.actor_id == assessment.decision.actor_id


def test_a_decision_row_leaves_its_claim_as_it_was(db):
    decision = DecisionFactory()

    claim = Claim.objects.get(pk=decision.claim_id)
    assert (claim.verdict, claim.last_decision_id) == ("unreviewed", None)
    assert decision.claim_version == claim.version + 1


def test_audit_events_extend_the_hash_chain(db):
    first = AuditEventFactory()
    source = SourceFactory()
    second = AuditEventFactory(subject=source, action="source.update")

    report = audit_verify()

    assert (report.ok, report.checked) == (True, 2)
    assert second.prev_hash == first.hash
    assert (second.object_type, second.object_id) == ("sources.source", str(source.pk))
