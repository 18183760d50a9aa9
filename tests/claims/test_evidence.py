"""claims.evidence: passages, ranking, highlighting, quote look-up, and the evaluation set."""

import json
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from claims import evidence
from claims.evidence import (
    MAX_CHARS,
    baseline_rank,
    contains_gold,
    evaluate,
    highlight,
    load_pairs,
    passages,
    quote_match,
    rank,
    tokens,
)

EVIDENCE_SET = Path(__file__).resolve().parent.parent / "data" / "evidence"

REPORT = (
    "The ministry said the call-up went smoothly. "
    "Officials in Omsk reported long queues at the enlistment office. "
    "By the end of the week 30,000 reservists had been sent to training camps. "
    "Human rights groups disputed the official account. "
    "On 19 February 2022 the decree was signed by the regional governor. "
    "Peskov later said the numbers were classified."
)


# --- passages ------------------------------------------------------------------------------


def test_passages_are_slices_of_the_text_centred_on_each_sentence():
    found = passages(REPORT)
    assert len(found) == 6
    for passage in found:
        assert REPORT[passage.start : passage.end] == passage.text
        assert passage.start <= passage.centre_start < passage.centre_end <= passage.end
        assert passage.page is None
    assert [p.centre for p in found][2] == (
        "By the end of the week 30,000 reservists had been sent to training camps."
    )


def test_a_passage_holds_its_neighbours_when_they_fit():
    third = passages(REPORT)[2]
    assert third.text.startswith("Officials in Omsk")
    assert third.text.endswith("disputed the official account.")
    first = passages(REPORT)[0]
    assert first.start == first.centre_start  # nothing before the first sentence
    assert first.text.endswith("at the enlistment office.")


def test_a_neighbour_that_would_pass_the_limit_is_left_out():
    long_sentence = "The committee " + "met again and " * 25 + "adjourned."
    before, after = "It rained heavily all night over the town.", "By morning the rain had stopped."
    text = f"{before} {long_sentence} {after}"
    assert len(long_sentence) + len(after) + 1 > MAX_CHARS >= len(long_sentence)
    middle = passages(text)[1]
    assert middle.centre == long_sentence
    assert middle.text == long_sentence
    # The short sentences still take the neighbour that fits: none here, the middle is too long.
    assert passages(text)[0].text == before


def test_no_passage_is_longer_than_the_limit_even_from_a_run_on_sentence():
    run_on = "word " * 300 + "end."
    found = passages(run_on)
    assert len(found) > 3
    assert all(len(p.text) <= MAX_CHARS for p in found)
    assert "".join(run_on.split()) == "".join("".join(p.centre.split()) for p in found)


def test_single_sentence_passages_for_the_baseline():
    found = passages(REPORT, neighbours=False)
    assert [p.text for p in found] == [p.centre for p in found]


def test_passages_carry_the_pdf_page_of_their_sentence():
    page_two = REPORT.index("Human rights")
    pages = [(0, 1), (page_two, 2)]
    found = passages(REPORT, pages=pages)
    assert [p.page for p in found] == [1, 1, 1, 2, 2, 2]


# --- tokens --------------------------------------------------------------------------------


def keys(text):
    return [token.key for token in tokens(text)]


def test_numbers_are_one_key_however_written():
    assert keys("30,000") == keys("30000") == keys("thirty thousand") == keys("30 000")
    assert keys("one million") == keys("1,000,000") == keys("1 million")
    assert keys("2 mln") == keys("two million")
    assert "#1" not in keys("one of the leaders")  # a lone "one" is rarely a count


def test_a_day_next_to_a_month_is_a_date_in_either_order():
    assert "@02-19" in keys("on 19 February 2022")
    assert "@02-19" in keys("Feb. 19, 2022")
    assert "@09-21" in keys("on 21st September")
    assert {"@09-21", "#2022"} <= set(keys("September 21 2022"))  # not "21 202" and "2"
    assert "@09-21" not in keys("in September, 21 men")  # a comma between: not a date
    assert keys("you may go") == keys("you go")  # "may" is a month only as "May"


def test_british_and_american_spellings_and_word_forms_meet():
    assert keys("mobilisation") == keys("mobilization")
    assert keys("mobilised") == keys("mobilized")
    assert keys("Kóbzev") == keys("Kobzev")


# --- ranking -------------------------------------------------------------------------------


def test_the_sentence_with_the_claims_number_ranks_first():
    ranked = rank("About 30,000 reservists were sent for training.", passages(REPORT))
    assert ranked[0].passage.centre.startswith("By the end of the week 30,000")


def test_the_sentence_with_the_claims_date_ranks_first_whatever_its_format():
    ranked = rank("The governor signed it on Feb. 19, 2022.", passages(REPORT))
    assert ranked[0].passage.centre.startswith("On 19 February 2022")


def test_a_number_written_in_words_finds_the_digits():
    text = (
        "Officials counted the volunteers twice. "
        "Thirty thousand volunteers registered in the first week. "
        "Many volunteers were turned away."
    )
    ranked = rank("30,000 volunteers registered.", passages(text, neighbours=False))
    assert ranked[0].passage.centre.startswith("Thirty thousand")


def test_a_refuted_number_still_finds_the_sentence_that_refutes_it():
    text = (
        "The officer spoke to the recruits about the war. "
        "Investigators said the suspect was 25 years old. "
        "The suspect had walked into the office with a friend."
    )
    ranked = rank("Investigators said the suspect was 35.", passages(text, neighbours=False))
    assert ranked[0].passage.centre == "Investigators said the suspect was 25 years old."


def test_a_name_spelled_another_way_still_matches():
    text = (
        "The commissar addressed the hall. "
        "Alexander Eliseyev is in intensive care, the governor wrote. "
        "The hall emptied within seconds."
    )
    ranked = rank("Eliseev was in a serious condition.", passages(text, neighbours=False))
    assert ranked[0].passage.centre.startswith("Alexander Eliseyev")
    assert "Eliseyev" in ranked[0].terms


def test_weighting_beats_plain_bm25_when_topic_words_outnumber_the_fact():
    text = (
        "Mobilized men from the region were sent to the front, officials said. "
        "By Friday 4,121 had been called up. "
        "The region's officials said the men were sent without training."
    )
    claim = "Officials said 4,121 mobilized men were sent from the region."
    ours = rank(claim, passages(text, neighbours=False))
    plain = baseline_rank(claim, passages(text, neighbours=False))
    assert ours[0].passage.centre == "By Friday 4,121 had been called up."
    assert plain[-1].passage.centre == "By Friday 4,121 had been called up."


def test_rank_returns_k_different_places_and_leaves_out_what_matches_nothing():
    ranked = rank("reservists classified numbers governor", passages(REPORT), k=3)
    assert 1 <= len(ranked) <= 3
    centres = [r.passage.centre_start for r in ranked]
    for index, r in enumerate(ranked):
        for other in ranked[:index]:
            assert not (other.passage.start <= r.passage.centre_start < other.passage.end)
    assert len(set(centres)) == len(centres)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    assert rank("zebra", passages(REPORT)) == []
    assert rank("anything", []) == []


def test_matched_spans_point_at_the_matched_words():
    ranked = rank("Peskov said the numbers were classified.", passages(REPORT))
    best = ranked[0]
    words = [best.passage.text[start:end] for start, end in best.spans]
    assert "Peskov" in words and "classified" in words
    assert set(best.terms) == set(words)


# --- highlight -----------------------------------------------------------------------------


def test_highlight_marks_the_matched_words_and_keeps_the_text():
    text = "Peskov said 30,000 men were mobilised on 19 February."
    segments = highlight(text, ["mobilization", "30000", "Peskov", "February"])
    assert "".join(part for part, _ in segments) == text
    assert [part for part, matched in segments if matched] == [
        "Peskov",
        "30,000",
        "mobilised",
        "February",
    ]
    flags = [matched for _, matched in segments]
    assert all(a != b for a, b in zip(flags, flags[1:], strict=False))


def test_highlight_without_terms_is_one_plain_segment():
    assert highlight("Nothing to see.", []) == [("Nothing to see.", False)]
    assert highlight("", ["x"]) == []


# --- quote_match ---------------------------------------------------------------------------

SNAPSHOT = (
    "Kremlin spokesman Dmitry Peskov told reporters that the hidden article included the "
    "number of citizens.\n\n“They changed the number several times, and finally stopped at "
    "one million,” our source said — a figure the Kremlin denied."
)


def test_a_quote_with_straight_quotes_dashes_and_other_spacing_is_found():
    quote = '"they changed the number  several\ntimes, and finally stopped at one million," our source said - a figure'
    match = quote_match(quote, SNAPSHOT)
    assert match.status == "found" and match.score == 100
    start, end = match.span
    assert SNAPSHOT[start:end].startswith("“They changed")
    assert SNAPSHOT[start:end].endswith("— a figure")


def test_a_quote_with_a_typo_is_a_close_match_with_its_span():
    match = quote_match("They changed the numbr several times and finaly stopped", SNAPSHOT)
    assert match.status == "close"
    assert evidence.CLOSE_THRESHOLD <= match.score < 100
    start, end = match.span
    assert "changed the number several times" in SNAPSHOT[start:end]


def test_a_quote_that_is_not_there_is_not_found():
    match = quote_match("Shoigu announced that three hundred thousand men", SNAPSHOT)
    assert match.status == "not_found" and match.span is None
    assert quote_match("", SNAPSHOT).status == "not_found"
    assert quote_match("a much longer quote than the text itself", "short").status == "not_found"


def test_a_found_quote_knows_its_pdf_page():
    second_page = SNAPSHOT.index("“They")
    pages = [(0, 7), (second_page, 8)]
    assert quote_match("hidden article included", SNAPSHOT, pages=pages).page == 7
    assert quote_match("finally stopped at one million", SNAPSHOT, pages=pages).page == 8
    assert quote_match("finally stopped at one milion", SNAPSHOT, pages=pages).page == 8
    assert quote_match("hidden article included", SNAPSHOT).page is None


# --- the evaluation set --------------------------------------------------------------------


def test_every_gold_sentence_is_in_its_source_once():
    pairs = load_pairs(EVIDENCE_SET)
    assert len(pairs) >= 50
    for pair in pairs:
        assert pair.text.count(pair.gold) == 1, pair.id
        assert pair.kind in {"near_verbatim", "paraphrase", "numeric", "refuted"}
    kinds = [pair.kind for pair in pairs]
    assert kinds.count("paraphrase") >= 15 and kinds.count("refuted") >= 10


def test_contains_gold_needs_half_the_gold_sentence():
    text = "First sentence here. The gold sentence is this one. Last."
    gold = "The gold sentence is this one."
    (whole,) = [p for p in passages(text, neighbours=False) if p.centre == gold]
    assert contains_gold(whole, text, gold)
    start = text.index(gold)
    half = evidence.Passage(text[start : start + 10], start, start + 10, start, start + 10)
    assert not contains_gold(half, text, gold)
    with pytest.raises(ValueError):
        contains_gold(whole, text, "not in the text")


def test_the_ranker_meets_its_targets_on_the_evaluation_set_and_beats_the_baseline():
    pairs = load_pairs(EVIDENCE_SET)
    began = time.perf_counter()
    ours = evaluate(pairs)
    plain = evaluate(pairs, baseline=True)
    assert time.perf_counter() - began < 10
    assert ours.recall(1) >= 0.8
    assert ours.recall(3) >= 0.9
    assert ours.recall(1) > plain.recall(1)
    assert ours.recall(3) > plain.recall(3)
    assert ours.recall(1, split="fresh") >= 0.8  # the pairs made after the ranker was frozen


def test_the_pooled_stress_test_still_favours_the_ranker():
    pairs = evidence.pooled(load_pairs(EVIDENCE_SET))
    assert len({pair.text for pair in pairs}) == 1
    ours, plain = evaluate(pairs, cold=False), evaluate(pairs, baseline=True, cold=False)
    assert ours.recall(1) > plain.recall(1)
    assert ours.recall(3) > plain.recall(3)


def test_evaluate_passages_command_prints_the_figures_as_json():
    out = StringIO()
    call_command("evaluate_passages", "--set", str(EVIDENCE_SET), "--json", stdout=out)
    figures = json.loads(out.getvalue())
    rows = {row["group"]: row for row in figures["rows"]}
    assert figures["pairs"] == len(load_pairs(EVIDENCE_SET))
    assert rows["all"]["ranker@1"] >= 0.8 and rows["all"]["ranker@3"] >= 0.9
    assert {"near_verbatim", "paraphrase", "numeric", "refuted", "split fresh"} <= set(rows)
    assert figures["ranker_ms"]["rank"]["mean"] > 0


def test_evaluate_passages_command_prints_a_table():
    out = StringIO()
    call_command("evaluate_passages", stdout=out)
    text = out.getvalue()
    assert "recall@1" in text and "baseline" in text
    assert text.splitlines()[3].split()[0] == "all"
