"""The case list, the case page and the introduction page run the same number of queries with
2 cases as with 30."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.cases import services

from .conftest import INVALID, TODAY, VALID
from .pages import url

pytestmark = pytest.mark.django_db


def log_many(log_case, applicant, first: int, last: int) -> None:
    """Cases `first`..`last` weeks ago, every third with faulty coding, every fifth a failure,
    every other with a baseline outcome."""
    for days in range(first, last):
        case = log_case(
            days_ago=days * 7,
            codes=INVALID if days % 3 == 0 else VALID,
            major_complication=days % 5 == 0,
        )
        if days % 2:
            services.outcome_record(
                case=case,
                actor=applicant,
                timepoint="baseline",
                collected_on=case.performed_on - timedelta(days=1),
                odi=50,
            )


def queries(client, path: str) -> int:
    client.get(path)  # the session, the roles, the coding catalogue's and monitoring's caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["applicant", "lead"])
@pytest.mark.parametrize(
    "page",
    ["case_list", "case_list_filtered", "case_detail", "introduction", "monitoring", "home"],
)
def test_the_queries_of_a_page_do_not_grow_with_the_cases(
    client, request, applicant, log_case, live, persona, page, django_assert_num_queries
):
    log_many(log_case, applicant, 1, 3)
    case = log_case(days_ago=100, codes=INVALID)
    services.outcome_record(case=case, actor=applicant, timepoint="6w", collected_on=TODAY)
    path = {
        "case_list": url("case_list", live.pk),
        "case_list_filtered": url("case_list", live.pk) + "?show=follow_up",
        "case_detail": url("case_detail", case.pk),
        "introduction": reverse("governance:introduction_detail", args=[live.pk]),
        "monitoring": reverse("governance:monitoring", args=[live.pk]),
        "home": "/",
    }[page]
    client.force_login(request.getfixturevalue(persona))
    with_few = queries(client, path)

    log_many(log_case, applicant, 3, 31)
    client.get(path)  # as for the few: the monitoring of the cases now, cached

    with django_assert_num_queries(with_few):
        assert client.get(path).status_code == 200
