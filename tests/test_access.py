"""A signed-in user with no role reads nothing and changes nothing: 403 on every page.

The table is every URL of the claims and sources apps, found from the URL configuration, so a
new page is checked the day it is added.
"""

import pytest
from django.urls import get_resolver, reverse

from tests.factories import UserFactory
from workbench.models import AuditEvent

APPS = ("claims", "sources")


def _url_names() -> list[tuple[str, list[str]]]:
    """Return (namespaced name, its URL parameters) for every route of APPS."""
    names = []
    resolver = get_resolver()
    for app in APPS:
        namespace = resolver.namespace_dict[app][1]
        for name, entries in namespace.reverse_dict.lists():
            if isinstance(name, str):
                params = entries[0][0][0][1]
                names.append((f"{app}:{name}", list(params)))
    return sorted(names)


URLS = _url_names()


def test_the_table_covers_the_pages_we_know():
    names = {name for name, _ in URLS}
    assert {
        "claims:dashboard",
        "claims:list",
        "claims:export-csv",
        "claims:detail",
        "claims:claimreview",
        "claims:review-next",
        "claims:decide",
        "claims:citation-confirm",
        "sources:list",
        "sources:detail",
    } <= names


@pytest.fixture
def nobody(db):
    """Signed in, in no group: a new account nobody has given a role yet."""
    return UserFactory(username="nobody")


@pytest.mark.parametrize(("name", "params"), URLS, ids=[name for name, _ in URLS])
def test_a_user_with_no_role_gets_403(client, nobody, seed, name, params):
    claim = seed.claims.get(line=6)
    citation = claim.citations.first()
    values = {"pk": claim.pk, "citation_pk": citation.pk}
    if name.startswith("sources:"):
        values["pk"] = citation.source_id
    url = reverse(name, kwargs={key: values[key] for key in params})
    client.force_login(nobody)
    before = AuditEvent.objects.count()

    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {"version": claim.version, "reason": "x", "verdict": "refuted"})

    assert response.status_code == 403, (url, response.status_code)
    assert b"Your account has no role yet" in response.content
    assert AuditEvent.objects.count() == before
