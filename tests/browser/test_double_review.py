"""Double review in Chromium: the second reviewer cannot see the first review anywhere, until
their own is in; then an admin adjudicates between the two, side by side."""

import re

import pytest
from playwright.sync_api import expect

from claims.models import Claim, Review, Verdict

pytestmark = pytest.mark.browser

SECRET = "Quokka: the decree was never published"  # the first reviewer's rationale
QUOTE = "Wombat passage"  # what the first reviewer quoted of source [3]


@pytest.fixture
def double(settings, demo):
    """The demo in double-review mode (the live server shares this process's settings)."""
    settings.WORKBENCH_DOUBLE_REVIEW = True
    return demo


def test_a_first_review_stays_blind_until_the_second_is_in_then_an_admin_adjudicates(
    sign_in, live_server, double
):
    claim = Claim.objects.get(document=double, line=8)  # cites one source, [3]
    url = f"{live_server.url}/claims/{claim.pk}/"
    first, second = sign_in("reviewer"), sign_in("editor")

    # The first reviewer refutes the claim, quoting the source.
    first.goto(url)
    first.get_by_role("radio", name="Refutes").check()
    first.get_by_text("Quote, page and the source's best passages").click()
    first.get_by_label("Quote from [3]").fill(QUOTE)
    first.get_by_label("Refuted").check()
    first.get_by_label("Rationale").fill(SECRET)
    first.get_by_role("button", name="Record decision").click()
    expect(first.locator(".messages")).to_contain_text("your blind review is in (1 of 2)")
    first.goto(url)
    expect(first.locator(".review-status")).to_contain_text(SECRET)  # their own, to them
    expect(first.locator("#review-form")).to_have_count(0)

    # The second reviewer sees that one review is in, and nothing of what it says: not on the
    # claim page, the list, the queue, the ClaimReview JSON, nor in either export.
    second.goto(url)
    expect(second.locator("[data-review-count]")).to_have_text("1 of 2 reviews")
    expect(second.locator(".claim-head .badge")).to_have_text(re.compile("Unreviewed"))
    expect(second.locator("#review-form")).to_be_visible()
    expect(second.get_by_text("recorded a blind review")).to_be_visible()
    for path in (
        f"/claims/{claim.pk}/",
        f"/claims/?document={double.name}",
        f"/review/next/?after={Claim.objects.get(document=double, line=7).pk}",
        "/",
    ):
        second.goto(live_server.url + path)
        body = second.locator("body").inner_text()
        assert SECRET not in body and QUOTE not in body, path
        assert "Refutes" not in second.content().split('id="review-form"')[0], path
    for path in (
        f"/claims/{claim.pk}/claimreview.json",
        "/claims/export.csv?all=1",
        "/claims/export-citations.csv?all=1",
        "/decisions/export.csv",
    ):
        response = second.request.get(live_server.url + path)
        assert SECRET not in response.text() and QUOTE not in response.text(), path
    assert second.request.get(f"{url}claimreview.json").status == 404

    # Their own review, made blind, disagrees: both now see both reviews side by side.
    second.goto(url)
    second.get_by_role("radio", name="Supports").check()
    second.get_by_label("Corroborated").check()
    second.get_by_label("Rationale").fill("The newspaper quotes the decree.")
    second.get_by_role("button", name="Record decision").click()
    expect(second.locator(".messages")).to_contain_text("disagree; an editor adjudicates")
    second.goto(url)
    status = second.locator(".review-status")
    expect(status.locator("[data-review-count]")).to_have_text("2 of 2 reviews")
    expect(status).to_contain_text(SECRET)
    expect(status).to_contain_text(QUOTE)

    # An admin (who wrote neither review) adjudicates from the queue.
    admin = sign_in("admin")
    admin.goto(f"{live_server.url}/review/adjudication/")
    admin.get_by_role("link", name="Adjudicate").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"Adjudicate claim {claim.pk}")
    sides = admin.locator("article.review")
    expect(sides).to_have_count(2)
    expect(sides.nth(0)).to_contain_text("reviewer")
    expect(sides.nth(0)).to_contain_text(SECRET)
    expect(sides.nth(1)).to_contain_text("editor")
    expect(admin.locator("table.footnotes-side")).to_contain_text("differ")
    admin.get_by_label("Disputed").check()
    admin.get_by_label("Rationale").fill("The decree's text is contested.")
    admin.get_by_role("button", name="Record adjudication").click()
    expect(admin.locator(".messages")).to_contain_text(f"Claim {claim.pk} adjudicated: disputed.")
    expect(admin.get_by_text("No disagreement waits for an editor")).to_be_visible()

    claim.refresh_from_db()
    decision = claim.last_decision
    assert (claim.verdict, decision.kind, decision.actor.username) == (
        Verdict.DISPUTED,
        "adjudication",
        "admin",
    )
    assert [decision.first_review, decision.second_review] == list(Review.objects.order_by("id"))
    first.goto(url)
    expect(first.locator(".review-status")).to_contain_text(
        "Adjudicated by admin between two blind reviews"
    )
