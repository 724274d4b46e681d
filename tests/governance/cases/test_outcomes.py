"""Outcomes (PROMs) of a case: ranges named by field, one a time point, and follow-up due."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from governance.cases import services
from governance.cases.models import Outcome
from governance.errors import NotPermitted

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def record(case, actor, timepoint="6w", **values):
    values.setdefault("collected_on", TODAY)
    return services.outcome_record(case=case, actor=actor, timepoint=timepoint, **values)


def test_an_outcome_is_recorded_with_its_scores(log_case, applicant):
    case = log_case(days_ago=50)

    outcome = record(case, applicant, odi=32, back_pain=3, leg_pain=2, eq5d_index=Decimal("0.72"))

    outcome.refresh_from_db()
    assert (outcome.odi, outcome.back_pain, outcome.leg_pain) == (32, 3, 2)
    assert outcome.eq5d_index == Decimal("0.720")
    assert outcome.introduction_id == case.introduction_id
    assert outcome.history.get().history_change_reason == "6 weeks outcome recorded"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"odi": 101}, "odi"),
        ({"back_pain": 11}, "back_pain"),
        ({"leg_pain": -1}, "leg_pain"),
        ({"eq5d_index": Decimal("-0.595")}, "eq5d_index"),
        ({"eq5d_index": Decimal("1.001")}, "eq5d_index"),
        ({"collected_on": TODAY + timedelta(days=1)}, "collected_on"),
        ({"collected_on": None}, "collected_on"),
    ],
)
def test_an_out_of_range_value_is_refused_naming_its_field(log_case, applicant, values, field):
    case = log_case(days_ago=50)

    with pytest.raises(ValidationError) as raised:
        record(case, applicant, **values)

    assert field in raised.value.message_dict
    assert not Outcome.objects.exists()


def test_the_bounds_of_each_scale_are_accepted(log_case, applicant):
    case = log_case(days_ago=50)

    record(case, applicant, "6w", odi=0, back_pain=0, leg_pain=10, eq5d_index=Decimal("-0.594"))
    record(case, applicant, "baseline", odi=100, eq5d_index=Decimal("1"))

    assert Outcome.objects.count() == 2


def test_one_outcome_a_case_and_time_point(log_case, applicant):
    case = log_case(days_ago=50)
    record(case, applicant, odi=40)

    with pytest.raises(ValidationError) as raised:
        record(case, applicant, odi=30)

    assert raised.value.message_dict["timepoint"] == [
        "The 6 weeks outcome of this case is already recorded."
    ]


def test_a_follow_up_outcome_is_collected_after_the_procedure(log_case, applicant):
    case = log_case(days_ago=10)

    with pytest.raises(ValidationError) as raised:
        record(case, applicant, collected_on=TODAY - timedelta(days=20))
    baseline = record(case, applicant, "baseline", collected_on=TODAY - timedelta(days=20), odi=50)

    assert "collected_on" in raised.value.message_dict
    assert baseline.pk


def test_an_administrator_records_no_outcome(log_case, admin_user):
    with pytest.raises(NotPermitted):
        record(log_case(days_ago=50), admin_user, odi=20)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        # performed 1 March 2026: 6 weeks is 12 April (window 29 March to 26 April),
        # 3 months 1 June, 6 months 1 September, 12 months 1 March 2027, 24 months 1 March 2028.
        (date(2026, 3, 28), {"6w": "not_yet", "3m": "not_yet"}),
        (date(2026, 3, 29), {"6w": "due", "3m": "not_yet"}),
        (date(2026, 4, 26), {"6w": "due"}),
        (date(2026, 4, 27), {"6w": "overdue"}),
        (date(2026, 5, 18), {"6w": "overdue", "3m": "due"}),
        (date(2027, 2, 15), {"12m": "due", "24m": "not_yet"}),
    ],
)
def test_each_follow_up_is_due_two_weeks_either_side_of_its_date(log_case, today, expected):
    case = log_case(days_ago=0)
    case.performed_on = date(2026, 3, 1)

    states = services.follow_up(case, today=today, done=[])

    assert {k: states[k] for k in expected} == expected


def test_a_follow_up_with_an_outcome_is_done(log_case):
    case = log_case(days_ago=0)
    case.performed_on = date(2026, 3, 1)

    states = services.follow_up(case, today=date(2026, 6, 1), done=["6w"])

    assert states == {
        "6w": "done",
        "3m": "due",
        "6m": "not_yet",
        "12m": "not_yet",
        "24m": "not_yet",
    }


def test_the_prom_summary_takes_each_patients_latest_odi_after_baseline(log_case, applicant, live):
    first, second, third = log_case(days_ago=400), log_case(days_ago=300), log_case(days_ago=200)
    record(first, applicant, "baseline", collected_on=TODAY - timedelta(days=401), odi=60)
    record(first, applicant, "6w", collected_on=TODAY - timedelta(days=350), odi=50)
    record(first, applicant, "12m", collected_on=TODAY - timedelta(days=30), odi=30)  # latest
    record(second, applicant, "baseline", collected_on=TODAY - timedelta(days=301), odi=40)
    record(second, applicant, "3m", collected_on=TODAY - timedelta(days=200), odi=36)
    record(third, applicant, "6w", collected_on=TODAY - timedelta(days=150), odi=20)  # no baseline

    summary = services.prom(live)

    # changes: 30 - 60 = -30 (improved by 50%), 36 - 40 = -4 (by 10%)
    assert summary.patients == 2
    assert summary.mean_odi_change == pytest.approx(-17.0)
    assert summary.share_odi_improved_30 == pytest.approx(0.5)
