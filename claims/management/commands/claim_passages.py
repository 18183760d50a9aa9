"""manage.py claim_passages CLAIM_ID [--json]: the best passages of each source a claim cites."""

import json

from django.core.management.base import BaseCommand, CommandError

from claims.models import Claim
from claims.selectors import claim_evidence, claim_suggestion


class Command(BaseCommand):
    help = (
        "Print the passages of each cited source's latest snapshot that best match the claim, "
        "in rank order, as the claim page shows them; --json writes one JSON object per line: "
        '{"rank", "label", "passage", "score", "page"}.'
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("claim_id", type=int)
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, claim_id: int, as_json: bool, **options) -> None:
        claim = Claim.objects.filter(pk=claim_id).first()
        if claim is None:
            raise CommandError(f"no claim {claim_id}")
        citations, _ = claim_suggestion(claim)
        claim_evidence(claim, citations)
        if not as_json:
            self.stdout.write(f"Claim {claim.pk}: {claim.text}")
        for citation in citations:
            if not as_json:
                self.stdout.write(f"\n[{citation.source.label}] {citation.source.title}")
                if not citation.passages:
                    self.stdout.write("  (no snapshot, or no passage matches)")
            for passage in citation.passages:
                if as_json:
                    self.stdout.write(_line(passage, citation.source.label))
                else:
                    where = f" p. {passage.page}" if passage.page else ""
                    self.stdout.write(
                        f"  {passage.rank}. ({passage.score:.2f}{where}) {passage.text}"
                    )


def _line(passage, label: str) -> str:
    record = {
        "rank": passage.rank,
        "label": label,
        "passage": passage.text,
        "score": passage.score,
        "page": passage.page,
    }
    return json.dumps(record, ensure_ascii=False)
