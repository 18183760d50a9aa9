"""What the claims schema itself refuses."""

import pytest
from django.db import IntegrityError

from claims.models import Assessment
from tests.factories import CitationFactory


def test_an_assessment_without_a_decision_is_refused_by_the_database(db, bob):
    citation = CitationFactory()

    with pytest.raises(IntegrityError):
        Assessment.objects.create(citation=citation, stance="supports", actor=bob)
