"""One factory per model, with minimal valid defaults."""

import hashlib

import factory
from django.contrib.auth import get_user_model

from claims.models import Citation, Claim, Position
from sources.models import Document, Source


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
