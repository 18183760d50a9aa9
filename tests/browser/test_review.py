"""A reviewer's day in Chromium: sign in, filter, review from the keyboard, meet a conflict."""

import re

import pytest
from playwright.sync_api import expect

from claims.models import Claim, Verdict

pytestmark = pytest.mark.browser


def _line(seed, line: int) -> Claim:
    return Claim.objects.get(document=seed, line=line)


def test_a_reviewer_filters_the_claims_to_line_27s_source_and_opens_it(sign_in, live_server, demo):
    page = sign_in("reviewer")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.get_by_role("link", name="Claims", exact=True).click()
    page.locator("summary", has_text="Filters").click()
    page.get_by_label("Cites footnote").fill("174")
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("table.claims tbody tr")
    expect(rows).to_have_count(1)
    expect(page.locator(".counts")).to_contain_text("1 claim")
    rows.first.get_by_role("link", name=re.compile("On 26 September")).click()
    claim = _line(demo, 27)
    expect(page).to_have_url(f"{live_server.url}/claims/{claim.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Claim {claim.pk}")
    expect(page.locator(".claim-text")).to_contain_text("Ust-Ilimsk")
    expect(page.locator("fieldset.citation")).to_have_count(8)


def test_a_reviewer_reviews_a_claim_with_the_keyboard_alone(sign_in, live_server, demo):
    page = sign_in("reviewer")
    page.goto(f"{live_server.url}/review/next/")
    expect(page.locator(".claim-text")).to_contain_text("Kremlin spokesman")  # line 1
    page.keyboard.press("?")
    expect(page.locator("#keys-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#keys-help")).to_be_hidden()
    page.keyboard.press("j")  # skip to line 2, which cites [19]
    expect(page.locator(".claim-text")).to_contain_text("On 19 February 2022")
    page.keyboard.press("1")  # [19] supports
    page.keyboard.press("c")  # corroborated
    page.keyboard.press("/")
    page.keyboard.type("The decree is on the DNR's own site.")
    page.keyboard.press("Control+Enter")

    two = _line(demo, 2)
    expect(page.locator(".messages")).to_contain_text(f"Claim {two.pk} marked corroborated.")
    expect(page.locator(".claim-text")).to_contain_text("Recruits without training")  # line 3
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review queue")
    two.refresh_from_db()
    assert two.verdict == Verdict.CORROBORATED
    assert two.last_decision.rationale == "The decree is on the DNR's own site."
    assert two.citations.get().assessment.stance == "supports"

    # Back: line 1, still undecided. Line 2, decided, awaits only its attribution check: it is
    # attribution work now, not the head of everyone's review queue.
    page.keyboard.press("k")
    expect(page.locator(".claim-text")).to_contain_text("Kremlin spokesman")
    page.goto(f"{live_server.url}/review/next/?work=attribution")
    expect(page.locator(".claim-text")).to_contain_text("On 19 February 2022")
    expect(page.get_by_role("heading", name="Attribution check")).to_be_visible()


def test_the_second_of_two_reviewers_sees_the_conflict_and_keeps_the_rationale(
    sign_in, live_server, demo
):
    claim = _line(demo, 4)
    first, second = sign_in("reviewer"), sign_in("editor")
    for page in (first, second):
        page.goto(f"{live_server.url}/claims/{claim.pk}/")

    first.get_by_label("Refuted").check()
    first.get_by_label("Rationale").fill("The toll was never confirmed.")
    first.get_by_role("button", name="Record decision").click()
    expect(first.locator(".messages")).to_contain_text(f"Claim {claim.pk} marked refuted.")

    second.get_by_label("Disputed").check()
    second.get_by_label("Rationale").fill("Mediazona's count differs.")
    second.get_by_role("button", name="Record decision").click()
    conflict = second.get_by_role("alert").filter(has_text="Someone else changed this claim")
    expect(conflict).to_contain_text("reviewer marked this claim refuted")
    expect(second.get_by_label("Rationale")).to_have_value("Mediazona's count differs.")
    expect(second.get_by_label("Disputed")).to_be_checked()
    claim.refresh_from_db()
    assert claim.verdict == Verdict.REFUTED

    second.get_by_role("button", name="Record decision").click()
    expect(second.locator(".messages")).to_contain_text(f"Claim {claim.pk} marked disputed.")
    claim.refresh_from_db()
    assert claim.verdict == Verdict.DISPUTED
    assert claim.last_decision.rationale == "Mediazona's count differs."


def test_a_viewer_sees_no_review_form(sign_in, live_server, demo):
    page = sign_in("viewer")
    expect(page.get_by_text("Read only.")).to_be_visible()
    claim = _line(demo, 6)
    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    expect(page.get_by_role("heading", name="Citations", exact=True)).to_be_visible()
    expect(page.locator("#review-form")).to_have_count(0)
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)

    # What the page does not offer, the server refuses: the viewer's own session posting a
    # decision (with a valid CSRF token) gets 403 and the claim stays as it was.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{live_server.url}/claims/{claim.pk}/decide/",
        form={"verdict": "corroborated", "version": str(claim.version), "rationale": "x"},
        headers={"X-CSRFToken": token, "Referer": page.url},
    )
    assert response.status == 403
    assert "Your role does not allow this action" in response.text()  # not a CSRF refusal
    claim.refresh_from_db()
    assert (claim.verdict, claim.decisions.count()) == (Verdict.UNREVIEWED, 0)
