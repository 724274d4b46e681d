"""The outcomes API (SPEC.md section 4): record a case's PROMs at a time point, ranges by
field, one a time point, the paged list, and no 500 for any JSON body."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.cases.models import Outcome

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def outcomes_url(case) -> str:
    return f"/api/v1/cases/{case.pk}/outcomes/"


@pytest.fixture
def case(log_case):
    return log_case(days_ago=45)


def test_an_outcome_is_recorded_with_201_and_the_case_shows_it_done(api_as, applicant, case):
    client = api_as(applicant)

    response = client.post(
        outcomes_url(case),
        {
            "timepoint": "6w",
            "collected_on": TODAY.isoformat(),
            "odi": 32,
            "back_pain": 3,
            "leg_pain": 2,
            "eq5d_index": 0.72,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    outcome = Outcome.objects.get(pk=data["id"])
    assert {k: v for k, v in data.items() if k not in ("id", "created_at")} == {
        "case": case.pk,
        "timepoint": "6w",
        "collected_on": TODAY.isoformat(),
        "odi": 32,
        "back_pain": 3,
        "leg_pain": 2,
        "eq5d_index": 0.72,
        "recorded_by": "applicant",
    }
    assert outcome.eq5d_index == Decimal("0.720")
    assert outcome.history.get().history_change_reason == "6 weeks outcome recorded"
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["follow_up"]["6w"] == "done"


def test_the_scores_are_optional_and_the_bounds_accepted(api_as, applicant, case):
    client = api_as(applicant)
    day = (TODAY - timedelta(days=50)).isoformat()

    baseline = client.post(
        outcomes_url(case),
        {"timepoint": "baseline", "collected_on": day, "odi": 100, "eq5d_index": -0.594},
        format="json",
    )
    later = client.post(
        outcomes_url(case),
        {"timepoint": "6w", "collected_on": TODAY.isoformat(), "odi": 0, "leg_pain": 10},
        format="json",
    )

    assert (baseline.status_code, later.status_code) == (201, 201)
    assert (baseline.json()["eq5d_index"], later.json()["eq5d_index"]) == (-0.594, None)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"odi": 101}, "odi"),
        ({"odi": -1}, "odi"),
        ({"back_pain": 11}, "back_pain"),
        ({"leg_pain": -1}, "leg_pain"),
        ({"eq5d_index": -0.595}, "eq5d_index"),
        ({"eq5d_index": 1.001}, "eq5d_index"),
        ({"eq5d_index": "0.1234"}, "eq5d_index"),
        ({"timepoint": "4w"}, "timepoint"),
        ({"collected_on": (TODAY + timedelta(days=1)).isoformat()}, "collected_on"),
        ({"collected_on": "yesterday"}, "collected_on"),
    ],
)
def test_a_value_out_of_range_is_a_400_naming_the_field(api_as, applicant, case, values, field):
    payload = {"timepoint": "6w", "collected_on": TODAY.isoformat(), **values}

    response = api_as(applicant).post(outcomes_url(case), payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Outcome.objects.exists()


def test_a_follow_up_outcome_collected_before_the_procedure_is_a_400(api_as, applicant, case):
    response = api_as(applicant).post(
        outcomes_url(case),
        {"timepoint": "3m", "collected_on": (TODAY - timedelta(days=60)).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "collected_on": ["A 3 months outcome is collected after the procedure."]
    }


def test_a_second_outcome_at_the_same_time_point_is_a_400_on_timepoint(api_as, applicant, case):
    client = api_as(applicant)
    payload = {"timepoint": "6w", "collected_on": TODAY.isoformat(), "odi": 40}
    client.post(outcomes_url(case), payload, format="json")

    response = client.post(outcomes_url(case), {**payload, "odi": 30}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "timepoint": ["The 6 weeks outcome of this case is already recorded."]
    }
    assert Outcome.objects.get().odi == 40


def test_an_administrator_may_not_record_an_outcome(api_as, admin_user, case):
    response = api_as(admin_user).post(
        outcomes_url(case), {"timepoint": "6w", "collected_on": TODAY.isoformat()}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only a clinician or governance lead may log cases, outcomes and adverse events."
    }


def test_the_outcomes_are_listed_oldest_first_in_pages(api_as, applicant, admin_user, case):
    client = api_as(applicant)
    for timepoint, days_ago in (("6w", 0), ("baseline", 46)):
        client.post(
            outcomes_url(case),
            {
                "timepoint": timepoint,
                "collected_on": (TODAY - timedelta(days=days_ago)).isoformat(),
            },
            format="json",
        )

    first = api_as(admin_user).get(outcomes_url(case), {"page_size": 1}).json()
    second = api_as(admin_user).get(first["next"]).json()

    assert set(first) == {"next", "previous", "results"}
    assert [page["results"][0]["timepoint"] for page in (first, second)] == ["baseline", "6w"]
    assert second["next"] is None


# --- any JSON --------------------------------------------------------------------------------

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.decimals(allow_nan=False, allow_infinity=False).map(str)
    | st.text(max_size=20)
    | st.sampled_from(["6w", "baseline", "24m", TODAY.isoformat(), "1e999", "-0.594", "NaN"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
in_range = st.fixed_dictionaries(
    {
        "timepoint": st.sampled_from(["baseline", "6w", "3m", "6m", "12m", "24m"]),
        "collected_on": st.just(TODAY.isoformat()),
    },
    optional={
        "odi": st.integers(-5, 105),
        "back_pain": st.integers(-2, 12),
        "leg_pain": st.integers(-2, 12),
        "eq5d_index": st.decimals(Decimal("-0.7"), Decimal("1.1"), places=3).map(float),
    },
)
anything = st.fixed_dictionaries(
    {},
    optional={
        name: json_values
        for name in ("timepoint", "collected_on", "odi", "back_pain", "leg_pain", "eq5d_index")
    },
)


def _in_range(payload: dict) -> bool:
    return (
        0 <= payload.get("odi", 0) <= 100
        and 0 <= payload.get("back_pain", 0) <= 10
        and 0 <= payload.get("leg_pain", 0) <= 10
        and -0.594 <= payload.get("eq5d_index", 0) <= 1
    )


@SETTINGS
@given(payload=in_range)
def test_scores_are_recorded_exactly_when_each_is_within_its_range(
    api_as, applicant, case, payload
):
    Outcome.objects.filter(case=case).delete()

    response = api_as(applicant).post(outcomes_url(case), payload, format="json")

    if _in_range(payload):
        assert response.status_code == 201, (payload, response.json())
    else:
        assert response.status_code == 400, payload
        wrong = {
            name
            for name, (low, high) in {
                "odi": (0, 100),
                "back_pain": (0, 10),
                "leg_pain": (0, 10),
                "eq5d_index": (-0.594, 1),
            }.items()
            if name in payload and not low <= payload[name] <= high
        }
        assert set(response.json()) == wrong


@SETTINGS
@given(payload=anything | json_values)
def test_any_json_body_answers_201_or_400_never_500(api_as, applicant, case, payload):
    Outcome.objects.filter(case=case).delete()

    response = api_as(applicant).post(outcomes_url(case), payload, format="json")

    assert response.status_code in (201, 400), (payload, response.content)
