"""Real-browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Every test waits on what the page shows, never on time: after a click that loads or swaps
content, a web-first `expect(...)` (which retries until it holds) confirms the new content
before anything is read from the page, the database or axe. `is_visible()`, `inner_text()`,
`count()` and `evaluate()` answer at once, from whatever page is there at that moment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# How long a web-first assertion waits for the page: generous, for a machine whose other
# cores are busy (Playwright's default is 5 s); a passing assertion returns as soon as it holds.
expect.set_options(timeout=15_000)
SIGN_IN_PAGE = re.compile(r"/sign-in/")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing: `make test` installs it with apt-get as root")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def submit_sign_in(page, username: str, password: str) -> None:
    """Fill in and send the sign-in form; the caller expects what comes next."""
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_on(page, username: str, password: str) -> None:
    """Sign in, and wait until the page after it shows the user signed in (a `goto` before
    then would cancel the form's request)."""
    submit_sign_in(page, username, password)
    expect(page).not_to_have_url(SIGN_IN_PAGE)
    expect(page.get_by_test_id("signed-in-user")).to_be_visible()


def sign_out(page) -> None:
    """Sign out, and wait for the sign-in page it leads to."""
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(SIGN_IN_PAGE)
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def wait_for_scripts(page) -> None:
    """Wait for the current page's load event, by which its scripts have run: htmx and the
    NHS.UK frontend enhance buttons, forms, radios and error summaries, and a click before then
    does the unenhanced thing. Call it once an `expect` has confirmed the page (on the page
    before, it would answer at once)."""
    page.wait_for_load_state("load")


@pytest.fixture
def sign_in(page):
    """`sign_in(username, password)`: signed in, on the page the sign-in leads to."""

    def _sign_in(username: str, password: str) -> None:
        sign_in_on(page, username, password)

    return _sign_in


def axe_run(page) -> list[dict]:
    """Runs axe-core (WCAG 2.x A and AA rules) on `page`'s current page and returns the
    violations. Call it once an `expect` has confirmed the page to check; it then waits for
    that page's scripts, so that axe sees the page as people do."""
    wait_for_scripts(page)
    # Evaluated, not added as a <script>: the pages' Content-Security-Policy refuses inline
    # scripts, and the browser's own evaluation is outside it.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]


@pytest.fixture
def axe_violations(page):
    """axe_run() on the test's page: `axe_violations()` returns the current page's violations."""
    return lambda: axe_run(page)


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, indent=2)
