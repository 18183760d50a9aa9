"""A deterministic synthetic corpus in the seed grammar, for scale tests and the benchmark.

`corpus_documents(documents=N, claims=M, seed=S)` yields (file name, text, expected) where
`expected` counts what the grammar must make of the text; the same arguments always give the
same bytes.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass

from claims.formats.seed import CLEANUP_TAGS

_WORDS = (
    "the of and to in a was that for on as with by at from his her their were which "
    "government officials reported said military regional mobilization decree court "
    "soldiers families agency ministry announced according independent media analysts "
    "council residents petition governor border training recruits units supplies front "
    "September October November December 2022 2023 2024 thousand hundred percent "
    "Москва Омск Хабаровск Якутск Ленинград «частичная» мобилизация военкомат "
    "Zürich Kraków São Paulo Ústí Łódź café naïve résumé Ænima "
    "—  – ‘quoted’ “cited” officials’ 30,000 1.5% €200 №7"
).split()
_PROPER = "Putin Peskov Shoigu Degtyarev Zhiltsova Gressel Danilov Vyatkin Prigozhin".split()
_TEXT_BRACKETS = ["[ru]", "[sic]", "[uk]", "[the mobilized men]", "[of new troops]"]


@dataclass
class Expected:
    claims: int = 0
    citations: int = 0
    leading: int = 0
    unsourced: int = 0
    tagged: int = 0
    labels: int = 0


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 38))]
    words.insert(rng.randrange(len(words)), rng.choice(_PROPER))
    if rng.random() < 0.03:
        words.insert(rng.randrange(1, len(words)), rng.choice(_TEXT_BRACKETS))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "?", "!"])


def _document(rng: random.Random, claims: int) -> tuple[str, Expected]:
    pool = max(5, claims // 3)  # footnote numbers; about one new source per three claims
    expected = Expected()
    labels: set[str] = set()
    lines: list[str] = []

    def markers(count: int) -> list[str]:
        chosen = [str(rng.randint(1, pool)) for _ in range(count)]
        labels.update(chosen)
        expected.citations += count
        return [f"[{label}]" for label in chosen]

    while expected.claims < claims:
        if rng.random() < 0.05:
            lines.append("")
        sentence = _sentence(rng)
        shape = rng.random()
        tags = ""
        if rng.random() < 0.03:
            dash = rng.choice(["–", "-", "—"])
            tag = rng.choice(CLEANUP_TAGS).replace("–", dash)
            tags = f"[{tag.upper() if rng.random() < 0.2 else tag}]"
            expected.tagged += 1
        note = "[a]" if rng.random() < 0.02 else ""
        if shape < 0.35:  # leading markers (a run now and then), maybe after a stray quote
            count = 8 if rng.random() < 0.01 else rng.choice([1, 1, 1, 2, 3])
            quote = rng.choice(['"', "”", "’"]) if rng.random() < 0.08 else ""
            line = f"{quote}{''.join(markers(count))} {sentence}{note}{tags}"
            expected.leading += count
        elif shape < 0.75:
            line = f"{sentence}{note}{''.join(markers(rng.choice([1, 1, 2])))}{tags}"
        elif shape < 0.85:  # inline: after a word in the middle
            words = sentence.split(" ")
            cut = rng.randrange(1, len(words) - 1)
            words[cut] += "".join(markers(1))
            line = " ".join(words) + note + tags
        else:
            line = sentence + note + tags
        lines.append(line)
        expected.claims += 1
        if shape >= 0.85:
            if rng.random() < 0.1:  # a markers-only line: its markers go to this claim
                lines.append("".join(markers(rng.choice([1, 2]))))
            else:
                expected.unsourced += 1
    expected.labels = len(labels)
    return "\n".join(lines) + "\n", expected


def corpus_documents(
    *, documents: int, claims: int, seed: int = 1
) -> Iterator[tuple[str, str, Expected]]:
    """Yield (file name, text, expected counts) for `documents` files holding `claims` in all."""
    rng = random.Random(seed)
    base, extra = divmod(claims, documents)
    for number in range(documents):
        size = base + (1 if number < extra else 0)
        text, expected = _document(rng, size)
        yield f"corpus_{seed}_{number:04d}.txt", text, expected


RATIONALES = {
    "corroborated": [
        "The cited report states this in its summary.",
        "Two independent outlets give the same figure and date.",
        "The source quotes the official statement verbatim.",
    ],
    "disputed": [
        "The sources give different figures; neither is authoritative.",
        "One source supports the date, the other says it was a week later.",
    ],
    "refuted": [
        "The source says the opposite: the decree was never signed.",
        "The cited article does not contain this and a later correction retracts it.",
    ],
}
# 60% corroborated, 25% disputed, 15% refuted.
VERDICT_MIX = ["corroborated"] * 12 + ["disputed"] * 5 + ["refuted"] * 3
_STANCE = {"corroborated": "supports", "disputed": "disputes", "refuted": "refutes"}


def corpus_decide(
    *,
    actor,
    fraction: float,
    documents: list[str] | None = None,
    seed: int = 1,
    batch: int = 5000,
    progress=None,
) -> int:
    """Decide `fraction` of the unreviewed live claims through claim_decide_many; return how many.

    Only the claims of the documents named in `documents` (all documents when None, which only
    the benchmark's scratch database may ask for). A realistic mix of verdicts, each with a
    rationale and the first source's matching stance.
    """
    from django.db.models import Count

    from claims.models import Claim, Verdict
    from claims.services import BulkDecision, claim_decide_many

    rng = random.Random(seed)
    pending = Claim.objects.live().filter(verdict=Verdict.UNREVIEWED, locked=False)
    if documents is not None:
        pending = pending.filter(document__name__in=documents)
    rows = list(
        pending.annotate(cited=Count("citations"))
        .order_by("id")
        .values_list("id", "version", "cited")
    )
    chosen = [row for row in rows if rng.random() < fraction]
    total = 0
    for start in range(0, len(chosen), batch):
        decisions = []
        for claim_id, version, cited in chosen[start : start + batch]:
            verdict = rng.choice(VERDICT_MIX)
            decisions.append(
                BulkDecision(
                    claim_id=claim_id,
                    version=version,
                    verdict=verdict,
                    rationale=rng.choice(RATIONALES[verdict]),
                    stances={0: _STANCE[verdict]} if cited else {},
                )
            )
        total += claim_decide_many(actor=actor, decisions=decisions)
        if progress:
            progress(total, len(chosen))
    return total
