"""A clinician checks a coded sequence on the "Check coding" page and uses the suggestion."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from governance import roles
from tests.e2e.conftest import describe, sign_in_on
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clinician(transactional_db):
    # A transactional test starts from whatever an earlier one's flush left: put back what the
    # data migrations give (the role, the catalogue and the IPG366 rule set).
    Group.objects.get_or_create(name=roles.CLINICIAN)
    seed = importlib.import_module("coding.migrations.0003_seed_catalogue_and_ipg366")
    seed.seed(apps, None)
    return UserFactory(
        username="coder", first_name="Clare", last_name="Morgan", roles=[roles.CLINICIAN]
    )


def test_a_clinician_checks_a_sequence_and_uses_the_suggested_coding(
    page, sign_in, axe_violations, clinician
):
    sign_in("coder", PASSWORD)
    page.get_by_role("link", name="Check coding").click()
    expect(page.get_by_role("heading", name="Check coding", level=1)).to_be_visible()
    violations = axe_violations()
    assert violations == [], describe(violations)

    # A mark on this document: a reload would lose it, an htmx swap keeps it.
    page.evaluate("document.body.dataset.stillTheSamePage = 'yes'")
    page.get_by_label("OPCS-4 codes").fill("V40.1 Z67.6")
    page.get_by_role("button", name="Check coding").click()

    verdict = page.get_by_test_id("coding-verdict")
    expect(verdict).to_have_text("Not valid")
    first = page.locator('tr[data-position="1"]')
    expect(first).to_contain_text("V40.1")
    expect(first).to_contain_text("Levels of spine code missing")
    expect(first.locator('[data-rule="levels-missing"]')).to_be_visible()
    expect(page.locator('tr[data-position="2"]')).to_contain_text("None")
    expect(page.locator("#coding-result-heading")).to_be_focused()
    violations = axe_violations()
    assert violations == [], describe(violations)

    page.get_by_role("button", name="Use suggested coding").click()

    expect(verdict).to_have_text("Valid")
    expect(page.get_by_label("OPCS-4 codes")).to_have_value("V40.1 V55.9 Z67.6")
    expect(page.locator('tr[data-position="2"]')).to_contain_text("Unspecified levels of spine")
    expect(page.get_by_text("Nothing to change.")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-still-the-same-page", "yes")
    violations = axe_violations()
    assert violations == [], describe(violations)


def test_the_page_works_without_javascript_and_shows_errors_in_the_summary(
    browser, live_server, clinician
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in_on(page, "coder", PASSWORD)
        page.goto("/coding/check/")
        expect(page.get_by_role("heading", name="Check coding", level=1)).to_be_visible()

        page.get_by_label("OPCS-4 codes").fill(" ".join(["V40.1"] * 25))
        page.get_by_role("button", name="Check coding").click()
        summary = page.locator(".nhsuk-error-summary")
        expect(summary).to_contain_text("Enter 24 codes or fewer")

        page.get_by_label("OPCS-4 codes").fill("V40.1 Z67.6")
        page.get_by_label("Percutaneous").check()
        page.get_by_label("Fluoroscopy").check()
        page.get_by_label("Spinal levels treated").fill("1")
        page.get_by_role("button", name="Check coding").click()
        expect(page.get_by_test_id("coding-verdict")).to_have_text("Not valid")
        page.get_by_role("button", name="Use suggested coding").click()

        expect(page.get_by_test_id("coding-verdict")).to_have_text("Valid")
        expect(page.get_by_label("OPCS-4 codes")).to_have_value("V40.1 V55.1 Y53.4 Z67.6")
    finally:
        context.close()
