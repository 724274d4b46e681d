"""A governance lead uploads the coding department's extract of coded episodes and reads what
it found: the counts, the findings with links to the cases, an explanation recorded; and the
page of a run still going shows its progress and then, by itself, the findings. Each page is
accessible (axe)."""

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
from governance.reconciliation import services
from tests.e2e.conftest import describe
from tests.factories import PASSWORD, IntroductionFactory, UserFactory, default_organisation
from tests.governance.notices.conftest import celery_eager  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Dynamic stabilisation of the lumbar spine"
RIGHT = "V40.1,V55.1,Y53.4,Z67.6,percutaneous,fluoroscopy,1"


def day(days_ago: int) -> str:
    return (date.today() - timedelta(days=days_ago)).isoformat()


@pytest.fixture
def trust(transactional_db, settings, tmp_path):
    """A lead, an approved introduction with two cases, and the extract of the coding
    department: one case matched, one miscoded, one procedure nobody logged, the other case
    missing."""
    settings.MEDIA_ROOT = tmp_path / "media"
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
    )
    logged = [
        cases.case_log(
            introduction=introduction,
            actor=clinician,
            codes=["V40.1", "V55.1", "Y53.4", "Z67.6"],
            performed_on=date.today() - timedelta(days=days_ago),
            nhs_number=nhs_number,
            approach="percutaneous",
            image_guidance="fluoroscopy",
            levels=1,
        )
        for days_ago, nhs_number in ((30, "9434765919"), (20, "9434765870"), (12, "4010232137"))
    ]
    extract = tmp_path / "March episodes.csv"
    extract.write_text(
        "episode_id,nhs_number,OPDATE_01,OPERTN_01,OPERTN_02,OPERTN_03,OPERTN_04,"
        "approach,image_guidance,levels\n"
        f"H1,9434765919,{day(30)},{RIGHT}\n"
        f"H2,9434765870,{day(19)},V40.1,Z67.6,,,percutaneous,fluoroscopy,1\n"
        f"H3,9000000009,{day(15)},{RIGHT}\n"
        f"H4,9000000009,{day(8)},W37.1,,,,,,\n"
    )
    return {"lead": lead, "cases": logged, "introduction": introduction, "extract": extract}


@pytest.fixture
def accessible(axe_violations):
    def check() -> None:
        violations = axe_violations()
        assert violations == [], describe(violations)

    return check


def test_a_lead_uploads_an_extract_and_reads_the_findings(
    page,
    sign_in,
    accessible,
    trust,
    celery_eager,  # noqa: F811 (imported above: the run in process, as in the embedded default)
):
    sign_in("chair", PASSWORD)
    page.get_by_role("link", name="Reconciliation", exact=True).first.click()
    expect(
        page.get_by_role("heading", name="Reconciliation of coded episodes", level=1)
    ).to_be_visible()
    expect(page.get_by_test_id("no-runs")).to_be_visible()
    accessible()

    # Sent without a file: the error says so and links to the field.
    page.get_by_role("button", name="Upload and reconcile").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Choose the extract of coded episodes to upload")
    accessible()

    page.locator('input[type="file"]').set_input_files(str(trust["extract"]))
    page.get_by_role("button", name="Upload and reconcile").click()

    expect(page).to_have_url(re.compile(r"/reconciliations/\d+/$"))
    expect(page.get_by_role("heading", name="March episodes.csv", level=1)).to_be_visible()
    expect(page.get_by_test_id("run-status")).to_have_text("Done")
    run_summary = page.get_by_test_id("run-summary")
    expect(run_summary).to_contain_text(f"{date.fromisoformat(day(30)):%-d %B %Y} to")
    expect(run_summary).to_contain_text("4, of which 3 coded with a procedure under governance")
    findings = page.get_by_test_id("findings")
    expect(findings.locator("tbody tr")).to_have_count(3)
    expect(findings.locator('tr[data-finding="miscoded"]')).to_contain_text(
        "Levels of spine code missing"
    )
    expect(findings.locator('tr[data-finding="outside_governance"]')).to_contain_text("No case")
    no_episode = findings.locator('tr[data-finding="no_coded_episode"]')
    expect(no_episode).to_contain_text(TITLE)
    accessible()

    # The case with no coded episode is one click away.
    case = trust["cases"][2]
    no_episode.get_by_role("link", name=f"Case {case.pk}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Case {case.pk}", level=1)).to_be_visible()
    page.go_back()

    # The procedure nobody logged was a private patient's: the lead says so.
    page.get_by_test_id("finding-tabs").get_by_role("link", name="Outside governance (1)").click()
    expect(page.get_by_test_id("findings").locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Explain the finding of episode H3").click()
    expect(
        page.get_by_role("heading", name="Explain the finding of episode H3", level=1)
    ).to_be_visible()
    accessible()
    page.get_by_label("Why does this finding need no more action?").fill(
        "Private patient, logged in the independent hospital's system"
    )
    page.get_by_role("button", name="Mark as explained").click()

    expect(page.get_by_text("The finding of episode H3 is marked explained.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?finding=outside_governance#finding-\d+$"))
    row = page.get_by_test_id("findings").locator("tbody tr")
    expect(row).to_contain_text("Private patient, logged in the independent hospital's system")
    expect(row).to_contain_text("Priya Shah")
    expect(page.get_by_test_id("explained-tabs")).to_contain_text("Explained (1)")
    accessible()


def test_the_page_of_a_run_shows_its_progress_then_its_findings_by_itself(
    page, sign_in, accessible, trust
):
    extract = trust["extract"]
    with extract.open("rb") as file:
        queued = services.reconciliation_start(
            organisation=trust["introduction"].organisation,
            file=file,
            actor=trust["lead"],
            background=False,  # waiting for a worker
        )
    sign_in("chair", PASSWORD)
    page.goto(f"/reconciliations/{queued.pk}/")
    expect(page.get_by_test_id("progress")).to_contain_text("Waiting to start")
    expect(page.get_by_test_id("run-status")).to_have_text("Queued")
    accessible()

    services.reconciliation_run(queued.pk)  # the worker's turn

    expect(page.get_by_test_id("findings").locator("tbody tr")).to_have_count(3)
    expect(page.get_by_test_id("run-status")).to_have_text("Done")
    expect(page.get_by_test_id("progress")).to_have_count(0)
    expect(page.locator("#run-announcement")).to_have_text(
        "The reconciliation is done: 3 findings to look at."
    )
    accessible()
