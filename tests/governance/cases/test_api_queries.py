"""The cases API costs the same queries for 2 cases as for 30: the list, a case and the
monitoring of an introduction (each case with outcomes, a device, invalid coding, a mentor
condition to check: everything its representation reads)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.cases import services
from tests.factories import ConditionFactory

from .conftest import INVALID, TODAY, VALID

pytestmark = pytest.mark.django_db


@pytest.fixture
def grow(live, lead, applicant, device, log_case) -> Callable[[int], None]:
    """`grow(n)`: n more cases, a mix of everything a case shows."""
    ConditionFactory(introduction=live, text="A mentor attends the first 3 cases.")
    services.operator_add(
        introduction=live, user=lead, evidence="Course", approved_on=TODAY, actor=lead
    )

    def more(n: int) -> None:
        for i in range(n):
            case = log_case(
                days_ago=40 + i,
                codes=INVALID if i % 3 == 0 else VALID,
                device=device if i % 2 else None,
                operator=lead if i % 4 == 0 else None,
                major_complication=i % 5 == 0,
            )
            services.outcome_record(
                case=case, actor=applicant, timepoint="baseline", collected_on=TODAY, odi=40
            )
            if i % 2 == 0:  # the others have their 6 weeks follow-up due
                services.outcome_record(
                    case=case, actor=applicant, timepoint="6w", collected_on=TODAY, odi=20
                )

    return more


@pytest.fixture
def fresh_client(api_as, applicant) -> Callable[[], object]:
    """A client as the applicant, read afresh, so that nothing cached on the user from an
    earlier request hides a query."""

    def client():
        return api_as(get_user_model().objects.get(pk=applicant.pk))

    return client


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(captured)


def test_the_case_list_costs_the_same_for_2_or_30_cases(
    grow, live, fresh_client, django_assert_num_queries
):
    url = f"/api/v1/introductions/{live.pk}/cases/"
    grow(2)
    few = queries(fresh_client(), url)
    grow(28)

    client = fresh_client()
    with django_assert_num_queries(few):
        response = client.get(url)

    assert len(response.json()["results"]) == 30
    assert few <= 10


def test_the_filtered_list_costs_the_same_for_2_or_30_cases(
    grow, live, fresh_client, django_assert_num_queries
):
    url = f"/api/v1/introductions/{live.pk}/cases/?follow_up=due&coding=valid&failed=false"
    grow(2)
    few = queries(fresh_client(), url)
    grow(28)

    client = fresh_client()
    with django_assert_num_queries(few):
        response = client.get(url)

    assert len(response.json()["results"]) > 1


def test_a_case_costs_the_same_among_2_or_30_cases(
    grow, live, fresh_client, django_assert_num_queries
):
    grow(2)
    url = f"/api/v1/cases/{live.cases.order_by('id').first().pk}/"
    few = queries(fresh_client(), url)
    grow(28)

    client = fresh_client()
    with django_assert_num_queries(few):
        client.get(url)

    assert few <= 10


def test_the_monitoring_costs_the_same_for_2_or_30_cases(
    grow, live, fresh_client, django_assert_num_queries
):
    url = f"/api/v1/introductions/{live.pk}/monitoring/"
    grow(2)
    few = queries(fresh_client(), url)
    grow(28)

    client = fresh_client()
    with django_assert_num_queries(few):
        response = client.get(url)

    assert response.json()["cases"] == 30
    assert few <= 8
