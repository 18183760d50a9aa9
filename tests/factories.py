"""One factory per model, with minimal valid defaults.

The factories write rows, not editorial actions: a DecisionFactory row does not move its claim's
verdict (claim_decide does). Audit events alone go through the audit trail's own append, so the
hash chain of a test database always verifies.
"""

import hashlib

import factory
from django.contrib.auth import get_user_model
from django.db import transaction

from claims.models import Assessment, Citation, Claim, Decision, Position, Stance, Verdict
from sources.models import Document, Source
from workbench.actions import AuditAction
from workbench.audit import audit_append
from workbench.models import AuditEvent


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("password")


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    name = factory.Sequence(lambda n: f"doc{n:03}.txt")
    sha256 = factory.LazyAttribute(lambda d: hashlib.sha256(d.name.encode()).hexdigest())


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    document = factory.SubFactory(DocumentFactory)
    label = factory.Sequence(lambda n: str(n + 1))


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    document = factory.SubFactory(DocumentFactory)
    line = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Claim number {n} is a sentence.")
    raw = factory.LazyAttribute(lambda c: c.text)
    fingerprint = factory.LazyAttribute(lambda c: hashlib.sha256(c.raw.encode()).hexdigest())


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    claim = factory.SubFactory(ClaimFactory)
    source = factory.SubFactory(SourceFactory, document=factory.SelfAttribute("..claim.document"))
    position = Position.TRAILING
    order = factory.Sequence(lambda n: n)


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    claim = factory.SubFactory(ClaimFactory)
    verdict_from = Verdict.UNREVIEWED
    verdict_to = Verdict.CORROBORATED
    actor = factory.SubFactory(UserFactory)
    claim_version = factory.LazyAttribute(lambda d: d.claim.version + 1)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    citation = factory.SubFactory(CitationFactory)
    # The decision it was recorded with is about the same claim.
    decision = factory.SubFactory(DecisionFactory, claim=factory.SelfAttribute("..citation.claim"))
    stance = Stance.SUPPORTS
    actor = factory.SelfAttribute("decision.actor")


class AuditEventFactory(factory.django.DjangoModelFactory):
    """An audit event about `subject` (a claim unless given), appended to the hash chain."""

    class Meta:
        model = AuditEvent

    class Params:
        subject = factory.SubFactory(ClaimFactory)

    actor = factory.SubFactory(UserFactory)
    action = AuditAction.CLAIM_LOCK
    object_type = factory.LazyAttribute(lambda e: e.subject._meta.label_lower)
    object_id = factory.LazyAttribute(lambda e: str(e.subject.pk))
    before = factory.Dict({})
    after = factory.Dict({})
    reason = "Made by a factory."

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> AuditEvent:
        # audit_append sets prev_hash and hash from the chain's head, as every service does.
        with transaction.atomic():
            return audit_append([model_class(*args, **kwargs)])[0]
