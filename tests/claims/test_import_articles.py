"""Real articles no one here wrote, imported end to end: what a reviewer then sees.

Counts are the parsers' own (pinned in tests/claims/formats/); here they are checked in the
database after document_import, and on the claim page.
"""

import re
from pathlib import Path

import pytest

from claims.models import Claim
from claims.services import document_import
from sources.models import Document, Source

DATA = Path(__file__).resolve().parent.parent / "data"
MARKUP = re.compile(r"\[\[|\]\]|\{\{|\}\}|<ref|''|==|\[edit\]|\[\d+\]")

ARTICLES = [
    # (file, format, claims, sources, with a title, with a URL). A source only the infobox or
    # a table cites becomes no Source: no claim cites it (hence fewer than the parser saw).
    ("articles/United_Kingdom.wiki", "wikitext", 727, 573, 537, 497),
    ("articles/Toronto_Star.wiki", "wikitext", 167, 27, 23, 26),
    ("articles/mozilla-desktop-2016.html", "html", 139, 72, 71, 71),
    ("articles/dog-parsoid-2018.html", "html", 337, 233, 219, 110),
    ("plaintext/disease.txt", "seed", 146, 51, 51, 0),  # a browser copy keeps no links
]


@pytest.mark.parametrize(("path", "fmt", "claims", "count", "titled", "linked"), ARTICLES)
def test_a_real_article_comes_in_with_its_sources(db, path, fmt, claims, count, titled, linked):
    data = (DATA / path).read_bytes()
    report = document_import(name=Path(path).name, data=data)

    document = Document.objects.get(name=Path(path).name)
    assert document.format == fmt
    live = Claim.objects.live().filter(document=document)
    assert report.added == live.count() == claims
    texts = list(live.values_list("text", flat=True))
    assert not [t for t in texts if MARKUP.search(t)], "markup left in a claim"
    headings = set(live.exclude(section="").values_list("section", flat=True))
    leaves = {h.split(" › ")[-1] for h in headings}
    assert not leaves & set(texts), "a heading became a claim"
    sources = Source.objects.filter(document=document)
    assert sources.count() == count
    assert sources.exclude(title="").count() == titled
    assert sources.exclude(url="").count() == linked
    cited = Source.objects.filter(document=document, citations__isnull=False).distinct()
    assert cited.count() == count  # every source is some claim's footnote


def test_a_reviewer_sees_which_source_each_footnote_is(client, bob):
    data = (DATA / "articles/Toronto_Star.wiki").read_bytes()
    document_import(name="Toronto_Star.wiki", data=data)
    source = (
        Source.objects.filter(document__name="Toronto_Star.wiki")
        .exclude(title="")
        .exclude(url="")
        .exclude(publisher="")
        .first()
    )
    claim = Claim.objects.filter(citations__source=source).first()
    client.force_login(bob)

    html = client.get(f"/claims/{claim.pk}/").content.decode()

    assert source.title in html.replace("&#x27;", "'").replace("&amp;", "&")
    assert source.publisher in html.replace("&#x27;", "'").replace("&amp;", "&")
    assert f'href="{source.url}"' in html.replace("&amp;", "&")


def test_claims_keep_their_section_path_and_can_be_filtered_by_it(client, bob):
    data = (DATA / "articles/United_Kingdom.wiki").read_bytes()
    document_import(name="United_Kingdom.wiki", data=data)
    sections = Claim.objects.exclude(section="").values_list("section", flat=True)
    assert any(" › " in s for s in sections), "no nested section path"
    name = next(s for s in sections if " › " in s).split(" › ")[0]
    client.force_login(bob)

    response = client.get("/claims/", {"section": name})

    assert response.status_code == 200
    shown = Claim.objects.filter(section__icontains=name).count()
    assert 0 < shown < 727
    assert response.context["total"] == shown
