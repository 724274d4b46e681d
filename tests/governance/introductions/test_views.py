"""The introduction pages: the list, the application (start, task list, sections), the page."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.introductions import services
from governance.models import Introduction, Transition
from tests.factories import (
    ConditionFactory,
    DeviceFactory,
    GuidanceFactory,
    IntroductionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def section_url(introduction, section: str) -> str:
    return reverse("governance:introduction_section", args=[introduction.pk, section])


def detail_url(introduction) -> str:
    return reverse("governance:introduction_detail", args=[introduction.pk])


# --- the list ----------------------------------------------------------------------------


def test_the_list_shows_the_organisations_introductions_and_no_other(
    client, applicant, make_introduction, other_org_lead
):
    ours = make_introduction(title="Dynamic stabilisation at our trust")
    IntroductionFactory(
        title="Their stabilisation", organisation=other_org_lead.organisations.get()
    )
    client.force_login(applicant)

    response = client.get(reverse("governance:introduction_list"))

    assert response.status_code == 200
    assert ours.title in response.text
    assert "Their stabilisation" not in response.text


def test_the_list_filters_by_status(client, lead, make_introduction):
    make_introduction("submitted", title="Waiting for review")
    make_introduction("draft", title="Still a draft")
    client.force_login(lead)

    response = client.get(reverse("governance:introduction_list"), {"status": "submitted"})

    assert "Waiting for review" in response.text
    assert "Still a draft" not in response.text
    assert "1 introduction with the status submitted" in response.text


def test_the_list_answers_htmx_with_the_results_alone(client, lead, make_introduction):
    make_introduction("submitted", title="Waiting for review")
    client.force_login(lead)

    response = client.get(
        reverse("governance:introduction_list"), {"status": "submitted"}, HTTP_HX_REQUEST="true"
    )

    assert "Waiting for review" in response.text
    assert "<html" not in response.text


def test_the_list_refuses_a_user_without_a_role(client, outsider):
    client.force_login(outsider)

    response = client.get(reverse("governance:introduction_list"))

    assert response.status_code == 403
    assert "You need a role" in response.text


def test_the_lists_queries_do_not_grow_with_its_rows(
    client, lead, make_introduction, django_assert_max_num_queries
):
    make_introduction("submitted")
    client.force_login(lead)
    url = reverse("governance:introduction_list")
    client.get(url)  # the session and the role caches warm up
    with CaptureQueriesContext(connection) as one_row:
        client.get(url)
    for _ in range(9):
        make_introduction("submitted", applicant=UserFactory())

    with django_assert_max_num_queries(len(one_row)):
        response = client.get(url)

    assert response.text.count('<tr class="nhsuk-table__row" role="row">') == 1 + 10


# --- starting an application -------------------------------------------------------------


def test_a_clinician_starts_a_draft_and_lands_on_its_task_list(client, applicant, organisation):
    guidance = GuidanceFactory(reference="IPG366")
    client.force_login(applicant)

    response = client.post(
        reverse("governance:introduction_create"),
        {"guidance": guidance.pk, "title": "Dynamic stabilisation", "department": "Spine"},
    )

    introduction = Introduction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("governance:introduction_edit", args=[introduction.pk])
    assert introduction.status == "draft"
    assert introduction.applicant == applicant
    assert introduction.organisation == organisation
    assert introduction.department == "Spine"
    assert introduction.history.get().history_user == applicant


def test_the_start_form_reports_each_missing_answer_linked_to_its_field(client, applicant):
    client.force_login(applicant)

    response = client.post(reverse("governance:introduction_create"), {"title": ""})

    assert response.status_code == 200
    assert '<a href="#id_guidance">Choose the NICE guidance that covers the procedure</a>' in (
        response.text
    )
    assert '<a href="#id_title">Enter the name of the procedure</a>' in response.text
    assert not Introduction.objects.exists()


def test_an_administrator_cannot_apply(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("governance:introduction_create"))

    assert response.status_code == 403
    assert "Only a clinician or governance lead may apply" in response.text


def test_a_member_of_two_organisations_chooses_where_to_apply(
    client, applicant, other_organisation
):
    other_organisation.members.add(applicant)
    guidance = GuidanceFactory()
    client.force_login(applicant)

    response = client.post(
        reverse("governance:introduction_create"),
        {"organisation": other_organisation.pk, "guidance": guidance.pk, "title": "Stabilisation"},
    )

    assert response.status_code == 302
    assert Introduction.objects.get().organisation == other_organisation


# --- the task list and its sections ------------------------------------------------------


def test_the_task_list_says_which_sections_are_complete(client, applicant, make_introduction):
    introduction = make_introduction(
        rationale="", first_review_after_cases=None, planned_start=date(2027, 3, 1)
    )
    client.force_login(applicant)

    response = client.get(reverse("governance:introduction_edit", args=[introduction.pk]))

    statuses = {
        section: response.text.split(f'id="task-{section}-status">')[1].split("</strong>")[0]
        for section in ("case", "monitoring", "start", "devices")
    }
    assert statuses["case"].endswith("Incomplete")
    assert statuses["monitoring"].endswith("Incomplete")
    assert statuses["start"].endswith("Completed")
    assert statuses["devices"].endswith("Optional")
    assert "Submit application" in response.text
    page = html.unescape(response.text)
    before_approval = page.split('data-testid="before-approval"')[1].split("</div>")[0]
    assert [line.strip() for line in re.findall(r"<li>(.*?)</li>", before_approval)] == [
        "Rationale and patient selection is complete",
        "Monitoring plan is complete",
        "Equality impact assessment is completed and signed off by a governance lead",
        "Sustainability assessment is completed and signed off by a governance lead",
    ]


def test_the_task_list_names_the_assessments_approval_needs_and_who_signs_them_off(
    client, applicant, make_introduction
):
    introduction = make_introduction()
    client.force_login(applicant)

    response = client.get(reverse("governance:introduction_edit", args=[introduction.pk]))

    page = html.unescape(response.text)
    assert "signed off by a governance lead who is not you" in page
    equality = page.split('data-testid="assessment-equality"')[1].split("</li>")[0]
    assert "Equality impact assessment" in equality
    assert "Next: fill it in" in equality
    assert "Not started" in equality
    edit = reverse("governance:equality_assessment_edit", args=[introduction.pk])
    assert f'href="{edit}"' in equality


def test_saving_a_section_keeps_the_draft_and_returns_to_the_task_list(
    client, applicant, make_introduction
):
    introduction = make_introduction(first_review_after_cases=None, cusum_p0=None)
    client.force_login(applicant)

    response = client.post(
        section_url(introduction, "monitoring"),
        {
            "first_review_after_cases": "5",
            "review_interval_months": "6",
            "cusum_p0": "0.11",
            "cusum_p1": "0.22",
            "cusum_h": "4",
        },
    )

    introduction.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("governance:introduction_edit", args=[introduction.pk])
    assert (introduction.first_review_after_cases, introduction.cusum_p0) == (5, 0.11)
    assert introduction.status == "draft"
    assert introduction.history.first().history_change_reason == "Application edited"


def test_a_services_validation_error_lands_on_its_field_and_keeps_what_was_typed(
    client, applicant, make_introduction
):
    introduction = make_introduction(cusum_p0=0.1, cusum_p1=0.2)
    client.force_login(applicant)

    response = client.post(
        section_url(introduction, "monitoring"),
        {
            "first_review_after_cases": "5",
            "review_interval_months": "6",
            "cusum_p0": "0.3",
            "cusum_p1": "0.2",
            "cusum_h": "4",
        },
    )

    introduction.refresh_from_db()
    assert response.status_code == 200
    assert '<a href="#id_cusum_p1">' in response.text
    assert 'id="id_cusum_p1-error"' in response.text
    assert 'value="0.3"' in response.text
    assert introduction.cusum_p0 == 0.1


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2027", "Planned start date must be a real date"),
        ("1", "", "2027", "Planned start date must include a month"),
        ("1", "3", "27", "Year must include 4 numbers"),
    ],
)
def test_the_planned_start_is_checked_as_an_nhs_date_input(
    client, applicant, make_introduction, day, month, year, message
):
    introduction = make_introduction()
    client.force_login(applicant)

    response = client.post(
        section_url(introduction, "start"),
        {"planned_start_day": day, "planned_start_month": month, "planned_start_year": year},
    )

    assert response.status_code == 200
    assert f'<a href="#id_planned_start">{message}</a>' in response.text
    assert f'name="planned_start_day" value="{day}"' in response.text


def test_a_planned_start_date_is_saved(client, applicant, make_introduction):
    introduction = make_introduction()
    client.force_login(applicant)

    client.post(
        section_url(introduction, "start"),
        {"planned_start_day": "15", "planned_start_month": "3", "planned_start_year": "2027"},
    )

    introduction.refresh_from_db()
    assert introduction.planned_start == date(2027, 3, 15)


def test_devices_are_chosen_with_checkboxes(client, applicant, make_introduction):
    introduction = make_introduction()
    chosen, _other = DeviceFactory(name="Dynesys"), DeviceFactory(name="Other")
    client.force_login(applicant)

    client.post(section_url(introduction, "devices"), {"devices": [chosen.pk]})

    assert list(introduction.devices.all()) == [chosen]


def test_another_clinician_cannot_change_the_application(client, clinician, make_introduction):
    introduction = make_introduction("changes_requested")
    client.force_login(clinician)

    response = client.post(section_url(introduction, "case"), {"rationale": "Mine now"})

    introduction.refresh_from_db()
    assert response.status_code == 403
    assert "Only the applicant may change this introduction." in response.text
    assert introduction.rationale != "Mine now"


def test_a_submitted_application_cannot_be_changed(client, applicant, make_introduction):
    introduction = make_introduction("submitted")
    client.force_login(applicant)

    response = client.get(reverse("governance:introduction_edit", args=[introduction.pk]))

    assert response.status_code == 403
    assert "this one is submitted" in response.text


def test_an_unknown_section_is_not_found(client, applicant, make_introduction):
    introduction = make_introduction()
    client.force_login(applicant)

    assert client.get(section_url(introduction, "nonsense")).status_code == 404


# --- the introduction page ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["introduction_detail", "introduction_edit", "introduction_section", "introduction_action"],
)
def test_another_organisations_introduction_is_not_found(
    client, other_org_lead, make_introduction, url_name
):
    introduction = make_introduction("submitted")
    client.force_login(other_org_lead)
    args = {
        "introduction_section": [introduction.pk, "case"],
        "introduction_action": [introduction.pk, "start_review"],
    }.get(url_name, [introduction.pk])

    response = client.get(reverse(f"governance:{url_name}", args=args))

    assert response.status_code == 404


def test_the_page_shows_the_application_and_its_status_timeline(
    client, applicant, lead, make_introduction
):
    introduction = make_introduction("submitted", title="Dynamic stabilisation")
    services.introduction_transition(
        introduction=introduction, action="start_review", actor=lead, reason="On the agenda"
    )
    client.force_login(applicant)

    response = client.get(detail_url(introduction))

    assert response.status_code == 200
    timeline = response.text.split('data-testid="timeline"')[1]
    assert "Start review" in timeline
    assert "On the agenda" in timeline
    assert "Submitted to Under review" in timeline
    assert "Under review" in response.text.split('data-testid="status"')[1][:200]
    assert introduction.rationale in response.text


def test_the_page_shows_conditions_and_reviews_with_what_a_lead_may_do(
    client, other_lead, approved
):
    ConditionFactory(introduction=approved, text="A mentor attends the first 5 cases")
    client.force_login(other_lead)

    response = client.get(detail_url(approved))

    conditions = response.text.split('data-testid="conditions"')[1]
    assert "A mentor attends the first 5 cases" in conditions
    assert "Mark as met" in conditions
    reviews = response.text.split('data-testid="reviews"')[1]
    assert "Review after the first 5 cases" in reviews
    assert "Complete review" in reviews


def test_the_applicant_sees_conditions_but_cannot_mark_them_met(client, applicant, approved):
    ConditionFactory(introduction=approved, text="A mentor attends the first 5 cases")
    client.force_login(applicant)

    response = client.get(detail_url(approved))

    assert "A mentor attends the first 5 cases" in response.text
    assert "Mark as met" not in response.text
    assert "Complete review" not in response.text


def test_the_pages_queries_do_not_grow_with_its_history(
    client, lead, make_introduction, django_assert_max_num_queries
):
    introduction = make_introduction("submitted")
    client.force_login(lead)
    client.get(detail_url(introduction))
    with CaptureQueriesContext(connection) as short:
        client.get(detail_url(introduction))
    applicant = introduction.applicant
    for _ in range(5):
        services.introduction_transition(
            introduction=introduction, action="start_review", actor=lead
        )
        services.introduction_transition(
            introduction=introduction, action="request_changes", actor=lead, reason="More"
        )
        services.introduction_transition(
            introduction=introduction, action="resubmit", actor=applicant, reason="Done"
        )

    with django_assert_max_num_queries(len(short)):
        response = client.get(detail_url(introduction))

    assert Transition.objects.filter(introduction=introduction).count() == 15
    assert response.text.count("Request changes") >= 5


def test_a_superuser_administrator_is_shown_no_link_the_services_would_refuse(
    client, admin_user, make_introduction
):
    admin_user.is_superuser = True
    admin_user.save()
    introduction = make_introduction("approved")
    client.force_login(admin_user)

    page = html.unescape(
        client.get(reverse("governance:introduction_detail", args=[introduction.pk])).text
    )

    assert "Your application is a draft" not in page
    assert "Continue your application" not in page
    assert "/edit/" not in page
    assert ">Change the" not in page
    for url in set(re.findall(r'href="(/introductions/[^"#?]*)', page)):
        assert client.get(url).status_code != 403, url


def test_a_draft_is_its_applicants_own_until_submitted(
    client, applicant, clinician, lead, admin_user, make_introduction
):
    draft = make_introduction(title="Not yet ready")
    submitted = make_introduction("submitted", title="Ready for review")
    client.force_login(applicant)
    own = client.get(reverse("governance:introduction_detail", args=[draft.pk]))
    assert "only you can see it until you submit it" in html.unescape(own.text)

    for user in (clinician, lead, admin_user):
        client.force_login(user)
        listed = html.unescape(client.get(reverse("governance:introduction_list")).text)
        opened = client.get(reverse("governance:introduction_detail", args=[draft.pk]))

        assert "Ready for review" in listed
        assert "Not yet ready" not in listed
        assert opened.status_code == 404
    assert submitted.pk


def test_failure_rates_may_be_given_as_percentages(client, applicant, make_introduction):
    introduction = make_introduction(cusum_p0=None, cusum_p1=None)
    client.force_login(applicant)

    response = client.post(
        section_url(introduction, "monitoring"),
        {
            "first_review_after_cases": "5",
            "review_interval_months": "6",
            "cusum_p0": "10%",
            "cusum_p1": " 22.5 % ",
            "cusum_h": "4",
        },
    )

    introduction.refresh_from_db()
    assert response.status_code == 302
    assert (introduction.cusum_p0, introduction.cusum_p1) == (0.1, 0.225)


def test_the_monitoring_plan_says_what_the_alarm_threshold_means(client, lead, make_introduction):
    introduction = make_introduction("submitted", cusum_h=3.5)
    client.force_login(lead)

    page = html.unescape(
        client.get(reverse("governance:introduction_detail", args=[introduction.pk])).text
    )

    row = page.split("Alarm threshold (h)")[1].split("</dd>")[0]
    assert "3.5" in row
    assert "the leads are alerted when it reaches this threshold" in row
