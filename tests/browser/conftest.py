"""Browser tests: Debian's chromium, driven by Playwright's sync API, against a live server."""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import ensure_roles

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "demo-pass-1"


@pytest.fixture(scope="package")
def _database_access_beside_playwright():
    """Let these tests use the database while Playwright's event loop runs in their thread.

    Playwright's sync API keeps an event loop running in the test thread; Django refuses
    database access from such a thread unless DJANGO_ALLOW_ASYNC_UNSAFE is set. Only here:
    every other test keeps Django's guard (tests/test_async_guard.py checks it).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


# Package scope: chromium and Playwright's loop end with the browser tests, before the others.
@pytest.fixture(scope="package")
def browser(_database_access_beside_playwright):
    """Launch headless chromium once; skip (or fail under CI=true) where it is missing."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing and CI=true: install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def demo(seed):
    """The seed and the demo users (viewer, reviewer, editor, admin), as `manage.py demo`."""
    # The live server's flush between tests empties the role groups the migrations made.
    ensure_roles()
    call_command("create_demo_users", password=PASSWORD, force=True, stdout=StringIO())
    return seed


@pytest.fixture
def sign_in(browser, live_server, demo):
    """Return a function opening a new browser context signed in as a demo user (at a viewport
    width: 1366 is the desktop the issue was walked at, 360 the phone)."""
    contexts = []

    def open_as(username: str, width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


#: axe-core, installed from npm by .ci/run (npm ci --prefix .ci/node); never vendored.
AXE = Path(__file__).resolve().parents[2] / ".ci" / "node" / "node_modules" / "axe-core" / "axe.js"


@pytest.fixture(scope="package")
def axe_source() -> str:
    """Return axe-core's script; skip where it is not installed (fail under CI=true)."""
    if not AXE.exists():
        install = "npm ci --prefix .ci/node"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{AXE} is missing and CI=true: run `{install}` (.ci/run does)")
        pytest.skip(f"{AXE} is missing: run `{install}` to run the accessibility checks")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, source: str) -> list[str]:
    """Run axe-core over `page` as it is now; return one line per violation and element.

    The script is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern: the page itself stays as strict as in production.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    found = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ["violations"]});
            return result.violations.flatMap(v => v.nodes.map(n =>
                `${v.id} (${v.impact}): ${v.help} at ${n.target.join(" ")}`));
        }"""
    )
    return [f"{page.url}: {line}" for line in found]
