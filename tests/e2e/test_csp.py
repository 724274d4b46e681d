"""In a real browser, under the Content-Security-Policy the server sends: the demo users go
through the main pages (home, an introduction, its monitoring charts, the case form and its
coding check, the audit history, the reconciliation, the committee report, the API docs) and
the browser refuses nothing on any of them, while what the page's scripts do still happens
(htmx checks the coding as it is typed, the frontend's enhancements and our own run, the charts
are drawn)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from governance.models import Introduction
from governance.reconciliation.models import Reconciliation
from tests.e2e.conftest import sign_in_on, sign_out, wait_for_scripts

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "csp-demo"
APPROVED = "Non-rigid stabilisation for chronic low back pain"

# Each violation is reported on the page as a `securitypolicyviolation` event, which this turns
# into a console message the test collects (Chromium also logs its own "Refused to ...").
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`);
});
"""


@pytest.fixture
def refused(page):
    """Every message the browser gave about a policy refusing something, on any page so far."""
    messages: list[str] = []

    def keep(message) -> None:
        text = message.text
        if (
            "Content Security Policy" in text
            or "CSP violation" in text
            or "Permissions-Policy" in text
            or "Refused to" in text
        ):
            messages.append(f"{page.url}: {text}")

    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", keep)
    return messages


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", password=PASSWORD, stdout=None)
    return Introduction.objects.get(title=APPROVED)


def injected_code_runs(page) -> dict[str, bool]:
    """Whether a script or a style attribute put into the page (as an injection would) takes
    effect: under the policy, neither does."""
    return page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injectedScriptRan = true";
          document.body.append(script);
          const styled = document.createElement("p");
          styled.setAttribute("style", "color: rgb(1, 2, 3)");
          document.body.append(styled);
          return {
            script: window.injectedScriptRan === true,
            style: getComputedStyle(styled).color === "rgb(1, 2, 3)",
          };
        }"""
    )


def image_is_drawn(page, locator) -> bool:
    """The image has loaded and has a size: the browser fetched and drew it."""
    return locator.evaluate("(img) => img.complete && img.naturalWidth > 0")


def test_a_clinician_logs_a_case_with_its_coding_checked_and_nothing_is_refused(
    page, refused, demo
):
    sign_in_on(page, "clinician", PASSWORD)
    wait_for_scripts(page)
    assert "js-enabled" in page.evaluate("document.body.className")

    page.goto(f"/introductions/{demo.pk}/")
    expect(page.get_by_role("heading", name=APPROVED, level=1)).to_be_visible()
    page.goto(f"/introductions/{demo.pk}/cases/new/")
    expect(page.get_by_role("heading", name="Log a case", level=1)).to_be_visible()
    wait_for_scripts(page)
    page.evaluate("window.stillTheSamePage = true")

    # htmx checks the coding as it is typed; our script reads the verdict out.
    page.get_by_label("Percutaneous").check()
    page.get_by_label("Fluoroscopy").check()
    page.get_by_label("Spinal levels treated").fill("1")
    page.get_by_label("OPCS-4 codes").fill("V40.1 Z67.6")
    check = page.locator("#coding-check")
    expect(check.get_by_test_id("coding-verdict")).to_have_text("Not valid")
    expect(page.locator("#coding-status")).to_contain_text("Coding check: Not valid")

    # "Use the suggested coding" fills the box in place, and htmx checks it again.
    check.get_by_role("button", name="Use the suggested coding").click()
    expect(page.get_by_label("OPCS-4 codes")).to_have_value("V40.1 V55.1 Y53.4 Z67.6")
    expect(check.get_by_test_id("coding-verdict")).to_have_text("Valid")
    assert page.evaluate("window.stillTheSamePage") is True  # htmx, not a reload

    assert refused == []
    assert injected_code_runs(page) == {"script": False, "style": False}


def test_a_lead_reads_the_monitoring_audit_reconciliation_and_report_and_nothing_is_refused(
    page, refused, demo
):
    sign_in_on(page, "lead", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # The monitoring charts: images of their own SVG, drawn.
    page.goto(f"/introductions/{demo.pk}/monitoring/")
    expect(page.get_by_role("heading", name="Monitoring", level=1)).to_be_visible()
    for name in ("The CUSUM after each case", "The expected failures"):
        chart = page.get_by_role("img", name=name)
        expect(chart).to_be_visible()
        image = chart.locator("img")
        expect(image).to_be_visible()
        wait_for_scripts(page)
        assert image_is_drawn(page, image)
        assert image.bounding_box()["height"] > 200

    # The audit history: htmx swaps the filtered results in and focus moves to their heading.
    page.goto("/audit/")
    expect(page.get_by_role("heading", name="Audit history", level=1)).to_be_visible()
    wait_for_scripts(page)
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#changes-heading")).to_be_focused()
    assert page.evaluate("window.stillTheSamePage") is True

    # The reconciliation of coded episodes and its findings.
    page.goto("/reconciliations/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("oded episodes")
    reconciliation = Reconciliation.objects.filter(organisation=demo.organisation).first()
    page.goto(f"/reconciliations/{reconciliation.pk}/")
    expect(page.get_by_test_id("run-status")).to_have_text("Done")

    # The committee report: its charts drawn, its print button shown by our script.
    page.goto(f"/introductions/{demo.pk}/report/")
    expect(page.get_by_role("img", name="CUSUM chart")).to_be_visible()
    expect(page.get_by_role("img", name="VLAD chart")).to_be_visible()
    wait_for_scripts(page)
    assert image_is_drawn(page, page.get_by_role("img", name="CUSUM chart"))
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()

    # The API docs: Swagger UI starts from files of this server and lists the API.
    page.goto("/api/docs/")
    expect(page.get_by_text("New interventional procedures governance API")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()

    page.goto("/")
    sign_out(page)
    assert refused == []
    assert injected_code_runs(page) == {"script": False, "style": False}
