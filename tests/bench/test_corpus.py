"""The synthetic corpus: deterministic seed-grammar text; make_corpus imports and decides it.

The bench app is installed only with WORKBENCH_BENCH=true, so its command is called as an object.
"""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from bench.corpus import corpus_documents
from bench.management.commands.make_corpus import Command as MakeCorpus
from claims.formats.seed import parse_seed
from claims.models import Citation, Claim, Decision, Position, Verdict
from claims.services import document_import
from sources.models import Source
from tests.conftest import ensure_roles
from workbench.models import AuditEvent


def _corpus(**kwargs) -> list[tuple[str, str]]:
    return [(name, text) for name, text, _ in corpus_documents(**kwargs)]


def test_the_same_arguments_give_the_same_files_and_another_seed_other_text():
    first = _corpus(documents=3, claims=600, seed=7)
    assert first == _corpus(documents=3, claims=600, seed=7)
    other = _corpus(documents=3, claims=600, seed=8)
    assert [text for _, text in other] != [text for _, text in first]
    assert [name for name, _ in first] == [
        "corpus_7_0000.txt",
        "corpus_7_0001.txt",
        "corpus_7_0002.txt",
    ]


def test_it_shares_the_claims_out_between_the_documents():
    expected = [e.claims for _, _, e in corpus_documents(documents=3, claims=1000, seed=1)]
    assert expected == [334, 333, 333]


def test_each_file_imports_with_the_counts_the_grammar_expects(db):
    for name, text, expected in corpus_documents(documents=3, claims=3000, seed=1):
        parsed = parse_seed(text.encode(), name)
        assert len(parsed.claims) == expected.claims
        report = document_import(name=name, data=text.encode())
        document = report.document
        claims = Claim.objects.filter(document=document)
        citations = Citation.objects.filter(claim__document=document)
        assert report.added == claims.count() == expected.claims
        assert citations.count() == expected.citations
        assert citations.filter(position=Position.LEADING).count() == expected.leading
        assert claims.unsourced().count() == expected.unsourced
        assert claims.exclude(tags="").count() == expected.tagged
        assert Source.objects.filter(document=document).count() == expected.labels
        assert report.sources == expected.labels
    assert Claim.objects.count() == 3000


def test_its_text_covers_the_grammar():
    text = "\n".join(text for _, text in _corpus(documents=2, claims=4000, seed=1))
    lines = text.split("\n")
    assert any(re.match(r"^\[\d+\] ", line) for line in lines), "leading marker"
    assert any(re.match(r"^(\[\d+\]){2,} ", line) for line in lines), "leading run"
    assert any(re.match(r"^[\"”’]\[\d+\]", line) for line in lines), "stray quote before markers"
    assert any(re.search(r"[^\]\s](\[\d+\]){2,}$", line) for line in lines), "trailing run"
    assert re.search(r"\w\[\d+\] \w", text), "inline marker"
    assert any(re.fullmatch(r"(\[\d+\])+", line) for line in lines), "markers-only line"
    assert "" in lines[:-1], "blank line"
    assert "[citation needed]" in text.lower() or "[who?]" in text.lower(), "cleanup tag"
    assert re.search(r"\[[A-Z ?]+[A-Z?]\]", text), "an upper-case cleanup tag"
    dashed = re.findall(r"\[(?:dubious|disputed|DUBIOUS|DISPUTED) ?([-–—]) ?discuss\]", text, re.I)
    assert len(set(dashed)) >= 2, f"cleanup tags with several dashes, saw {set(dashed)}"
    assert "[a]" in text, "lettered note"
    assert "[ru]" in text or "[sic]" in text or "[uk]" in text, "text bracket"
    assert re.search(r"[А-Яа-яё]", text), "Cyrillic"
    assert re.search(r"[ÆŁÚüéï]", text), "Latin letters beyond ASCII"


def _decided_line(output: str) -> int:
    match = re.search(r"^(\d+) decisions recorded", output, re.M)
    assert match, output
    return int(match.group(1))


def test_make_corpus_imports_and_decides_through_the_services(db, tmp_path):
    ensure_roles()
    out = StringIO()
    call_command(
        MakeCorpus(),
        "--documents=2",
        "--claims=2000",
        "--seed=3",
        "--decide=0.5",
        f"--out={tmp_path}",
        stdout=out,
        stderr=StringIO(),
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus_3_0000.txt", "corpus_3_0001.txt"]
    assert Claim.objects.count() == 2000
    decided = _decided_line(out.getvalue())
    assert decided == Decision.objects.count()
    assert 800 < decided < 1200, decided
    assert AuditEvent.objects.filter(action="claim.decide").count() == decided

    verdicts = dict(
        Claim.objects.values_list("verdict").annotate(n=Count("id")).values_list("verdict", "n")
    )
    assert set(verdicts) == set(Verdict.values)
    assert verdicts[Verdict.UNREVIEWED] == 2000 - decided

    rows = Claim.objects.exclude(verdict=Verdict.UNREVIEWED).select_related("last_decision")
    for claim in rows:
        decision = claim.last_decision
        assert decision is not None and decision.claim_id == claim.pk
        assert decision.verdict_from == Verdict.UNREVIEWED
        assert decision.verdict_to == claim.verdict
        assert decision.claim_version == claim.version == 2
        assert decision.rationale.strip()
        assert decision.actor.username == "corpus-reviewer"
    assert not Claim.objects.filter(verdict=Verdict.UNREVIEWED, last_decision__isnull=False)
    assert not Claim.objects.filter(verdict=Verdict.UNREVIEWED).exclude(version=1)
    assert Decision.objects.values("claim").distinct().count() == decided

    audit = StringIO()
    call_command("verify_audit", stdout=audit)
    assert "audit chain intact" in audit.getvalue()


def test_running_make_corpus_again_without_decisions_changes_nothing(db, tmp_path):
    ensure_roles()
    args = ["--documents=2", "--claims=2000", "--seed=3", f"--out={tmp_path}"]
    call_command(MakeCorpus(), *args, "--decide=0.5", stdout=StringIO(), stderr=StringIO())
    before = list(Claim.objects.order_by("id").values_list("id", "verdict", "version"))
    decisions = Decision.objects.count()
    events = AuditEvent.objects.count()
    out = StringIO()
    call_command(MakeCorpus(), *args, "--decide=0", stdout=out, stderr=StringIO())
    assert "0 claims added, 1000 unchanged, 0 withdrawn" in out.getvalue()
    assert list(Claim.objects.order_by("id").values_list("id", "verdict", "version")) == before
    assert Decision.objects.count() == decisions
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "args",
    [
        ["--documents=3", "--claims=2"],
        ["--documents=0", "--claims=10"],
        ["--documents=1", "--claims=10", "--decide=2"],
        ["--documents=1", "--claims=10", "--decide=-0.1"],
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(db, tmp_path, args):
    with pytest.raises(CommandError):
        call_command(MakeCorpus(), *args, f"--out={tmp_path / 'out'}")
    assert not (tmp_path / "out").exists()
    assert not Claim.objects.exists()


def test_make_corpus_decides_only_the_claims_of_its_own_documents(seed, tmp_path):
    ensure_roles()
    call_command(
        MakeCorpus(),
        "--documents=1",
        "--claims=200",
        "--seed=3",
        "--decide=1",
        f"--out={tmp_path}",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert not Decision.objects.filter(claim__document=seed).exists()
    assert not Claim.objects.filter(document=seed).exclude(verdict=Verdict.UNREVIEWED).exists()
    assert Decision.objects.filter(claim__document__name="corpus_3_0000.txt").count() == 200
