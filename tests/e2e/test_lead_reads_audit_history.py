"""A governance lead answering an auditor opens the audit history: each change is a line per
changed field under words people know, the record is named by its introduction's title, the
moment reads "1 December 2026 at 07:24", and the whole record opens on demand."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from governance import roles
from governance.introductions import services
from tests.e2e.conftest import describe
from tests.factories import PASSWORD, GuidanceFactory, UserFactory, default_organisation

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Dynamic stabilisation of the lumbar spine"


@pytest.fixture
def edited(transactional_db):
    """An application started, then its department and monitoring plan changed."""
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    clinician = UserFactory(username="surgeon", roles=[roles.CLINICIAN])
    lead = UserFactory(username="chair", first_name="Priya", last_name="Shah", roles=[roles.LEAD])
    organisation = default_organisation()
    organisation.members.add(clinician, lead)
    introduction = services.introduction_create(
        actor=clinician,
        organisation=organisation,
        guidance=GuidanceFactory(),
        title=TITLE,
        department="Orthopaedics",
    )
    return services.introduction_update(
        introduction=introduction,
        actor=clinician,
        reason="Monitoring plan agreed",
        department="Spinal surgery",
        cusum_p0=0.1,
    )


def test_a_lead_reads_a_change_and_opens_the_whole_record(page, sign_in, axe_violations, edited):
    sign_in("chair", PASSWORD)
    page.get_by_role("link", name="Audit history").first.click()
    expect(page.get_by_role("heading", name="Audit history", level=1)).to_be_visible()

    history = page.get_by_test_id("history")
    changed, created = history.locator("tbody tr").nth(0), history.locator("tbody tr").nth(1)
    expect(changed).to_contain_text("Changed: Monitoring plan agreed")
    expect(changed.get_by_test_id("changed-fields").locator("li")).to_have_count(2)
    expect(changed).to_contain_text("Acceptable failure rate (CUSUM p0):")
    # Named by its title; not linked, since a draft's page is its applicant's own.
    expect(changed).to_contain_text(TITLE)
    expect(changed.get_by_role("link", name=TITLE)).to_have_count(0)
    expect(changed.locator("time")).to_have_text(
        re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d$")
    )
    whole = created.get_by_test_id("full-record")
    expect(whole.get_by_text("Orthopaedics")).to_be_hidden()
    violations = axe_violations()
    assert violations == [], describe(violations)

    created.get_by_text("The record as created").click()
    expect(whole.get_by_text("Orthopaedics")).to_be_visible()
    expect(whole).to_contain_text("Alarm threshold (CUSUM h)")
    violations = axe_violations()
    assert violations == [], describe(violations)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: rows stack, nothing squeezed
    expect(whole.get_by_text("Orthopaedics")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    violations = axe_violations()
    assert violations == [], describe(violations)
