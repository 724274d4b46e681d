"""GET /api/v1/introductions/{id}/monitoring/ (SPEC.md section 5): the CUSUM and VLAD in date
order, the signal, the PROM summary and the reviews due; 200 with nulls without a plan."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from rest_framework.renderers import JSONRenderer

from governance.cases import services
from governance.cases.serializers import MonitoringReportSerializer
from tests.factories import ReviewFactory

from .conftest import TODAY

pytestmark = pytest.mark.django_db

# `live` is monitored with p0 = 0.1, p1 = 0.2 and h = 1; these are the weights.
FAIL, OK = math.log(0.2 / 0.1), math.log(0.8 / 0.9)


def monitoring_url(introduction) -> str:
    return f"/api/v1/introductions/{introduction.pk}/monitoring/"


def test_the_cusum_and_vlad_follow_the_cases_in_date_order_ties_by_id(
    api_as, admin_user, live, log_case
):
    later = log_case(days_ago=1, device_failure=True)
    first = log_case(days_ago=5, major_complication=True)
    same_day = log_case(days_ago=5)

    response = api_as(admin_user).get(monitoring_url(live))

    assert response.status_code == 200
    data = response.json()
    assert (data["p0"], data["p1"], data["h"]) == (0.1, 0.2, 1.0)
    assert (data["cases"], data["failures"]) == (3, 2)
    assert [(p["case"], p["performed_on"], p["failed"]) for p in data["cusum"]] == [
        (first.pk, (TODAY - timedelta(days=5)).isoformat(), True),
        (same_day.pk, (TODAY - timedelta(days=5)).isoformat(), False),
        (later.pk, (TODAY - timedelta(days=1)).isoformat(), True),
    ]
    assert [round(p["s"], 6) for p in data["cusum"]] == [
        round(FAIL, 6),
        round(FAIL + OK, 6),
        round(FAIL + OK + FAIL, 6),
    ]
    assert [(p["case"], round(p["value"], 6)) for p in data["vlad"]] == [
        (first.pk, -0.9),
        (same_day.pk, -0.8),
        (later.pk, -1.7),
    ]
    # h = 1: s = 0.693, 0.575, then 1.269 at the third case.
    assert (data["signal"], data["signal_at_case"]) == (True, later.pk)


def test_no_signal_while_s_stays_below_h(api_as, lead, live, log_case):
    log_case(days_ago=2)
    log_case(days_ago=1, device_failure=True)

    data = api_as(lead).get(monitoring_url(live)).json()

    assert (data["signal"], data["signal_at_case"]) == (False, None)


def test_the_prom_summary_compares_baseline_with_each_patients_latest_odi(
    api_as, applicant, live, log_case
):
    case = log_case(days_ago=100)
    for timepoint, odi, days_ago in (("baseline", 50, 101), ("6w", 40, 50), ("3m", 30, 5)):
        services.outcome_record(
            case=case,
            actor=applicant,
            timepoint=timepoint,
            odi=odi,
            collected_on=TODAY - timedelta(days=days_ago),
        )

    data = api_as(applicant).get(monitoring_url(live)).json()

    assert data["prom"] == {
        "patients": 1,
        "mean_odi_change": -20.0,
        "share_odi_improved_30": 1.0,
    }


def test_the_reviews_due_are_the_scheduled_ones_whose_date_has_come(api_as, lead, live, log_case):
    overdue = ReviewFactory(introduction=live, due_on=TODAY - timedelta(days=40))
    due = ReviewFactory(introduction=live, due_on=TODAY, kind="first_cases")
    ReviewFactory(introduction=live, due_on=TODAY + timedelta(days=1))  # not yet
    ReviewFactory(introduction=live, due_on=TODAY - timedelta(days=3), status="completed")
    ReviewFactory(due_on=TODAY)  # another introduction's

    data = api_as(lead).get(monitoring_url(live)).json()

    assert data["reviews_due"] == [
        {
            "id": overdue.pk,
            "kind": "periodic",
            "due_on": (TODAY - timedelta(days=40)).isoformat(),
            "overdue": True,
        },
        {"id": due.pk, "kind": "first_cases", "due_on": TODAY.isoformat(), "overdue": False},
    ]


def test_without_a_monitoring_plan_it_answers_200_with_nulls_and_empty_series(
    api_as, lead, live, log_case
):
    live.cusum_p0 = live.cusum_p1 = live.cusum_h = None
    live.save()
    log_case(days_ago=1, device_failure=True)
    log_case()

    response = api_as(lead).get(monitoring_url(live))

    assert response.status_code == 200
    assert response.json() == {
        "p0": None,
        "p1": None,
        "h": None,
        "cases": 2,
        "failures": 1,
        "cusum": [],
        "signal": None,
        "signal_at_case": None,
        "vlad": [],
        "reviews_due": [],
        "prom": {"patients": 0, "mean_odi_change": None, "share_odi_improved_30": None},
    }


def test_an_introduction_without_cases_is_monitored_with_empty_series(api_as, lead, live):
    data = api_as(lead).get(monitoring_url(live)).json()

    assert (data["cases"], data["failures"], data["cusum"], data["vlad"]) == (0, 0, [], [])
    assert (data["signal"], data["signal_at_case"]) == (False, None)


def test_another_organisation_gets_404_and_no_role_403(
    api_as, other_org_lead, outsider, organisation, live
):
    organisation.members.add(outsider)

    assert api_as(other_org_lead).get(monitoring_url(live)).status_code == 404
    assert api_as(outsider).get(monitoring_url(live)).status_code == 403


def test_the_answer_is_what_the_schemas_serializer_writes(api_as, applicant, lead, live, log_case):
    # The series is encoded once a change, by hand for speed: it must read as the serializer
    # that documents it (the OpenAPI schema) would write it.
    for days_ago, failed in ((9, True), (8, False), (8, True), (5, False), (2, True)):
        case = log_case(days_ago=days_ago, device_failure=failed)
    services.outcome_record(
        case=case, actor=applicant, timepoint="baseline", odi=44, collected_on=TODAY
    )
    ReviewFactory(introduction=live, due_on=TODAY - timedelta(days=40))
    result = services.introduction_monitoring(live)
    review = live.reviews.get()
    expected = MonitoringReportSerializer(
        {
            "p0": result.p0, "p1": result.p1, "h": result.h,
            "cases": result.cases, "failures": result.failures, "cusum": result.cusum,
            "signal": result.signal, "signal_at_case": result.signal_at_case,
            "vlad": result.vlad,
            "reviews_due": [
                {"id": review.pk, "kind": review.kind, "due_on": review.due_on, "overdue": True}
            ],
            "prom": services.prom(live),
        }
    ).data  # fmt: skip

    response = api_as(lead).get(monitoring_url(live))

    assert response["Content-Type"] == "application/json"
    assert response.content == JSONRenderer().render(expected)


def test_the_reviews_due_are_read_afresh_while_the_series_is_kept(api_as, lead, live, log_case):
    log_case(days_ago=1)
    api = api_as(lead)
    assert api.get(monitoring_url(live)).json()["reviews_due"] == []

    due = ReviewFactory(introduction=live, due_on=TODAY)

    assert [r["id"] for r in api.get(monitoring_url(live)).json()["reviews_due"]] == [due.pk]


def test_the_browsable_api_still_shows_the_answer(api_as, lead, live, log_case):
    log_case(days_ago=1, device_failure=True)

    response = api_as(lead).get(monitoring_url(live), HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "&quot;signal_at_case&quot;" in response.content.decode()
