"""Every entry point takes the same URLs, and no text field takes unbounded input."""

import pytest
from django.core.exceptions import ValidationError

from claims.models import Decision, Verdict
from claims.services import claim_decide
from sources.imports import SourceFileError, sources_parse
from sources.models import Source

BAD_URLS = ["ftp://example.org/file", "example.com/path", "javascript:alert(1)", "//x.org/a"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_source_form_refuses_what_the_csv_import_refuses(client, alice, seed, url):
    source = seed.sources.get(label="19")
    client.force_login(alice)
    data = {name: "" for name in Source.EDITABLE_FIELDS}
    data.update({"reliability": "unrated", "reason": "x", "version": 1, "url": url})
    response = client.post(f"/sources/{source.pk}/", data)
    assert response.status_code == 400
    assert "starting with http:// or https://" in response.content.decode()
    header = "label,title,url,publisher,author,published_on,accessed_on,archive_url,reliability"
    with pytest.raises(SourceFileError) as refused:
        sources_parse(document=seed, data=f"{header}\n19,,{url},,,,,,\n".encode())
    assert refused.value.errors == [(2, f"url: {url!r} is not an http(s) URL")]


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_evidence_url_of_a_decision_follows_the_same_rule(client, bob, seed, url):
    claim = seed.claims.get(line=3)
    client.force_login(bob)
    response = client.post(
        f"/claims/{claim.pk}/decide/",
        {"verdict": "refuted", "rationale": "No.", "version": 1, "evidence_url": url},
    )
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        claim_decide(
            claim=claim,
            actor=bob,
            verdict=Verdict.REFUTED,
            version=1,
            rationale="No.",
            evidence_url=url,
        )
    assert not Decision.objects.exists()


def test_a_megabyte_rationale_is_refused(client, bob, seed):
    claim = seed.claims.get(line=3)
    client.force_login(bob)
    response = client.post(
        f"/claims/{claim.pk}/decide/",
        {"verdict": "refuted", "rationale": "x" * 1_000_000, "version": 1},
    )
    assert response.status_code == 400
    assert "at most 10000 characters" in response.content.decode()
    assert not Decision.objects.exists()
