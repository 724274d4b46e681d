"""In a real browser: a governance lead about to approve finds the assessments completed but not
signed off, signs each off from the approval warning in two clicks, comes back to the approval
each time, and approves."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance import roles
from governance.introductions import services
from tests.e2e.conftest import describe, wait_for_scripts
from tests.factories import (
    PASSWORD,
    EqualityAssessmentFactory,
    GuidanceFactory,
    SustainabilityAssessmentFactory,
    UserFactory,
    default_organisation,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def introduction():
    """Under review, everything in place but the two sign-offs: both assessments completed by
    the applicant."""
    organisation = default_organisation()
    clinician = UserFactory(username="clinician", roles=[roles.CLINICIAN])
    lead = UserFactory(username="lead", first_name="Priya", last_name="Shah", roles=[roles.LEAD])
    organisation.members.add(clinician, lead)
    introduction = services.introduction_create(
        actor=clinician,
        organisation=organisation,
        guidance=GuidanceFactory(reference="IPG366", recommendation="standard"),
        title="Non-rigid stabilisation of the lumbar spine",
        department="Spinal surgery",
        first_review_after_cases=5,
        review_interval_months=6,
        cusum_p0=0.1,
        cusum_p1=0.2,
        cusum_h=3.5,
    )
    EqualityAssessmentFactory(introduction=introduction)
    SustainabilityAssessmentFactory(introduction=introduction)
    services.introduction_transition(introduction=introduction, action="submit", actor=clinician)
    services.introduction_transition(introduction=introduction, action="start_review", actor=lead)
    return introduction


def test_the_lead_signs_off_from_the_approval_warning_and_comes_back_to_approve(
    page, sign_in, axe_violations, introduction
):
    approve = f"/introductions/{introduction.pk}/actions/approve/"
    sign_in("lead", PASSWORD)
    page.goto(approve)
    expect(page.get_by_text("You cannot approve this yet")).to_be_visible()
    expect(
        page.get_by_text("The equality impact assessment is completed but not signed off")
    ).to_be_visible()

    for label in ("equality impact assessment", "sustainability assessment"):
        page.get_by_role("link", name=f"Sign off the {label}").click()  # click one
        expect(page.get_by_role("heading", name=f"Sign off the {label}", level=1)).to_be_visible()
        expect(
            page.get_by_role("link", name="Return to the approval without signing off")
        ).to_be_visible()
        violations = axe_violations()
        assert violations == [], describe(violations)
        page.get_by_role("button", name="Sign off and return to the approval").click()  # two
        expect(page).to_have_url(f"{page.url.split('/introductions/')[0]}{approve}")
        expect(page.get_by_text(f"The {label} has been signed off")).to_be_visible()

    expect(page.get_by_text("You cannot approve this yet")).to_have_count(0)
    wait_for_scripts(page)
    page.get_by_label("Reason").fill("Approved at the committee of 1 December")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("status")).to_contain_text("Approved")
    introduction.refresh_from_db()
    assert introduction.status == "approved"
