"""manage.py publish_claims: publish or unpublish every decided claim of a document."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim, Verdict
from claims.publish.selectors import public_review
from claims.services import claim_decide
from workbench.models import AuditEvent


def run(*args: str) -> str:
    out = StringIO()
    call_command("publish_claims", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def decided(seed, bob) -> list[Claim]:
    claims = [Claim.objects.get(document=seed, line=n) for n in (1, 3)]
    for claim in claims:
        claim_decide(
            claim=claim, actor=bob, verdict=Verdict.REFUTED, version=1, rationale="Unsourced."
        )
    return claims


def test_it_publishes_and_unpublishes_a_document(decided, seed, alice):
    assert run("--document", seed.name, "--actor", "alice", "--reason", "Batch") == (
        f"{seed.name}: 2 claims published\n"
    )
    assert all(public_review(claim.pk) for claim in decided)
    assert AuditEvent.objects.filter(action="claim.publish", reason="Batch").count() == 2
    assert run("--document", seed.name, "--actor", "alice") == f"{seed.name}: 0 claims published\n"

    assert run("--document", seed.name, "--actor", "alice", "--unpublish") == (
        f"{seed.name}: 2 claims unpublished\n"
    )
    assert not any(public_review(claim.pk) for claim in decided)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--document", "nope.txt", "--actor", "alice"], "no document named 'nope.txt'"),
        (["--actor", "nobody"], "no user named 'nobody'"),
        (["--actor", "bob"], "bob may not publish reviews"),
    ],
)
def test_it_refuses_clearly(decided, seed, alice, args, message):
    if "--document" not in args:
        args = ["--document", seed.name, *args]

    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not AuditEvent.objects.filter(action="claim.publish").exists()
