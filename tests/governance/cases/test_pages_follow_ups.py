"""The clinician's follow-ups due and overdue: the database filter, the page, the home page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse

from governance.cases import services, views
from governance.cases.models import Case
from governance.home.sections import follow_ups
from tests.factories import IntroductionFactory

from .conftest import TODAY
from .pages import url

pytestmark = pytest.mark.django_db


def record(case, actor, timepoint, **values):
    values.setdefault("collected_on", TODAY)
    return services.outcome_record(case=case, actor=actor, timepoint=timepoint, **values)


def test_the_database_filters_agree_with_follow_up_on_every_day_around_each_window(
    log_case, applicant
):
    # Dates of procedure at month ends (where adding months stands still) and around them;
    # some cases with outcomes recorded. Every third day of two years and a bit is asked, for
    # each state and for the pages' "due or overdue".
    cases = []
    for performed_on in (date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 30),
                         date(2024, 3, 31), date(2024, 8, 31), date(2024, 11, 15)):  # fmt: skip
        cases.append(log_case(performed_on=performed_on))
    record(cases[0], applicant, "6w", collected_on=date(2024, 3, 20))
    record(cases[2], applicant, "3m", collected_on=date(2024, 7, 1))
    done = {case.pk: set(case.outcomes.values_list("timepoint", flat=True)) for case in cases}
    queryset = Case.objects.filter(pk__in=[case.pk for case in cases])

    for offset in range(0, 800, 3):
        today = date(2024, 1, 1) + timedelta(days=offset)
        states = {
            case.pk: set(services.follow_up(case, today=today, done=done[case.pk]).values())
            for case in cases
        }
        filters = {
            "due": services.follow_up_filter("due", today),
            "overdue": services.follow_up_filter("overdue", today),
            "pending": views.follow_up_pending(today),
        }
        for name, condition in filters.items():
            wanted = {"due", "overdue"} if name == "pending" else {name}
            expected = {pk for pk, found in states.items() if found & wanted}
            found = set(queryset.filter(condition).values_list("pk", flat=True))
            assert found == expected, (today, name)


def test_the_follow_ups_page_lists_the_clinicians_follow_ups_overdue_first(
    client, applicant, clinician, log_case
):
    overdue = log_case(days_ago=60, local_reference="H-OVERDUE")  # 6 weeks overdue
    due = log_case(days_ago=42)  # 6 weeks due
    log_case(days_ago=10)  # nothing due yet
    done = log_case(days_ago=43)
    record(done, applicant, "6w")
    theirs = log_case(days_ago=42, actor=clinician)  # logged and operated by someone else
    operated = log_case(days_ago=41, actor=clinician, operator=applicant)  # but operated by me
    client.force_login(applicant)

    response = client.get(url("follow_ups"))

    listed = [(row.case.pk, row.timepoint, row.overdue) for row in response.context["rows"]]
    assert listed[0] == (overdue.pk, "6w", True)
    assert {pk for pk, _, _ in listed} == {overdue.pk, due.pk, operated.pk}
    assert theirs.pk not in {pk for pk, _, _ in listed}
    assert "1 overdue and 2 due" in response.text
    assert f"/cases/{due.pk}/outcomes/new/?timepoint=6w" in response.text


def test_the_follow_ups_page_leaves_out_another_trusts_cases(client, other_org_lead, log_case):
    log_case(days_ago=60)
    client.force_login(other_org_lead)

    response = client.get(url("follow_ups"))

    assert response.context["rows"] == []
    assert "No follow-up is due" in response.text


def test_a_follow_up_link_opens_the_outcome_form_at_its_time_point(client, applicant, log_case):
    case = log_case(days_ago=200)  # 6 months due; 6 weeks and 3 months overdue
    client.force_login(applicant)

    response = client.get(url("outcome_new", case.pk), {"timepoint": "6w"})

    assert response.context["form"].initial["timepoint"] == "6w"


def test_the_home_page_counts_the_follow_ups_in_one_query(
    applicant, log_case, django_assert_num_queries
):
    log_case(days_ago=60)
    log_case(days_ago=61)
    log_case(days_ago=42)
    request = RequestFactory().get("/")
    request.user = applicant
    follow_ups(request)  # the user's roles and organisations are read once, then kept

    with django_assert_num_queries(1):
        section = follow_ups(request)

    assert [item["label"] for item in section.items] == [
        "2 cases with a follow-up overdue",
        "1 case with a follow-up due",
    ]


def test_the_home_page_shows_the_follow_ups_section_to_clinicians(client, applicant, log_case):
    log_case(days_ago=60)
    client.force_login(applicant)

    html = client.get("/").text

    section = html.split(">Follow-ups</h2>")[1].split("</section>")[0]
    assert "1 case with a follow-up overdue" in section
    assert reverse("governance:follow_ups") in section


def test_an_administrator_has_no_follow_ups(client, admin_user):
    client.force_login(admin_user)

    assert ">Follow-ups</h2>" not in client.get("/").text
    labels = [item["label"] for item in client.get("/").context["navigation"]]
    assert "Follow-ups" not in labels


def test_follow_ups_of_cases_under_any_introduction_are_listed(client, applicant, log_case, ipg366):
    other = IntroductionFactory(status="adopted", applicant=applicant, guidance__ruleset=ipg366)
    log_case(days_ago=60)
    log_case(days_ago=60, introduction=other)
    client.force_login(applicant)

    response = client.get(url("follow_ups"))

    assert {row.case.introduction_id for row in response.context["rows"]} == {
        other.pk,
        Case.objects.exclude(introduction=other).get().introduction_id,
    }
