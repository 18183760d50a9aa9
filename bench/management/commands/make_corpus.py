"""manage.py make_corpus: write a deterministic synthetic corpus, import it, optionally review it."""

import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from bench.corpus import corpus_decide, corpus_documents
from claims.services import document_import
from workbench.roles import REVIEWERS


class Command(BaseCommand):
    help = "Write N seed-grammar documents holding M claims in all, import them, and review some."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--documents", type=int, required=True)
        parser.add_argument("--claims", type=int, required=True, help="claims in all documents")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same files")
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "corpus"))
        parser.add_argument(
            "--decide",
            type=float,
            default=0.0,
            help="fraction of claims to decide through the services (0 to 1)",
        )
        parser.add_argument("--no-import", action="store_true", help="only write the files")

    def handle(
        self,
        *args,
        documents: int,
        claims: int,
        seed: int,
        out: str,
        decide: float,
        no_import: bool,
        **options,
    ) -> None:
        if documents < 1 or claims < documents:
            raise CommandError("need --documents >= 1 and --claims >= --documents")
        if not 0 <= decide <= 1:
            raise CommandError("--decide is a fraction between 0 and 1")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        written = []
        for name, text, expected in corpus_documents(documents=documents, claims=claims, seed=seed):
            path = folder / name
            path.write_text(text, encoding="utf-8")
            written.append(name)
            if no_import:
                continue
            report = document_import(name=name, data=path.read_bytes())
            self.stdout.write(report.summary())
            if report.added and report.added != expected.claims:
                raise CommandError(f"{name}: expected {expected.claims} claims, got {report.added}")
        self.stdout.write(f"corpus written to {folder} in {time.perf_counter() - started:.1f}s")
        if decide and not no_import:
            count = corpus_decide(
                actor=self._reviewer(),
                fraction=decide,
                documents=written,  # never the claims of other documents
                seed=seed,
                progress=lambda done, total: self.stderr.write(f"decisions: {done:,}/{total:,}"),
            )
            self.stdout.write(f"{count} decisions recorded in {time.perf_counter() - started:.1f}s")

    def _reviewer(self):
        reviewer, _ = get_user_model().objects.get_or_create(username="corpus-reviewer")
        reviewer.groups.add(Group.objects.get(name=REVIEWERS))
        return get_user_model().objects.get(pk=reviewer.pk)  # a fresh permission cache
