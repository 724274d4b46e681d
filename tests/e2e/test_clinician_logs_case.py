"""A clinician at the end of a list logs a case with faulty coding, sees it flagged as they type
and on the case page, applies the suggested coding and records an outcome; each page is
accessible (axe)."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from coding.models import RuleSet
from governance import roles
from tests.e2e.conftest import describe
from tests.factories import (
    PASSWORD,
    DeviceFactory,
    IntroductionFactory,
    UserFactory,
    default_organisation,
)

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Dynamic stabilisation of the lumbar spine"


@pytest.fixture
def introduction(transactional_db):
    # A transactional test starts from whatever an earlier one's flush left: put back what the
    # data migrations give (the roles, the catalogue and the IPG366 rule set).
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    seed = importlib.import_module("coding.migrations.0003_seed_catalogue_and_ipg366")
    seed.seed(apps, None)
    clinician = UserFactory(
        username="clinician", first_name="Clare", last_name="Morgan", roles=[roles.CLINICIAN]
    )
    default_organisation().members.add(clinician)
    introduction = IntroductionFactory(
        status="approved",
        title=TITLE,
        applicant=clinician,
        guidance__reference="IPG366",
        guidance__ruleset=RuleSet.objects.get(name="IPG366"),
    )
    introduction.device_links.create(device=DeviceFactory(name="Dynamic stabilisation system"))
    return introduction


@pytest.fixture
def accessible(axe_violations):
    def check() -> None:
        violations = axe_violations()
        assert violations == [], describe(violations)

    return check


def test_a_clinician_logs_a_case_with_faulty_coding_applies_the_suggestion_and_records_an_outcome(
    page, sign_in, accessible, introduction
):
    sign_in("clinician", PASSWORD)
    page.get_by_role("link", name="Introductions").first.click()
    page.get_by_role("link", name=TITLE).click()
    cases = page.get_by_test_id("introduction-cases")
    expect(cases.get_by_test_id("cases-count")).to_have_text("0")
    accessible()

    # The quick form: today's date is filled in; the coding is checked as it is typed.
    cases.get_by_role("button", name="Log a case").click()
    expect(page.get_by_role("heading", name="Log a case", level=1)).to_be_visible()
    expect(page.get_by_test_id("coding-check-empty")).to_be_visible()
    accessible()
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("NHS number (optional)").fill("943 476 5919")
    page.get_by_label("Local reference (optional)").fill("H100200")
    page.get_by_label("Percutaneous").check()
    page.get_by_label("Fluoroscopy").check()
    page.get_by_label("Spinal levels treated").fill("1")
    page.get_by_label("OPCS-4 codes").fill("V40.1 Z67.6")

    check = page.locator("#coding-check")
    expect(check.get_by_test_id("coding-verdict")).to_have_text("Not valid")
    expect(check.locator('tr[data-position="1"]')).to_contain_text("Levels of spine code missing")
    expect(check.get_by_role("button", name="Use the suggested coding")).to_be_visible()
    expect(page.locator("#coding-status")).to_contain_text("Coding check: Not valid")
    assert page.evaluate("window.stillTheSamePage") is True  # checked by htmx, not reloaded
    accessible()

    # Saved as typed: invalid coding is kept and flagged, never refused.
    page.get_by_role("button", name="Save case").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    expect(page.get_by_text("Case logged, but its OPCS-4 coding needs attention")).to_be_visible()
    expect(page.get_by_test_id("case-coding")).to_have_text("Needs attention")
    expect(page.get_by_test_id("case-details")).to_contain_text("943 476 5919")
    expect(page.get_by_test_id("coding-verdict")).to_have_text("Not valid")
    accessible()

    page.get_by_role("button", name="Apply the suggested coding").click()
    expect(page.get_by_text("The suggested coding has been applied.")).to_be_visible()
    expect(page.get_by_test_id("case-coding")).to_have_text("Valid")
    expect(page.get_by_test_id("coding-verdict")).to_have_text("Valid")
    expect(page.locator('tr[data-position="2"]')).to_contain_text("V55.1")
    accessible()

    # The outcome: the baseline is offered first for a case done today; a bad score is named.
    page.get_by_role("button", name="Record an outcome").click()
    expect(page.get_by_label("Baseline")).to_be_checked()
    accessible()
    page.get_by_label("Oswestry Disability Index (ODI)").fill("150")
    page.get_by_role("button", name="Save outcome").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("must be 100 or less")
    expect(page.get_by_label("Oswestry Disability Index (ODI)")).to_have_value("150")
    accessible()
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Oswestry Disability Index (ODI)")).to_be_focused()
    page.get_by_label("Oswestry Disability Index (ODI)").fill("48")
    page.get_by_label("Back pain score").fill("7")
    page.get_by_label("Leg pain score").fill("5")
    page.get_by_label("EQ-5D index").fill("0.516")
    page.get_by_role("button", name="Save outcome").click()

    expect(page.get_by_text("The baseline outcome has been recorded")).to_be_visible()
    baseline = page.locator('tr[data-timepoint="baseline"]')
    expect(baseline).to_contain_text("Done")
    expect(baseline).to_contain_text("48")
    expect(page.locator('tr[data-timepoint="6w"]')).to_contain_text("Not yet due")
    accessible()

    # The case list: the case, valid now, and the filters.
    page.get_by_role("link", name="All cases of this introduction").click()
    table = page.get_by_test_id("cases")
    expect(table.get_by_role("row")).to_have_count(2)  # the header and the case
    expect(table).to_contain_text("Valid")
    expect(table).to_contain_text("Ref H100200")
    accessible()
    page.get_by_role("link", name="Coding needs attention (0)").click()
    expect(page.get_by_test_id("no-cases")).to_have_text("No case matches this filter.")
    accessible()


def test_the_suggested_coding_fills_the_codes_box_in_one_click(
    page, sign_in, accessible, introduction
):
    sign_in("clinician", PASSWORD)
    page.goto(f"/introductions/{introduction.pk}/cases/new/")
    page.get_by_label("Open", exact=True).check()
    page.get_by_label("Spinal levels treated").fill("1")
    codes = page.get_by_label("OPCS-4 codes")
    codes.fill("Z67.6 V40.1")
    check = page.locator("#coding-check")
    expect(check.get_by_test_id("coding-verdict")).to_have_text("Not valid")

    check.get_by_role("button", name="Use the suggested coding").click()

    expect(codes).to_have_value("V40.1 V55.1 Z67.6")
    expect(codes).to_be_focused()
    expect(check.get_by_test_id("coding-verdict")).to_have_text("Valid")
    expect(check.get_by_text("Nothing to change.")).to_be_visible()
    accessible()

    # A change of context is checked again too.
    page.get_by_label("Spinal levels treated").fill("2")
    page.get_by_label("Spinal levels treated").blur()
    expect(check.get_by_test_id("coding-verdict")).to_have_text("Not valid")
    expect(check).to_contain_text("levels-mismatch")


def test_without_javascript_the_case_is_saved_flagged_and_corrected_from_its_page(
    browser, live_server, introduction
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/sign-in/")
        page.get_by_label("Username").fill("clinician")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"/introductions/{introduction.pk}/cases/new/")
        page.get_by_label("Percutaneous").check()
        page.get_by_label("Fluoroscopy").check()
        page.get_by_label("Spinal levels treated").fill("1")
        page.get_by_label("OPCS-4 codes").fill("V40.1 Z67.6")
        page.get_by_label("Year").fill("26")
        page.get_by_role("button", name="Save case").click()

        # Refused with the error linked, the codes kept and checked on the page.
        expect(page.locator(".nhsuk-error-summary")).to_contain_text("Year must include 4 numbers")
        expect(page.get_by_label("OPCS-4 codes")).to_have_value("V40.1 Z67.6")
        expect(page.get_by_test_id("coding-verdict")).to_have_text("Not valid")
        page.get_by_role("button", name="Use the suggested coding").click()
        expect(page.get_by_label("OPCS-4 codes")).to_have_value("V40.1 V55.1 Y53.4 Z67.6")
        page.get_by_label("Year").fill("2026")
        page.get_by_label("Day").fill("2")
        page.get_by_label("Month").fill("11")
        page.get_by_label("OPCS-4 codes").fill("V40.1 Z67.6")  # saved faulty after all
        page.get_by_role("button", name="Save case").click()

        expect(page.get_by_test_id("case-coding")).to_have_text("Needs attention")
        page.get_by_role("button", name="Apply the suggested coding").click()
        expect(page.get_by_test_id("case-coding")).to_have_text("Valid")
    finally:
        context.close()
