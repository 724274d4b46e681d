"""The list of an introduction's cases (SPEC.md section 4): cursor pages whose `next` links
walk every row once, page sizes, and the filters by coding, failure and follow-up."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.cases import api, services
from governance.cases.models import FOLLOW_UP, Case
from governance.http import CursorPages
from tests.factories import IntroductionFactory

from .conftest import INVALID, TODAY

pytestmark = pytest.mark.django_db


def cases_url(introduction) -> str:
    return f"/api/v1/introductions/{introduction.pk}/cases/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def newest_first(queryset) -> list[int]:
    return list(queryset.order_by("-performed_on", "-id").values_list("pk", flat=True))


def test_the_next_links_walk_every_case_once_newest_first(api_as, admin_user, live, log_case):
    for days_ago in (5, 3, 3, 3, 9, 0, 3, 1, 7, 3, 2):  # ties on a day are ordered by id
        log_case(days_ago=days_ago)
    client = api_as(admin_user)

    seen, url, pages = [], f"{cases_url(live)}?page_size=3", 0
    while url:
        page = client.get(url).json()
        assert set(page) == {"next", "previous", "results"}
        seen += [row["id"] for row in page["results"]]
        url, pages = page["next"], pages + 1

    assert seen == newest_first(Case.objects.all())
    assert pages == 4


def test_the_previous_link_leads_back(api_as, admin_user, live, log_case):
    for days_ago in range(5):
        log_case(days_ago=days_ago)
    client = api_as(admin_user)
    first = client.get(cases_url(live), {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    back = client.get(second["previous"]).json()

    assert first["previous"] is None
    assert [row["id"] for row in back["results"]] == [row["id"] for row in first["results"]]


def test_a_page_holds_50_cases_unless_page_size_says_otherwise_up_to_200(
    api_as, admin_user, live, log_case
):
    live_cases = [log_case(days_ago=i) for i in range(3)]
    client = api_as(admin_user)

    # The sizes themselves are the paginator's (200 rows would be slow to log one by one).
    assert (CursorPages.page_size, CursorPages.max_page_size) == (50, 200)
    assert len(ids(client.get(cases_url(live)))) == len(live_cases)
    assert len(ids(client.get(cases_url(live), {"page_size": 2}))) == 2
    assert client.get(cases_url(live), {"page_size": "lots"}).status_code == 400


def test_a_page_size_above_the_largest_is_refused_by_name(
    api_as, admin_user, live, log_case, monkeypatch
):
    monkeypatch.setattr(api.IntroductionCasesView.pagination_class, "max_page_size", 2)
    for days_ago in range(3):
        log_case(days_ago=days_ago)

    response = api_as(admin_user).get(cases_url(live), {"page_size": 500})

    assert response.status_code == 400
    assert response.json() == {"page_size": ["Give a whole number from 1 to 2."]}


def test_a_malformed_cursor_is_a_400_not_a_500(api_as, admin_user, live):
    response = api_as(admin_user).get(cases_url(live), {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


def test_only_the_introductions_own_cases_are_listed(api_as, applicant, live, log_case, ipg366):
    other = IntroductionFactory(status="approved", guidance__ruleset=ipg366)
    mine = log_case()
    log_case(introduction=other)

    assert ids(api_as(applicant).get(cases_url(live))) == [mine.pk]


# --- filters ---------------------------------------------------------------------------------


def test_the_coding_filter_finds_invalid_or_valid_cases(api_as, applicant, live, log_case):
    valid = log_case(days_ago=1)
    invalid = log_case(days_ago=2, codes=INVALID)
    client = api_as(applicant)

    assert ids(client.get(cases_url(live), {"coding": "invalid"})) == [invalid.pk]
    assert ids(client.get(cases_url(live), {"coding": "valid"})) == [valid.pk]


def test_the_failed_filter_finds_each_kind_of_failure(api_as, applicant, live, log_case):
    reoperated = log_case(days_ago=10, reoperation_on=TODAY - timedelta(days=1))
    device = log_case(days_ago=9, device_failure=True)
    complication = log_case(days_ago=8, major_complication=True)
    fine = log_case(days_ago=7)
    client = api_as(applicant)

    failed = ids(client.get(cases_url(live), {"failed": "true"}))
    not_failed = ids(client.get(cases_url(live), {"failed": "false"}))

    assert failed == [complication.pk, device.pk, reoperated.pk]
    assert not_failed == [fine.pk]
    for case_id in failed:
        assert Case.objects.get(pk=case_id).failed


def test_the_follow_up_filter_finds_cases_with_a_time_point_due_or_overdue(
    api_as, applicant, live, log_case
):
    new = log_case(days_ago=3)  # nothing due yet
    due = log_case(days_ago=42)  # 6 weeks due
    overdue = log_case(days_ago=70)  # 6 weeks overdue, 3 months not yet
    done = log_case(days_ago=43)  # 6 weeks due, but recorded
    services.outcome_record(case=done, actor=applicant, timepoint="6w", collected_on=TODAY)
    client = api_as(applicant)

    assert ids(client.get(cases_url(live), {"follow_up": "due"})) == [due.pk]
    assert ids(client.get(cases_url(live), {"follow_up": "overdue"})) == [overdue.pk]
    assert set(ids(client.get(cases_url(live)))) == {new.pk, due.pk, overdue.pk, done.pk}


def test_the_follow_up_filter_agrees_with_each_cases_follow_up(api_as, applicant, live, log_case):
    cases = [log_case(days_ago=days) for days in range(0, 800, 9)]
    services.outcome_record(case=cases[5], actor=applicant, timepoint="6w", collected_on=TODAY)
    client = api_as(applicant)

    for state in ("due", "overdue"):
        response = client.get(cases_url(live), {"follow_up": state, "page_size": 200})
        expected = [
            row["id"]
            for row in client.get(cases_url(live), {"page_size": 200}).json()["results"]
            if state in row["follow_up"].values()
        ]
        assert ids(response) == expected, state
        assert expected  # the spread of dates has some of each


def test_filters_combine(api_as, applicant, live, log_case):
    log_case(days_ago=42, codes=INVALID)
    wanted = log_case(days_ago=41, codes=INVALID, device_failure=True)
    log_case(days_ago=40, device_failure=True)

    response = api_as(applicant).get(
        cases_url(live), {"coding": "invalid", "failed": "true", "follow_up": "due"}
    )

    assert ids(response) == [wanted.pk]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("coding", "broken", "Use one of valid, invalid."),
        ("failed", "yes", "Use one of true, false."),
        ("follow_up", "soon", "Use one of due, overdue."),
        ("follow_up", "", "Use one of due, overdue."),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(
    api_as, applicant, live, name, value, message
):
    response = api_as(applicant).get(cases_url(live), {name: value})

    assert response.status_code == 400
    assert response.json() == {name: [message]}


# --- the follow-up windows, without a database -----------------------------------------------

days = st.dates(min_value=date(1995, 1, 1), max_value=date(2060, 12, 31))


@given(performed_on=days, today=days, timepoint=st.sampled_from(list(FOLLOW_UP)))
def test_a_follow_up_window_holds_exactly_the_dates_on_which_follow_up_says_so(
    performed_on, today, timepoint
):
    state = services.follow_up(SimpleNamespace(performed_on=performed_on), today=today, done=[])
    for wanted in services.FOLLOW_UP_FILTERS:
        first, last = services.follow_up_window(timepoint, wanted, today)
        inside = (first is None or first <= performed_on) and performed_on <= last
        assert inside == (state[timepoint] == wanted), (wanted, first, last)
