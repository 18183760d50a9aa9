"""A day of keyboard review in Chromium: no typed word lost, the queue keeps its place.

Issue 15's points 1-7 and 11 as a reviewer meets them: an attribution action from the queue
returns to the same claim with the draft; move asks, then offers an undo; a refused decision
puts focus on the error summary; the suggestion follows 1-5; leaving typed work asks first;
the keys dialog is modal; claim 27 is compact; a phone's buttons do not touch.
"""

import re

import pytest
from playwright.sync_api import expect

from claims.models import Attribution, Claim
from claims.verdicts import suggest_verdict

pytestmark = pytest.mark.browser


def _line(seed, n: int) -> Claim:
    return Claim.objects.get(document=seed, line=n)


def test_an_attribution_action_in_the_queue_keeps_the_claim_and_the_typed_work(
    sign_in, live_server, demo
):
    nine = _line(demo, 9)  # "[62][63] According to Putin's televised address…"
    page = sign_in("reviewer")
    page.goto(f"{live_server.url}/review/next/?at={nine.pk}")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"Review queue: Claim {nine.pk}")
    first = page.locator("fieldset.citation").first
    first.get_by_label("Supports").check()
    page.get_by_label("Disputed").check()
    page.get_by_label("Rationale").fill("Only the address itself says so.")

    page.get_by_role("button", name="Confirm all 2 as printed").click()

    expect(page.locator(".messages")).to_contain_text("Footnotes [62][63] confirmed")
    expect(heading).to_have_text(f"Review queue: Claim {nine.pk}")  # not back at claim 1
    expect(page.locator(".position")).to_contain_text("Claim 9 of")
    expect(page.get_by_label("Rationale")).to_have_value("Only the address itself says so.")
    expect(page.locator("fieldset.citation").first.get_by_label("Supports")).to_be_checked()
    expect(page.get_by_label("Disputed")).to_be_checked()
    assert not nine.citations.filter(attribution=Attribution.AS_PRINTED).exists()


def test_a_move_asks_first_then_can_be_undone_and_the_draft_survives_both(
    sign_in, live_server, demo
):
    six = _line(demo, 6)
    citation = six.citations.get(source__label="31")
    page = sign_in("reviewer")
    page.goto(f"{live_server.url}/claims/{six.pk}/")
    page.get_by_label("Rationale").fill("Covert, by definition hard to source.")
    page.locator("summary", has_text="Settle them one by one").click()

    page.get_by_role("button", name="Move [31] to line 5…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Move footnote [31]?")
    citation.refresh_from_db()
    assert citation.claim_id == six.pk  # nothing moved yet
    page.get_by_role("button", name="Move [31] to line 5").click()
    expect(page.locator(".messages")).to_contain_text("Footnote [31] moved from claim")
    expect(page.get_by_label("Rationale")).to_have_value("Covert, by definition hard to source.")
    citation.refresh_from_db()
    assert citation.attribution == Attribution.MOVED

    page.get_by_role("button", name="Undo the move of [31]").click()

    expect(page.locator(".messages")).to_contain_text("Undone: footnote [31] is back")
    expect(page.get_by_label("Rationale")).to_have_value("Covert, by definition hard to source.")
    citation.refresh_from_db()
    assert (citation.claim_id, citation.attribution) == (six.pk, Attribution.AS_PRINTED)


def test_a_refused_decision_puts_focus_on_the_error_summary(sign_in, live_server, demo):
    page = sign_in("reviewer")
    page.goto(f"{live_server.url}/claims/{_line(demo, 27).pk}/")

    page.keyboard.press("d")
    page.keyboard.press("Control+Enter")

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("A rationale is required to mark a claim disputed.")
    assert summary.bounding_box()["y"] < 900  # in view, not 4,700 px down
    summary.get_by_role("link", name=re.compile("Rationale")).click()
    expect(page.get_by_label("Rationale")).to_be_focused()


def test_the_suggestion_and_the_rationale_hint_follow_the_keys(sign_in, live_server, demo):
    page = sign_in("reviewer")
    page.goto(f"{live_server.url}/claims/{_line(demo, 27).pk}/")
    reason, verdict = page.locator("#suggestion-reason"), page.locator("#suggestion-verdict")
    hint = page.locator("#rationale-hint")
    expect(reason).to_have_text("no source has been assessed as saying anything about it")

    page.keyboard.press("1")  # [174] supports
    expect(verdict).to_have_text(re.compile("Corroborated"))
    expect(reason).to_have_text("1 source not rated unreliable supports it and none refutes it")
    page.keyboard.press("1")  # [175] supports
    page.keyboard.press("3")  # [176] refutes
    expect(verdict).to_have_text(re.compile("Disputed"))
    stances = [("supports", "unrated")] * 2 + [("refutes", "unrated")] + [("", "unrated")] * 5
    expect(reason).to_have_text(suggest_verdict(stances).reason)  # what the server says
    page.keyboard.press("c")
    expect(hint).to_have_text(
        "Required: A rationale is required when the verdict differs from the suggestion (disputed)."
    )
    page.keyboard.press("d")
    expect(hint).to_have_text("Required: A rationale is required to mark a claim disputed.")
    page.keyboard.press("Shift+Tab")  # back to [176]…
    page.locator("fieldset.citation").nth(2).focus()
    page.keyboard.press("1")  # …which now supports: three support, none refutes
    expect(verdict).to_have_text(re.compile("Corroborated"))
    page.keyboard.press("c")
    expect(hint).to_have_text("Optional: agreeing with the suggestion needs no rationale.")


def test_leaving_typed_work_with_j_asks_first(sign_in, live_server, demo):
    page = sign_in("reviewer")
    page.goto(f"{live_server.url}/review/next/")
    heading = page.get_by_role("heading", level=1)
    first = heading.inner_text()
    page.keyboard.press("/")
    page.keyboard.type("Half a thought")
    page.keyboard.press("Escape")
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.keyboard.press("j")
    page.wait_for_timeout(300)

    assert asked and "not saved" in asked[0]
    expect(heading).to_have_text(first)
    expect(page.get_by_label("Rationale")).to_have_value("Half a thought")
    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("j")
    expect(heading).not_to_have_text(first)


def test_the_keys_dialog_is_modal_and_gives_focus_back(sign_in, live_server, demo):
    page = sign_in("reviewer")
    page.goto(f"{live_server.url}/claims/{_line(demo, 6).pk}/")
    keys = page.get_by_role("button", name="Keys")
    keys.focus()

    page.keyboard.press("?")

    dialog = page.get_by_role("dialog", name="Keyboard")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    for _ in range(4):
        page.keyboard.press("Tab")
        assert page.evaluate(
            "document.getElementById('keys-help').contains(document.activeElement)"
        )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(keys).to_be_focused()


def test_claim_27_is_short_and_its_verdict_a_few_tabs_away(sign_in, live_server, demo):
    page = sign_in("reviewer", width=1366)
    page.goto(f"{live_server.url}/claims/{_line(demo, 27).pk}/")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3000, height  # was 5,364 px

    tabs = 0
    while page.evaluate("document.activeElement.name") != "verdict":
        page.keyboard.press("Tab")
        tabs += 1
        assert tabs < 30, "the verdict is not reachable early"
    assert tabs <= 20, tabs  # was 78
    assert page.get_by_role("button", name="Confirm all 8 as printed").count() == 1


def test_on_a_phone_buttons_keep_apart_and_a_filtered_list_starts_with_results(
    sign_in, live_server, demo
):
    page = sign_in("reviewer", width=360, height=740)
    page.goto(f"{live_server.url}/claims/{_line(demo, 6).pk}/")
    page.locator("summary", has_text="Settle them one by one").click()
    buttons = page.locator(".attr-rows button")
    boxes = [buttons.nth(i).bounding_box() for i in range(buttons.count())]
    assert len(boxes) == 6
    for upper, lower in zip(boxes, boxes[1:], strict=False):
        if lower["y"] > upper["y"]:  # stacked: a gap between them
            assert lower["y"] - (upper["y"] + upper["height"]) >= 4, (upper, lower)

    page.goto(f"{live_server.url}/claims/?verdict=unreviewed")
    first_row = page.locator("table.claims tbody tr").first
    assert first_row.bounding_box()["y"] < 900  # was 1,200 px of filters first
    expect(page.locator("details.filters")).not_to_have_attribute("open", "")
