"""The sources' read layer (sources/selectors.py), called directly rather than through a page."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from claims.models import Attribution, Verdict
from sources.selectors import (
    source_citation_rows,
    source_citations,
    source_cited_counts,
    source_get_for_user,
    source_list,
    source_list_for_user,
)
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    DocumentFactory,
    SourceFactory,
    UserFactory,
)


def test_a_user_without_a_role_is_refused(db):
    source = SourceFactory()
    nobody = UserFactory()

    with pytest.raises(PermissionDenied):
        source_list_for_user(user=nobody, filters={})
    with pytest.raises(PermissionDenied):
        source_get_for_user(user=nobody, pk=source.pk)


def test_a_viewer_reads_sources_but_may_not_ask_to_edit_one(db, charlie):
    source = SourceFactory()

    assert source_get_for_user(user=charlie, pk=source.pk) == source
    assert list(source_list_for_user(user=charlie, filters={})) == [source]
    with pytest.raises(PermissionDenied):
        source_get_for_user(user=charlie, pk=source.pk, permission="sources.change_source")


def test_a_missing_source_is_404(db, charlie):
    with pytest.raises(Http404):
        source_get_for_user(user=charlie, pk=10**9)


def test_the_register_orders_labels_as_numbers_and_counts_citations(db):
    document = DocumentFactory()
    ten, nine = (
        SourceFactory(document=document, label="10"),
        SourceFactory(document=document, label="9"),
    )
    for _ in range(2):
        CitationFactory(source=ten, claim=ClaimFactory(document=document))

    sources = list(source_list(filters={}))
    source_cited_counts(sources)

    assert [(s.label, s.cited) for s in sources] == [("9", 0), ("10", 2)]
    assert nine in sources


def test_the_register_filters_by_text_document_and_rating(db):
    document = DocumentFactory(name="a.txt")
    report = SourceFactory(document=document, title="Annual report", reliability="deprecated")
    SourceFactory(document=document, publisher="The Times")
    SourceFactory(document=DocumentFactory(name="b.txt"), url="https://example.org/report")

    def labels(**filters) -> set[str]:
        return {s.label for s in source_list(filters=filters)}

    assert len(labels(q=" report ")) == 2  # title or URL, trimmed
    assert labels(document="a.txt", q="report") == {report.label}
    assert labels(reliability="deprecated") == {report.label}


def test_cited_by_counts_only_live_attached_citations_of_contested_claims(db):
    document = DocumentFactory()
    live, withdrawn, detached, corroborating = (SourceFactory(document=document) for _ in range(4))
    refuted = ClaimFactory(document=document, verdict=Verdict.REFUTED)
    CitationFactory(source=live, claim=refuted)
    CitationFactory(source=detached, claim=refuted, attribution=Attribution.DETACHED)
    CitationFactory(
        source=withdrawn,
        claim=ClaimFactory(
            document=document, verdict=Verdict.DISPUTED, withdrawn_at=timezone.now()
        ),
    )
    CitationFactory(
        source=corroborating, claim=ClaimFactory(document=document, verdict=Verdict.CORROBORATED)
    )

    assert list(source_list(filters={"cited_by": "contested"})) == [live]
    assert list(source_list(filters={"cited_by": "disputed"})) == []


def test_invalid_filters_give_none(db):
    assert source_list(filters={"reliability": "awful"}) is None


def test_a_sources_citations_come_in_the_order_their_claims_were_imported(db):
    # An import creates a document's claims line by line: import order is line order, but for
    # lines a re-import added later (read from an index, without joining every citing claim).
    document = DocumentFactory()
    source = SourceFactory(document=document)
    earlier = CitationFactory(source=source, claim=ClaimFactory(document=document, line=9))
    later = CitationFactory(source=source, claim=ClaimFactory(document=document, line=2))
    CitationFactory()  # another source

    assert source_citation_rows(source_citations(source)) == [earlier, later]
