"""manage.py verify_audit: verify the audit chain and the decisions, assessments and claims it covers.

Exits non-zero naming the first broken event, each decision, assessment or claim that does not
match the chain, and an anchored hash (--expect-hash) the chain no longer passes through.
"""

import re

from django.core.management.base import BaseCommand, CommandError

from workbench.audit import ChainReport, audit_verify


def anchor(value: str) -> str:
    """Return `value` as a SHA-256 hex digest in lower case, or refuse it."""
    if not re.fullmatch(r"[0-9a-fA-F]{64}", value.strip()):
        raise CommandError(f"--expect-hash takes a SHA-256 hash, 64 hexadecimal digits: {value!r}")
    return value.strip().lower()


def problems(report: ChainReport) -> list[str]:
    """Return one line per problem in `report`, the chain break first."""
    lines = []
    if report.broken is not None:
        event = report.broken
        lines.append(
            f"audit chain broken at event #{event.pk} ({event.action} on "
            f"{event.object_type}:{event.object_id}, {event.at:%Y-%m-%d %H:%M:%S} UTC): "
            f"{report.problem}; {report.checked} events before it verified"
        )
    lines.extend(report.findings)
    if report.more_findings:
        lines.append(f"… and {report.more_findings} more problems like these")
    if not report.anchored:
        where = "its" if report.broken is None else "the chain's first"
        lines.append(
            f"the chain does not pass through {report.anchor}: none of {where} "
            f"{report.checked} events has that hash (the events up to it were removed or "
            "rewritten, or the hash was not taken from this trail)"
        )
    return lines


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain, and the decisions, assessments and claims "
        "against it; exit non-zero naming each problem."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--expect-hash",
            metavar="HASH",
            help="a hash kept outside the workbench (e.g. an earlier run's last hash): the "
            "chain must still pass through it",
        )

    def handle(self, *args, **options) -> None:
        expected = options["expect_hash"]
        report = audit_verify(expect_hash=anchor(expected) if expected else None)
        if not report.ok:
            raise CommandError("\n".join(problems(report)))
        rows = (
            f"{report.decisions} decisions, {report.assessments} assessments and "
            f"{report.claims} claims match it"
        )
        message = f"audit chain intact: {report.checked} events checked; {rows}"
        if report.anchor is not None:
            message += f"; it passes through {report.anchor} at event #{report.anchor_event}"
        self.stdout.write(self.style.SUCCESS(f"{message}; last hash {report.head}"))
