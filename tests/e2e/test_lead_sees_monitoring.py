"""A governance lead finds the introduction whose CUSUM has crossed its threshold on the home
page, reads the monitoring charts and their tables, and downloads the chart for committee; at
more cases than a page shows, pages back through the table and downloads every case."""

from __future__ import annotations

import importlib
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from coding.models import RuleSet
from governance import roles
from governance.cases import services
from tests.e2e.conftest import describe
from tests.factories import PASSWORD, IntroductionFactory, UserFactory, default_organisation

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Dynamic stabilisation of the lumbar spine"
VALID = ["V40.1", "V55.1", "Y53.4", "Z67.6"]


@pytest.fixture
def signalled(transactional_db):
    """An approved introduction (p0 0.1, p1 0.2, h 1) whose second case's failure crossed h."""
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    importlib.import_module("coding.migrations.0003_seed_catalogue_and_ipg366").seed(apps, None)
    clinician = UserFactory(username="surgeon", roles=[roles.CLINICIAN])
    lead = UserFactory(username="chair", first_name="Priya", last_name="Shah", roles=[roles.LEAD])
    default_organisation().members.add(clinician, lead)
    introduction = IntroductionFactory(
        status="approved",
        title=TITLE,
        applicant=clinician,
        guidance__reference="IPG366",
        guidance__ruleset=RuleSet.objects.get(name="IPG366"),
        cusum_p0=0.1,
        cusum_p1=0.2,
        cusum_h=1.0,
    )
    for days_ago, failed in ((30, True), (20, True), (10, False)):
        services.case_log(
            introduction=introduction,
            actor=clinician,
            codes=VALID,
            performed_on=date.today() - timedelta(days=days_ago),
            approach="percutaneous",
            image_guidance="fluoroscopy",
            levels=1,
            device_failure=failed,
        )
    return introduction


def test_a_lead_follows_the_signal_to_the_charts_and_downloads_one(
    page, sign_in, axe_violations, signalled
):
    sign_in("chair", PASSWORD)

    signals = page.get_by_role("region", name="Monitoring signals")
    expect(signals).to_contain_text(TITLE)
    expect(signals).to_contain_text("Signal")
    violations = axe_violations()
    assert violations == [], describe(violations)

    signals.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name="Monitoring", level=1)).to_be_visible()
    expect(page.get_by_test_id("signal")).to_contain_text("The CUSUM reached h at case")
    expect(page.get_by_role("img", name="The CUSUM after each case")).to_be_visible()
    expect(page.get_by_role("img", name="The expected failures")).to_be_visible()
    page.get_by_text("The CUSUM as a table").click()
    table = page.get_by_test_id("cusum-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").nth(1)).to_contain_text("1.386")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("Signal")
    page.wait_for_load_state()
    violations = axe_violations()
    assert violations == [], describe(violations)

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the charts scroll sideways
    violations = axe_violations()
    assert violations == [], describe(violations)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the chart (PNG)").first.click()
    assert download.value.suggested_filename == f"introduction-{signalled.pk}-cusum.png"

    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_test_id("introduction-signal")).to_contain_text("Signal")


def test_a_lead_pages_back_through_the_cusum_table_and_downloads_every_case(
    page, sign_in, axe_violations, signalled
):
    for n in range(57):  # 60 cases in all, these after the first three
        services.case_log(
            introduction=signalled,
            actor=signalled.applicant,
            codes=VALID,
            performed_on=date.today() - timedelta(days=5),
            approach="percutaneous",
            image_guidance="fluoroscopy",
            levels=1,
            device_failure=n % 9 == 0,
        )
    sign_in("chair", PASSWORD)
    page.goto(f"/introductions/{signalled.pk}/monitoring/")

    page.get_by_text("The CUSUM as a table").click()
    table = page.get_by_test_id("cusum-table")
    expect(table).to_contain_text("Cases 51 to 60 of 60")
    expect(table.locator("tbody tr")).to_have_count(10)
    page.get_by_role("navigation", name="Pages of the CUSUM table").get_by_role(
        "link", name=re.compile(r"Previous page\W+Cases 1 to 50")
    ).click()

    expect(table).to_contain_text("Cases 1 to 50 of 60")  # the table open again, at page 1
    expect(table.locator("tbody tr")).to_have_count(50)
    expect(table.locator("tbody tr").nth(1)).to_contain_text("Signal")
    violations = axe_violations()
    assert violations == [], describe(violations)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the CUSUM and VLAD of every case (CSV)").click()
    assert download.value.suggested_filename == f"introduction-{signalled.pk}-monitoring.csv"
    lines = Path(download.value.path()).read_text().splitlines()
    assert len(lines) == 61  # the header and every case
