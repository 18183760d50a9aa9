"""Real data for the publishing tests: a seed claim, its sources' details and quotes.

Origins: tests/data/publish/README.md.
"""

import datetime

from claims.models import Claim, Stance, Verdict
from claims.services import AssessmentInput, claim_decide, claim_publish
from sources.models import Document, Source
from sources.services import source_update

ARTICLE_URL = "https://en.wikipedia.org/wiki/2022_Russian_mobilization"
ARTICLE_TITLE = "2022 Russian mobilization"
#: A test value (the seed's revision date is not recorded).
REVISED_ON = datetime.date(2024, 5, 1)
SECTION = "Incidents › Attacks on enlistment offices"
DW = {
    "title": "Russian shoots military officer at draft office",
    "url": "https://amp.dw.com/en/russia-man-shoots-official-at-draft-office-amid-military-call-up/a-63246435",
    "publisher": "DW",
    "published_on": datetime.date(2022, 9, 26),
}
DW_QUOTE = (
    "Irkutsk Regional Governor Igor Kobzev said the draft office head was hospitalized and in "
    "critical condition."
)
WAPO = {
    "title": "Gunman attacks Russian military recruiter as thousands flee mobilization",
    "url": "https://www.washingtonpost.com/world/2022/09/26/mobilization-putin-russia-war-ukraine/",
    "publisher": "The Washington Post",
    "published_on": datetime.date(2022, 9, 26),
}
WAPO_QUOTE = (
    "A young man shot and wounded the chief recruitment officer at a military enlistment station "
    "in Russia’s Irkutsk region on Monday, local authorities said"
)
RATIONALE = (
    "Two reports of the shooting say the head of the draft office was hospitalised in critical "
    "condition after a man opened fire at the Ust-Ilimsk draft office on 26 September 2022."
)


def describe_article(document: Document, **overrides) -> Document:
    """Give the seed document the article's title, address and revision date."""
    fields = {
        "title": ARTICLE_TITLE,
        "origin_url": ARTICLE_URL,
        "revised_on": REVISED_ON,
        "format": "seed",
        **overrides,
    }
    Document.objects.filter(pk=document.pk).update(**fields)
    document.refresh_from_db()
    return document


def decide_line27(seed, reviewer, editor, *, text: str | None = None, rationale: str = RATIONALE):
    """Describe the article and two sources of line 27, decide it corroborated, and return it.

    `text` replaces the claim's sentence (for hostile-text tests).
    """
    describe_article(seed)
    claim = Claim.objects.get(document=seed, line=27)
    Claim.objects.filter(pk=claim.pk).update(section=SECTION, **({"text": text} if text else {}))
    for label, details in (("174", DW), ("175", WAPO)):
        source_update(
            source=Source.objects.get(document=seed, label=label), actor=editor, **details
        )
    citations = {c.source.label: c.pk for c in claim.citations.select_related("source")}
    claim.refresh_from_db()
    claim_decide(
        claim=claim,
        actor=reviewer,
        verdict=Verdict.CORROBORATED,
        version=claim.version,
        rationale=rationale,
        assessments={
            citations["174"]: AssessmentInput(Stance.SUPPORTS, quote=DW_QUOTE),
            citations["175"]: AssessmentInput(Stance.SUPPORTS, quote=WAPO_QUOTE, page="1"),
            citations["176"]: AssessmentInput(Stance.NOT_IN_SOURCE),
        },
    )
    claim.refresh_from_db()
    return claim


def publish_line27(seed, reviewer, editor, **kwargs) -> Claim:
    """decide_line27, then publish it as `editor`; return the claim."""
    claim = decide_line27(seed, reviewer, editor, **kwargs)
    claim_publish(claim=claim, actor=editor, version=claim.version)
    claim.refresh_from_db()
    return claim
