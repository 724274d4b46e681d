"""In a real browser: a clinician completes the equality assessment with one negative impact
(the form reveals and asks for its mitigation) and the sustainability assessment; a governance
lead signs both off; approval, refused until then, succeeds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from governance import roles
from governance.assessments.models import Characteristic, EqualityAssessment
from governance.introductions import services
from governance.introductions.workflow import Status
from governance.models import Introduction
from tests.e2e.conftest import describe, sign_out, wait_for_scripts
from tests.factories import PASSWORD, GuidanceFactory, UserFactory, default_organisation

pytestmark = pytest.mark.django_db(transaction=True)

# Screenshots for people to look at: set ASSESSMENT_SCREENSHOTS to a folder to keep them.
SCREENSHOTS = os.environ.get("ASSESSMENT_SCREENSHOTS")


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def assert_accessible(page, axe_violations) -> None:
    violations = axe_violations()
    assert violations == [], describe(violations)


@pytest.fixture
def introduction() -> Introduction:
    """An application under review that meets every approval guard but the assessments:
    NICE special arrangements (so consent and audit plans), a coding rule set, a monitoring
    plan. Built through the services, as the app would."""
    organisation = default_organisation()
    clinician = UserFactory(
        username="clinician", first_name="Clare", last_name="Morgan", roles=[roles.CLINICIAN]
    )
    lead = UserFactory(username="lead", first_name="Priya", last_name="Shah", roles=[roles.LEAD])
    organisation.members.add(clinician, lead)
    introduction = services.introduction_create(
        actor=clinician,
        organisation=organisation,
        guidance=GuidanceFactory(reference="IPG366", recommendation="special"),
        title="Non-rigid stabilisation of the lumbar spine",
        department="Spinal surgery",
        consent_arrangements="NICE patient information; two-stage consent.",
        audit_plan="Every case in the local audit; PROMs to 24 months.",
        first_review_after_cases=5,
        review_interval_months=6,
        cusum_p0=0.1,
        cusum_p1=0.2,
        cusum_h=3.5,
    )
    services.introduction_transition(introduction=introduction, action="submit", actor=clinician)
    services.introduction_transition(introduction=introduction, action="start_review", actor=lead)
    return introduction


def test_a_clinician_completes_the_assessments_and_a_lead_signs_them_off_and_approves(
    page, sign_in, axe_violations, introduction
):
    detail = f"/introductions/{introduction.pk}/"

    # The clinician opens the equality assessment from the introduction page.
    sign_in("clinician", PASSWORD)
    page.goto(detail)
    assessments = page.locator("#assessments").locator("xpath=..")
    expect(page.get_by_test_id("assessment-equality")).to_contain_text("Not started")
    page.get_by_role("link", name="Equality impact assessment").click()
    expect(page.get_by_role("heading", name="Equality impact assessment", level=1)).to_be_visible()
    assert_accessible(page, axe_violations)
    screenshot(page, "equality-task-list")

    # A page for each characteristic, from the first, with "Save and continue" to the next.
    page.get_by_role("link", name="Age", exact=True).click()
    for value, label in Characteristic.choices:
        expect(page.get_by_role("heading", name=label, level=1)).to_be_visible()
        wait_for_scripts(page)
        group = page.locator(f"#characteristic-{value}")
        group.get_by_label("Evidence", exact=True).fill(
            f"Referral audit: no difference by {label}."
        )
        if value != "pregnancy_maternity":
            group.get_by_label("Neutral", exact=True).check()
            page.get_by_role("button", name="Save and continue").click()
            continue
        mitigation = group.get_by_label("How will the negative impact be mitigated?")
        expect(mitigation).to_be_hidden()
        group.get_by_label("Negative", exact=True).check()
        expect(mitigation).to_be_visible()  # NHS.UK radios: the negative impact reveals it
        assert_accessible(page, axe_violations)
        screenshot(page, "equality-characteristic")
        page.get_by_role("button", name="Save and continue").click()

        # Saved without the mitigation: the page asks for it, linked from the error summary.
        summary = page.locator(".nhsuk-error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_contain_text(
            "Pregnancy and maternity: enter how the negative impact will be mitigated"
        )
        assert_accessible(page, axe_violations)
        screenshot(page, "equality-form-error")
        wait_for_scripts(page)  # the NHS.UK error summary moves focus to the field it links to
        summary.get_by_role("link").first.click()
        mitigation = page.get_by_label("How will the negative impact be mitigated?").locator(
            "visible=true"
        )
        expect(mitigation).to_be_focused()
        mitigation.fill("Pregnancy test before fluoroscopy; the procedure is deferred if positive.")
        page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="Health inequalities", level=1)).to_be_visible()
    page.get_by_label("Health inequalities").fill("Uptake monitored by deprivation quintile.")
    page.get_by_label("Accessible information").fill("Easy read leaflet; interpreters booked.")
    page.get_by_label("Public Sector Equality Duty").fill("Equal access; uptake monitored.")
    page.get_by_label("No major change needed").check()
    assert_accessible(page, axe_violations)
    page.get_by_role("button", name="Save and continue").click()

    # Back on the task list, every part completed.
    expect(page.get_by_test_id("equality-parts")).to_be_visible()
    expect(page.locator("main").get_by_text("Completed", exact=True)).to_have_count(10)
    page.get_by_role("link", name="Read the whole assessment (printable)").click()
    expect(page.get_by_test_id("equality-state")).to_contain_text("Waiting for sign-off")
    assert_accessible(page, axe_violations)
    screenshot(page, "summary-completed")

    # The sustainability assessment, from the summary page.
    page.get_by_role("link", name="Start the sustainability assessment").click()
    expect(page.get_by_role("heading", name="Sustainability assessment", level=1)).to_be_visible()
    for label, answer in [
        ("Single-use items", "One implant kit a case."),
        ("Reusable items", "Two instrument trays."),
        ("Decontamination", "Two extra trays through sterile services a case."),
        ("Waste", "Packaging, mostly recyclable."),
        ("Energy", "About two minutes of fluoroscopy."),
        ("Theatre time and length of stay", "90 minutes against 150 for fusion."),
        ("Travel", "Follow-up at 3 months by video."),
        ("Estimated kgCO2e per case (optional)", "182.5"),
        ("Mitigations", "Reusable trays; video follow-up."),
    ]:
        page.get_by_label(label, exact=True).fill(answer)
    page.get_by_role("group", name="Does the supplier have a carbon reduction plan?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("group", name="Overall rating").get_by_label("Neutral", exact=True).check()
    assert_accessible(page, axe_violations)
    screenshot(page, "sustainability-form")
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_test_id("sustainability-state")).to_contain_text("Waiting for sign-off")
    sign_out(page)

    # The lead cannot approve yet: the page says the assessments are not signed off.
    sign_in("lead", PASSWORD)
    page.goto(detail)
    blocked = page.get_by_test_id("blocked-approve")
    expect(blocked).to_contain_text("equality impact assessment", ignore_case=True)
    expect(blocked).to_contain_text("sustainability assessment", ignore_case=True)
    screenshot(page, "introduction-page")
    assert_accessible(page, axe_violations)  # with the assessments' status on it

    for name, kind in [
        ("Equality impact assessment", "equality"),
        ("Sustainability assessment", "sustainability"),
    ]:
        page.goto(detail)
        item = page.get_by_test_id(f"assessment-{kind}")
        expect(item).to_contain_text("Next: read it and sign it off")
        item.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", name=f"Sign off the {name.lower()}")).to_be_visible()
        assert_accessible(page, axe_violations)
        screenshot(page, f"sign-off-{kind}")
        page.get_by_label("Comments (optional)").fill("Reviewed at committee")
        page.get_by_role("button", name="Sign off").click()
        expect(page.locator("main")).to_contain_text(f"The {name.lower()} has been signed off")
    assert_accessible(page, axe_violations)
    screenshot(page, "summary-signed-off")

    # Approval now succeeds, through the approve page.
    page.goto(detail)
    expect(assessments.get_by_text("Signed off", exact=True)).to_have_count(2)
    expect(page.get_by_test_id("blocked-approve")).to_have_count(0)
    page.goto(f"/introductions/{introduction.pk}/actions/approve/")
    page.get_by_label("Reason for approval (optional)").fill("Clinical governance committee")
    page.get_by_role("button", name="Approve", exact=True).click()

    expect(page.locator("main")).to_contain_text("The introduction has been approved")
    introduction.refresh_from_db()
    assert introduction.status == Status.APPROVED
    assessment = EqualityAssessment.objects.get(introduction=introduction)
    assert assessment.pregnancy_maternity_impact == "negative"
    assert assessment.signed_off_by.username == "lead"
