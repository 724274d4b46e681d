"""In a real browser, on the demo data, each as the person would meet it: the clinician's task
list names the assessments approval needs; the administrator (a superuser) on an approved
introduction is told nothing untrue and offered no link that refuses; another clinician's draft
is nobody else's to open; the service status reads as sentences; failure rates are taken as
percentages; a lead who cannot adopt yet is told what adopting means; an answer an assessment
still needs opens its question; the coding check has a way back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from governance.assessments.services import equality_assessment_save
from governance.models import Introduction
from tests.e2e.conftest import describe, sign_in_on

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "what-is-next"


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", password=PASSWORD, stdout=None)
    return {i.status: i for i in Introduction.objects.select_related("applicant")}


@pytest.fixture
def as_user(page):
    def sign_in(username: str):
        sign_in_on(page, username, PASSWORD)
        return page

    return sign_in


@pytest.fixture
def accessible(axe_violations):
    def check() -> None:
        violations = axe_violations()
        assert violations == [], describe(violations)

    return check


def test_the_clinicians_task_list_names_the_assessments_approval_needs(demo, as_user, accessible):
    introduction = demo["changes_requested"]
    page = as_user(introduction.applicant.username)

    page.goto(f"/introductions/{introduction.pk}/edit/")

    assessments = page.locator("#assessments").locator("xpath=..")
    expect(assessments).to_contain_text("signed off by a governance lead who is not you")
    expect(page.get_by_test_id("assessment-equality")).to_contain_text("Not started")
    before = page.get_by_test_id("before-approval")
    expect(before).to_contain_text("Equality impact assessment is completed and signed off")
    expect(before).to_contain_text("Sustainability assessment is completed and signed off")
    accessible()
    page.get_by_test_id("assessment-equality").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Equality impact assessment", level=1)).to_be_visible()


def test_the_administrator_is_told_nothing_untrue_and_offered_no_link_that_refuses(demo, as_user):
    approved = demo["approved"]
    page = as_user("admin")  # a superuser in the demo

    page.goto(f"/introductions/{approved.pk}/")

    expect(page.get_by_test_id("status")).to_contain_text("Approved")
    expect(page.get_by_text("Your application is a draft")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"^Change the"))).to_have_count(0)
    links = page.eval_on_selector_all(
        "main a[href^='/introductions/']", "links => links.map(a => a.getAttribute('href'))"
    )
    assert links
    for href in set(links):
        answer = page.request.get(href.split("#")[0], max_redirects=0)
        assert answer.status != 403, href


def test_a_draft_is_its_applicants_own(demo, as_user):
    draft = demo["draft"]
    others = {"clinician", "clinician2"} - {draft.applicant.username}
    page = as_user(others.pop())

    page.goto("/introductions/")

    expect(page.get_by_role("heading", name="Introductions", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=draft.title)).to_have_count(0)
    assert page.goto(f"/introductions/{draft.pk}/").status == 404


def test_the_service_status_reads_as_sentences(demo, as_user, accessible):
    page = as_user("lead")

    page.get_by_role("link", name="Service status").click()

    expect(page.get_by_role("heading", name="Service status", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("The database answers")
    expect(page.locator("main")).not_to_contain_text("worker_heartbeat")
    accessible()


def test_failure_rates_are_taken_as_percentages(demo, as_user):
    introduction = demo["changes_requested"]
    page = as_user(introduction.applicant.username)
    page.goto(f"/introductions/{introduction.pk}/edit/monitoring/")

    page.get_by_label("Acceptable failure rate (CUSUM p0)").fill("10%")
    page.get_by_label("Unacceptable failure rate (CUSUM p1)").fill("25 %")
    page.get_by_role("button", name=re.compile("Save")).click()

    expect(page.get_by_test_id("task-list")).to_be_visible()
    introduction.refresh_from_db()
    assert (introduction.cusum_p0, introduction.cusum_p1) == (0.1, 0.25)


def test_a_lead_who_cannot_adopt_yet_is_told_what_adopting_means(demo, as_user, accessible):
    approved = demo["approved"]
    page = as_user("lead2" if approved.applicant.username == "lead" else "lead")

    page.goto(f"/introductions/{approved.pk}/")

    blocked = page.get_by_test_id("blocked-adopt")
    expect(blocked).to_contain_text("You cannot adopt this yet")
    expect(blocked).to_contain_text("Adopting moves the procedure into routine practice")
    expect(page.locator("main")).to_contain_text("the leads are alerted when it reaches")
    accessible()


def test_an_answer_still_needed_opens_its_question_and_a_late_action_is_overdue(
    demo, as_user, accessible
):
    introduction = demo["submitted"]
    due = timezone.localdate() - timedelta(days=7)
    equality_assessment_save(
        introduction=introduction,
        actor=introduction.applicant,
        data={
            "sex_evidence": "",
            "race_impact": "unknown",
            "race_action": "Audit the ethnicity of the patients offered the procedure",
            "race_action_owner": "Spinal audit lead",
            "race_action_due": due,
        },
    )
    page = as_user(introduction.applicant.username)
    page.goto(f"/introductions/{introduction.pk}/assessments/")

    expect(page.get_by_test_id("impact-race").get_by_test_id("action-overdue")).to_be_visible()
    accessible()
    page.get_by_role("link", name="The evidence about sex").click()

    expect(page.get_by_role("heading", name="Sex", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/parts/sex/#id_sex_evidence$"))


def test_the_coding_check_has_a_way_back_and_names_rules_quietly(demo, as_user, accessible):
    page = as_user("clinician")
    page.get_by_role("link", name="Check coding").first.click()
    expect(page.get_by_role("heading", name="Check coding", level=1)).to_be_visible()

    page.get_by_label("OPCS-4 codes").fill("V40.1 Z67.6")
    page.get_by_role("button", name="Check coding").click()

    issue = page.locator('[data-rule="levels-missing"]').first
    expect(issue).to_have_text("(rule levels-missing)")
    expect(page.locator(".nhsuk-breadcrumb")).to_be_attached()
    accessible()
