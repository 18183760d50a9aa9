"""What the service tests share: a seed line's claim, the state a refusal must leave, and
threads released at once (PostgreSQL concurrency tests)."""

import threading

from claims.models import Assessment, Citation, Claim, Decision
from claims.services import AssessmentInput
from workbench.models import AuditEvent


def at(seed, line: int) -> Claim:
    return Claim.objects.get(document=seed, line=line)


def state() -> tuple:
    """Everything a refused call must leave as it was."""
    return (
        list(Claim.objects.values_list("id", "verdict", "version", "locked", "last_decision")),
        list(Citation.objects.values_list("id", "claim_id", "attribution", "assessment", "order")),
        Decision.objects.count(),
        Assessment.objects.count(),
        AuditEvent.objects.count(),
    )


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


def supports_all(claim: Claim) -> dict[int, AssessmentInput]:
    return {c.pk: AssessmentInput("supports", quote="It says so.") for c in claim.citations.all()}


def run_in_threads(count: int, work) -> list:
    """Run work(i) in `count` threads released at once; return each result or exception."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i: int) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # the outcome under test, whatever it is
            results[i] = exc
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results
