"""axe-core over every page of the app and the states a reviewer meets (not the stock admin).

Each page is checked as a viewer, reviewer or editor sees it, in the states a day of review
passes through: errors, a conflict, a confirmation, an undo, open disclosures, the keys dialog,
empty queues, a phone's width. Any violation fails the test, listed by page and element.
"""

import pytest
from playwright.sync_api import expect

from claims.models import Claim
from claims.services import (
    claim_assign,
    claim_decide,
    claim_lock,
    claim_note_add,
    claim_publish,
    claim_skip,
    claim_withdraw,
)
from sources.models import Source
from tests.browser.conftest import axe_violations
from tests.conftest import member
from workbench.roles import ADMINS

pytestmark = pytest.mark.browser


def _users():
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


def _line(seed, n: int) -> Claim:
    return Claim.objects.get(document=seed, line=n)


@pytest.fixture
def day(demo):
    """A workbench some way into a day: decisions, a lock, a withdrawal, notes, a skip,
    assignments and a published review."""
    users = _users()
    reviewer, editor = users["reviewer"], users["editor"]
    decided = _line(demo, 4)
    claim_decide(claim=decided, actor=editor, verdict="refuted", version=1, rationale="Not 30,000.")
    claim_publish(claim=decided, actor=editor, version=2, reason="Checked twice.")
    claim_lock(claim=_line(demo, 3), actor=editor, reason="Legal is checking the wording.")
    claim_withdraw(
        claim=_line(demo, 11), actor=member("ada", ADMINS), reason="Duplicate of line 10."
    )
    claim_note_add(claim=decided, author=editor, text="@reviewer: the toll is Mediazona's.")
    claim_skip(claim=_line(demo, 12), actor=editor, reason="language")
    claim_assign(claim=_line(demo, 9), assignee=reviewer, actor=editor)
    return demo


def test_no_page_of_the_app_has_an_axe_violation(sign_in, browser, live_server, day, axe_source):
    base = live_server.url
    found: list[str] = []

    def check(page, label: str = "") -> None:
        found.extend(
            f"{label} {line}" if label else line for line in axe_violations(page, axe_source)
        )

    # Signed out: sign-in (and its error), the public reviews, a 404.
    anonymous = browser.new_context().new_page()
    for path in ("/accounts/login/", "/reviews/", f"/reviews/{_line(day, 4).pk}/", "/nope/"):
        anonymous.goto(base + path)
        check(anonymous)
    anonymous.goto(base + "/accounts/login/")
    anonymous.get_by_label("Username").fill("reviewer")
    anonymous.get_by_label("Password").fill("wrong")
    anonymous.get_by_role("button", name="Sign in").click()
    check(anonymous, "(refused sign-in)")

    reviewer = sign_in("reviewer")
    claim_27, decided = _line(day, 27), _line(day, 4)
    for path in (
        "/",
        "/claims/",
        "/claims/?verdict=unreviewed",
        "/claims/?sort=decided",
        "/claims/?verdict=maybe",
        f"/claims/{claim_27.pk}/",
        f"/claims/{decided.pk}/",
        f"/claims/{_line(day, 3).pk}/",
        f"/claims/{_line(day, 11).pk}/",
        f"/claims/{_line(day, 12).pk}/",
        "/review/next/",
        "/review/next/?work=attribution",
        "/review/next/?assigned=me",
        f"/review/next/?after={_line(day, 30).pk}",
        "/review/next/?document=no-such.txt",
        "/sources/",
        f"/sources/{Source.objects.filter(document=day).first().pk}/",
    ):
        reviewer.goto(base + path)
        check(reviewer)

    # Open disclosures: the list's filters and export options, claim 27's one-by-one
    # footnotes and a quote, the raw line, the evidence fields; the keys dialog.
    reviewer.goto(base + "/claims/?verdict=unreviewed")
    reviewer.locator("summary", has_text="Filters").click()
    reviewer.locator("summary", has_text="Export options").click()
    check(reviewer, "(filters and export options open)")
    reviewer.goto(f"{base}/claims/{claim_27.pk}/")
    for summary in ("Settle them one by one", "The raw line", "Evidence URL and quote"):
        reviewer.locator("summary", has_text=summary).click()
    reviewer.locator("summary", has_text="Quote, page").first.click()
    reviewer.keyboard.press("?")
    expect(reviewer.locator("#keys-help")).to_be_visible()
    check(reviewer, "(disclosures and keys dialog open)")
    reviewer.keyboard.press("Escape")

    # A refused decision, then the move's confirmation and the undo it offers.
    reviewer.keyboard.press("d")
    reviewer.keyboard.press("Control+Enter")
    expect(reviewer.locator("#error-summary")).to_be_focused()
    check(reviewer, "(refused decision)")
    six = _line(day, 6)
    reviewer.goto(f"{base}/claims/{six.pk}/")
    reviewer.locator("summary", has_text="Settle them one by one").click()
    reviewer.get_by_role("button", name="Move [31] to line 5…").click()
    check(reviewer, "(confirm a move)")
    reviewer.get_by_role("button", name="Move [31] to line 5").click()
    expect(reviewer.get_by_role("button", name="Undo the move of [31]")).to_be_visible()
    check(reviewer, "(undo offered)")

    # The queue with its skip controls open.
    reviewer.goto(base + "/review/next/")
    reviewer.locator("summary", has_text="Skip this claim").click()
    check(reviewer, "(queue, skip open)")

    # A conflict: someone decides while the page is open.
    seven = _line(day, 7)
    reviewer.goto(f"{base}/claims/{seven.pk}/")
    claim_decide(
        claim=seven, actor=_users()["editor"], verdict="refuted", version=1, rationale="No."
    )
    reviewer.get_by_label("Disputed").check()
    reviewer.get_by_label("Rationale").fill("Two accounts differ.")
    reviewer.get_by_role("button", name="Record decision").click()
    expect(reviewer.locator("#conflict")).to_be_visible()
    check(reviewer, "(conflict)")

    # A phone's width.
    phone = sign_in("reviewer", width=360, height=740)
    for path in ("/", "/claims/?verdict=unreviewed", f"/claims/{claim_27.pk}/", "/review/next/"):
        phone.goto(base + path)
        check(phone, "(360 px)")

    # A viewer's read-only pages, an editor's forms.
    viewer = sign_in("viewer")
    for path in ("/", f"/claims/{decided.pk}/", "/review/next/"):
        viewer.goto(base + path)
        check(viewer, "(viewer)")
    editor = sign_in("editor")
    for path in (
        f"/claims/{decided.pk}/",
        f"/claims/{_line(day, 3).pk}/",
        f"/sources/{Source.objects.filter(document=day).first().pk}/",
    ):
        editor.goto(base + path)
        check(editor, "(editor)")
    editor.goto(f"{base}/claims/?document={day.name}")
    editor.locator("summary", has_text="Assign every claim").click()
    check(editor, "(editor, assign a document)")

    assert found == [], "\n".join(found)
