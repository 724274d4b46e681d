"""A clinician applies and submits; a lead starts the review and requests changes; the clinician
resubmits; the lead sees approval blocked, with each missing item listed and linked."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from governance import roles
from governance.introductions import workflow
from tests.e2e.conftest import describe, sign_out, wait_for_scripts
from tests.factories import PASSWORD, GuidanceFactory, UserFactory, default_organisation

# The roles, the default organisation and the IPG366 rule set come from data migrations;
# tests/conftest.py puts them back after every transactional test's flush.
pytestmark = pytest.mark.django_db(transaction=True)

IPG366 = "Non-rigid stabilisation techniques for the treatment of low back pain"


@pytest.fixture
def people(db):
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    organisation = default_organisation()
    clinician = UserFactory(
        username="clinician", first_name="Clare", last_name="Morgan", roles=[roles.CLINICIAN]
    )
    lead = UserFactory(username="lead", first_name="Priya", last_name="Shah", roles=[roles.LEAD])
    organisation.members.add(clinician, lead)
    GuidanceFactory(reference="IPG366", title=IPG366, recommendation="special")
    return clinician, lead


@pytest.fixture
def accessible(axe_violations):
    def check() -> None:
        violations = axe_violations()
        assert violations == [], describe(violations)

    return check


def open_action(page, button: str):
    """Open an action's form inside the introduction page (htmx) and return it."""
    action = page.get_by_role("button", name=button, exact=True)
    expect(action).to_be_visible()
    wait_for_scripts(page)  # else the click opens the form on a page of its own
    action.click()
    panel = page.get_by_test_id("action-form")
    expect(panel).to_be_visible()
    return panel


def take_action(page, button: str, reason: str) -> None:
    """Open an action's form inside the introduction page and confirm it; the caller expects
    what the introduction page says next."""
    panel = open_action(page, button)
    panel.get_by_role("textbox").first.fill(reason)
    panel.get_by_role("button", name=button, exact=True).click()


def test_an_application_goes_round_review_and_approval_is_blocked_with_what_is_missing(
    page, sign_in, accessible, people
):
    # The clinician applies: the first step saves a draft, then the task list.
    sign_in("clinician", PASSWORD)
    mine = page.locator("section", has=page.get_by_role("heading", name="My introductions"))
    expect(mine).to_contain_text("You have not applied")
    accessible()
    page.get_by_role("link", name="Apply to introduce a procedure").click()
    expect(page.get_by_role("heading", name="What is the procedure?")).to_be_visible()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose the NICE guidance")
    accessible()
    page.get_by_label("NICE interventional procedures guidance").select_option(
        label=f"IPG366: {IPG366}"
    )
    page.get_by_label("Procedure", exact=True).fill("Dynamic stabilisation of the lumbar spine")
    page.get_by_label("Department (optional)").fill("Spinal surgery")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_text("Draft saved.")).to_be_visible()
    tasks = page.get_by_test_id("task-list")
    expect(tasks.locator("#task-monitoring-status")).to_have_text("Incomplete")
    accessible()
    page.get_by_role("link", name="Rationale and patient selection").click()
    page.get_by_label("Why introduce this procedure?").fill("Chronic low back pain, no relief.")
    page.get_by_label("Which patients will be offered it?").fill("Adults, MDT agreement.")
    page.get_by_role("button", name="Save and return").click()
    expect(tasks.locator("#task-case-status")).to_have_text("Completed")
    page.get_by_role("link", name="Consent, audit and research ethics").click()
    page.get_by_label("Consent and patient information").fill("NICE leaflet; two-stage consent.")
    page.get_by_role("button", name="Save and return").click()
    expect(tasks).to_be_visible()
    page.get_by_role("link", name="Monitoring plan").click()
    page.get_by_label("Cases before the first review").fill("5")
    page.get_by_label("Months between reviews").fill("6")
    page.get_by_label("Acceptable failure rate (CUSUM p0)").fill("0.11")
    page.get_by_label("Unacceptable failure rate (CUSUM p1)").fill("0.22")
    page.get_by_label("Alarm threshold (CUSUM h)").fill("4")
    accessible()
    page.get_by_role("button", name="Save and return").click()
    expect(tasks.locator("#task-monitoring-status")).to_have_text("Completed")
    expect(tasks.locator("#task-arrangements-status")).to_have_text("Incomplete")

    page.get_by_role("button", name="Submit application").click()
    reviewers_note = page.get_by_label("Anything the reviewers should know? (optional)")
    expect(reviewers_note).to_be_visible()
    reviewers_note.fill("For May committee")
    accessible()
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_text("Your application has been submitted for review")).to_be_visible()
    expect(page.get_by_test_id("status")).to_contain_text("Submitted")
    accessible()
    sign_out(page)

    # The lead starts the review and asks for the audit plan.
    sign_in("lead", PASSWORD)
    waiting = page.locator("section", has=page.get_by_role("heading", name="Awaiting review"))
    expect(waiting).to_contain_text("Next: Start the review")
    accessible()
    waiting.get_by_role("link", name="Dynamic stabilisation of the lumbar spine").click()
    take_action(page, "Start review", "On the agenda for 3 May")
    expect(page.get_by_text("You have started the review")).to_be_visible()
    expect(page.get_by_test_id("status")).to_contain_text("Under review")

    panel = open_action(page, "Request changes")
    expect(page.locator("#action-heading")).to_be_focused()
    accessible()
    panel.get_by_role("button", name="Request changes").click()
    expect(panel.locator(".nhsuk-error-summary")).to_contain_text("Enter what needs to change")
    panel.get_by_label("What needs to change?").fill("Describe the audit plan, as NICE asks.")
    panel.get_by_role("button", name="Request changes").click()
    expect(page.get_by_text("Changes have been requested from the applicant")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text("Describe the audit plan")
    sign_out(page)

    # The clinician sees what to change, adds the audit plan and resubmits.
    sign_in("clinician", PASSWORD)
    mine = page.locator("section", has=page.get_by_role("heading", name="My introductions"))
    expect(mine).to_contain_text("Next: Respond to requested changes")
    mine.get_by_role("link", name="Dynamic stabilisation of the lumbar spine").click()
    expect(page.get_by_test_id("changes-requested")).to_contain_text(
        "Describe the audit plan, as NICE asks."
    )
    accessible()
    page.get_by_role("link", name="Consent, audit and research ethics").click()
    expect(page.get_by_label("Consent and patient information")).to_have_value(
        "NICE leaflet; two-stage consent."
    )
    page.get_by_label("Audit plan").fill("Every case in the local audit; outcomes at 12 months.")
    page.get_by_role("button", name="Save and return").click()
    expect(page.get_by_test_id("task-list")).to_be_visible()
    page.get_by_role("button", name="Resubmit application").click()
    page.get_by_label("What have you changed?").fill("Audit plan added")
    page.get_by_role("button", name="Resubmit application").click()
    expect(page.get_by_text("Your application has been resubmitted for review")).to_be_visible()
    sign_out(page)

    # The lead reviews again: approval is blocked, and the page says exactly by what.
    sign_in("lead", PASSWORD)
    page.get_by_role("link", name="Dynamic stabilisation of the lumbar spine").first.click()
    take_action(page, "Start review", "")
    blocked = page.get_by_test_id("blocked-approve")
    expect(blocked).to_contain_text("You cannot approve this yet")
    for label in ("equality impact assessment", "sustainability assessment"):
        expect(blocked).to_contain_text(
            f"The {label} is not started: it must be completed, then signed off by a governance "
            "lead who is not the applicant."
        )
    expect(blocked).not_to_contain_text(workflow.GUARD_TEXT["audit-plan"])
    expect(blocked).not_to_contain_text(workflow.GUARD_TEXT["monitoring-plan"])
    expect(
        blocked.get_by_role("link", name="Fill in the equality impact assessment")
    ).to_have_attribute("href", re.compile(r"/assessments/equality/$"))
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Request changes", exact=True)).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    for step in ("Submit", "Start review", "Request changes", "Resubmit"):
        expect(timeline).to_contain_text(step)
    accessible()

    # Every step is in the audit history, as readable before/after.
    page.get_by_role("link", name="Audit history").click()
    expect(page.get_by_role("heading", name="Audit history", level=1)).to_be_visible()
    wait_for_scripts(page)  # htmx applies the filters in the page
    page.get_by_label("Record type").select_option(label="Introduction")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]model=introduction\b"))
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("Describe the audit plan, as NICE asks.")
    expect(history.locator(".app-changes__new").first).to_have_text("Under review")
    expect(page.locator("#changes-heading")).to_be_focused()
    accessible()
