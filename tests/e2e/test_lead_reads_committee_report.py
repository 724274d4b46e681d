"""A governance lead opens the committee report from the introduction page: the paper's
summary, its contents and every section, the charts drawn in the page, the PDF one link away;
axe finds nothing on a wide screen or a phone."""

from __future__ import annotations

import importlib
import re
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from coding.models import RuleSet
from governance import roles
from governance.cases import services as cases
from governance.events import services as events
from governance.introductions import services as introductions
from governance.reports.content import SECTIONS
from tests.e2e.conftest import describe
from tests.factories import PASSWORD, IntroductionFactory, UserFactory, default_organisation

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Dynamic stabilisation of the lumbar spine"
VALID = ["V40.1", "V55.1", "Y53.4", "Z67.6"]


@pytest.fixture
def approved(transactional_db):
    """An introduction approved by the chair with a condition, three cases (two failures: the
    CUSUM signals at the second) and a severe device event whose Yellow Card is due."""
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    importlib.import_module("coding.migrations.0003_seed_catalogue_and_ipg366").seed(apps, None)
    clinician = UserFactory(username="surgeon", roles=[roles.CLINICIAN])
    lead = UserFactory(username="chair", first_name="Priya", last_name="Shah", roles=[roles.LEAD])
    default_organisation().members.add(clinician, lead)
    introduction = IntroductionFactory(
        status="under_review",
        title=TITLE,
        applicant=clinician,
        guidance__reference="IPG366",
        guidance__ruleset=RuleSet.objects.get(name="IPG366"),
        cusum_p0=0.1,
        cusum_p1=0.2,
        cusum_h=1.0,
        assessments_signed_off_by=lead,
    )
    introduction = introductions.introduction_transition(
        introduction=introduction,
        action="approve",
        actor=lead,
        reason="Approved at the committee of 4 March.",
        conditions=["A mentor attends the first 2 cases"],
    )
    logged = [
        cases.case_log(
            introduction=introduction,
            actor=clinician,
            codes=VALID,
            performed_on=date.today() - timedelta(days=days_ago),
            approach="percutaneous",
            image_guidance="fluoroscopy",
            levels=1,
            local_reference=f"H-{days_ago}",
            device_failure=failed,
        )
        for days_ago, failed in ((30, True), (20, True), (10, False))
    ]
    events.adverse_event_record(
        introduction=introduction,
        actor=clinician,
        case=logged[1],
        occurred_on=date.today() - timedelta(days=1),
        description="The cord pulled out of the upper screw head.",
        harm="severe",
        category="device_failure",
        device_involved=True,
        device_name="Dynamic stabilisation system",
    )
    return introduction


def test_a_lead_opens_the_report_from_the_introduction_and_reads_each_section(
    page, sign_in, axe_violations, approved
):
    sign_in("chair", PASSWORD)
    page.goto(f"/introductions/{approved.pk}/")
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()

    page.get_by_role("link", name="Read or print the committee report").click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page).to_have_title(re.compile(rf"^Committee report: {TITLE} "))
    expect(page.get_by_test_id("paper-meta")).to_contain_text(
        f"Paper IPG366-DEFAULT-{approved.pk}. Paper prepared"
    )
    summary = page.get_by_role("region", name="Summary")
    expect(summary.get_by_test_id("summary-cusum")).to_contain_text(
        "Yes: S reached h at case no. 2"
    )
    expect(summary.get_by_test_id("summary-cusum")).to_contain_text("latest S = 1.27")
    expect(summary.get_by_test_id("summary-cards")).to_have_text("1 open, 0 overdue")
    contents = page.get_by_role("navigation", name="Contents")
    for number, section in enumerate(SECTIONS, 1):
        title = f"{number}. {section.title}"
        expect(contents.get_by_role("link", name=title)).to_be_visible()
        expect(page.get_by_role("heading", name=title, level=2)).to_be_visible()
    expect(page.get_by_role("img", name="CUSUM chart")).to_be_visible()
    expect(page.get_by_role("img", name="VLAD chart")).to_be_visible()
    expect(page.get_by_role("figure", name="Figure 1. The CUSUM")).to_be_visible()
    expect(page.get_by_test_id("report-events-table")).to_contain_text("Due")
    expect(page.get_by_test_id("report-decisions-table")).to_contain_text(
        "Approved at the committee of 4 March."
    )
    violations = axe_violations()
    assert violations == [], describe(violations)

    contents.get_by_role("link", name="6. Adverse events and the Yellow Card").click()
    expect(page).to_have_url(f"/introductions/{approved.pk}/report/#events")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: tables scroll sideways
    expect(page.get_by_role("heading", name="Summary", level=2)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page does not
    violations = axe_violations()
    assert violations == [], describe(violations)

    pdf = page.request.get(
        page.get_by_role("link", name="Download the report as a PDF").get_attribute("href")
    )
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
