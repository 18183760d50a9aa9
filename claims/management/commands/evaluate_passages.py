"""manage.py evaluate_passages: recall of the evidence ranker on the hand-marked evaluation set."""

import json
import statistics
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.evidence import Evaluation, evaluate, load_pairs, pooled

KINDS = ("near_verbatim", "paraphrase", "numeric", "refuted")


def summary(ranker: Evaluation, baseline: Evaluation) -> dict:
    """Return recall@1 and @3 of both rankers overall, per kind and per split, with timings."""
    pairs = [outcome.pair for outcome in ranker.outcomes]
    groups: list[tuple[str, str | None, str | None]] = [("all", None, None)]
    groups += [(kind, kind, None) for kind in KINDS]
    groups += [(f"split {split}", None, split) for split in dict.fromkeys(p.split for p in pairs)]
    rows = []
    for label, kind, split in groups:
        count = len(ranker.select(kind, split))
        if not count:
            continue
        rows.append(
            {
                "group": label,
                "pairs": count,
                "ranker@1": round(ranker.recall(1, kind, split), 3),
                "baseline@1": round(baseline.recall(1, kind, split), 3),
                "ranker@3": round(ranker.recall(3, kind, split), 3),
                "baseline@3": round(baseline.recall(3, kind, split), 3),
            }
        )

    def milliseconds(values: list[float]) -> dict:
        return {
            "mean": round(1000 * statistics.fmean(values), 2),
            "median": round(1000 * statistics.median(values), 2),
            "max": round(1000 * max(values), 2),
        }

    return {
        "pairs": len(pairs),
        "sources": len({pair.text for pair in pairs}),
        "mean_source_chars": round(statistics.fmean(len(pair.text) for pair in pairs)),
        "rows": rows,
        "ranker_ms": {
            "split": milliseconds([o.split_seconds for o in ranker.outcomes]),
            "rank": milliseconds([o.rank_seconds for o in ranker.outcomes]),
        },
        "baseline_ms": {
            "split": milliseconds([o.split_seconds for o in baseline.outcomes]),
            "rank": milliseconds([o.rank_seconds for o in baseline.outcomes]),
        },
        "ranker_misses@1": ranker.misses(1),
        "baseline_misses@1": baseline.misses(1),
        "ranker_misses@3": ranker.misses(3),
        "baseline_misses@3": baseline.misses(3),
    }


class Command(BaseCommand):
    help = (
        "Rank each claim-source pair of an evidence evaluation set with claims.evidence.rank and "
        "with the plain BM25 baseline, and print recall@1 and recall@3 (gold sentence inside the "
        "first / first three passages) overall, per kind and per split, with the time per pair. "
        "Needs no database."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--set",
            default=str(Path(settings.BASE_DIR) / "tests" / "data" / "evidence"),
            help="folder holding pairs.jsonl and the source texts (default: tests/data/evidence)",
        )
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument(
            "--pooled",
            action="store_true",
            help="stress test: rank each claim against all the set's sources joined into one text",
        )

    def handle(self, *args, **options) -> None:
        folder = Path(options["set"])
        if not (folder / "pairs.jsonl").is_file():
            raise CommandError(f"no pairs.jsonl in {folder}")
        pairs = load_pairs(folder)
        if options["pooled"]:
            pairs = pooled(pairs)
        figures = summary(evaluate(pairs), evaluate(pairs, baseline=True))
        figures["set"] = str(folder)
        figures["pooled"] = options["pooled"]
        if options["json"]:
            self.stdout.write(json.dumps(figures, indent=2))
            return
        self.stdout.write(
            f"{figures['pairs']} pairs, {figures['sources']} sources "
            f"({figures['mean_source_chars']} characters a pair on average)"
            + (", all sources pooled into one text" if options["pooled"] else "")
        )
        self.stdout.write(
            f"{'':24}{'recall@1':>20}{'recall@3':>20}\n"
            f"{'group':18}{'pairs':>6}{'ranker':>10}{'baseline':>10}{'ranker':>10}{'baseline':>10}"
        )
        for row in figures["rows"]:
            self.stdout.write(
                f"{row['group']:18}{row['pairs']:>6}{row['ranker@1']:>10.2f}"
                f"{row['baseline@1']:>10.2f}{row['ranker@3']:>10.2f}{row['baseline@3']:>10.2f}"
            )
        for name in ("ranker", "baseline"):
            timing = figures[f"{name}_ms"]
            self.stdout.write(
                f"{name} ms per pair: split {timing['split']['mean']} "
                f"(max {timing['split']['max']}), rank {timing['rank']['mean']} "
                f"(max {timing['rank']['max']})"
            )
        self.stdout.write(f"ranker misses@1: {' '.join(figures['ranker_misses@1']) or '-'}")
        self.stdout.write(f"baseline misses@1: {' '.join(figures['baseline_misses@1']) or '-'}")
