"""On PostgreSQL the claims CSV comes from COPY; it must be byte for byte the Python writer's."""

import pytest
from django.db import connection

from claims.exports import claims_csv
from claims.models import Claim
from claims.services import (
    AssessmentInput,
    citation_detach,
    citation_move,
    claim_decide,
    claim_publish,
    document_import,
)
from sources.models import Source
from sources.services import source_update
from tests.factories import ClaimFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's"
)

SEED = "\n".join(
    [
        '=HYPERLINK("http://x","y") opens the document.[1]',
        '[2][3] A claim with, commas and "quotes" and Кириллица.[citation needed]',
        "-5 degrees, @handle and +1 start cells.[4]",
        "\tA tab starts this line.[5]",
        "A sentence without sources.",
        "[6] Its leading footnote is moved away.",
        "A claim with an inline[7] marker and a note.[a]",
    ]
)


def python_csv(claims) -> str:
    return "".join(claims_csv(claims, engine="python"))


def test_copy_and_python_give_the_same_bytes(db, alice, bob):
    document_import(name="hostile.txt", data=SEED.encode())
    claims = {c.line: c for c in Claim.objects.all()}
    # Line ends cannot come from a seed, but a claim's text may hold them (made by hand).
    ClaimFactory(document=claims[1].document, line=99, text="A lone \r and a\nnewline, inside.")
    source = claims[1].citations.get().source
    source_update(
        source=source,
        actor=alice,
        title='Report, "final"',
        url="https://example.org/a?b=1,2",
        reliability="deprecated",
    )
    claim_decide(
        claim=claims[1],
        actor=bob,
        verdict="refuted",
        version=1,
        rationale="=cmd|' /C calc'!A0\nsecond line",
        assessments={claims[1].citations.get().pk: AssessmentInput("supports")},
    )
    first, second = claims[2].citations.order_by("order")
    citation_detach(citation=first, actor=bob, reason="Not in this document.")
    claims[2].refresh_from_db()
    claim_decide(
        claim=claims[2],
        actor=bob,
        verdict="disputed",
        version=claims[2].version,
        rationale="Sources disagree.",
        assessments={second.pk: AssessmentInput("disputes")},
    )
    citation_move(citation=claims[6].citations.get(), actor=bob)
    claims[3].refresh_from_db()
    claim_decide(
        claim=claims[3],
        actor=bob,
        verdict="corroborated",
        version=claims[3].version,
        rationale="Checked.",
    )
    # The publishing and article columns, and a label that needs escaping in a joined cell.
    Claim.objects.filter(pk=claims[1].pk).update(section="History › 2022")
    claims[1].refresh_from_db()
    claim_publish(claim=claims[1], actor=alice, version=claims[1].version)
    Source.objects.filter(pk=claims[7].citations.get().source_id).update(label="n;7%")
    everything = Claim.objects.all()

    copied = "".join(claims_csv(everything))

    assert copied == python_csv(everything)
    assert copied.count("\n") >= 8
    assert "n%3B7%25" in copied and "History › 2022" in copied
    reviewed = Claim.objects.reviewed()
    assert "".join(claims_csv(reviewed)) == python_csv(reviewed)
    raw = "".join(claims_csv(everything, raw=True))
    assert raw == "".join(claims_csv(everything, engine="python", raw=True))
    assert ',"=HYPERLINK(""http://x""' in raw and "'=HYPERLINK" not in raw
    assert ',"\'=HYPERLINK(""http://x""' in copied
