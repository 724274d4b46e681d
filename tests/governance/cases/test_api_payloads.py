"""No body sent to the cases API gives a 500 (SPEC section 4: "Never a 500 for bad input"):
strings for numbers, nested lists, numbers too big for any column, and anything hypothesis
makes of JSON."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.cases.models import Case

from .conftest import TODAY, VALID

pytestmark = pytest.mark.django_db

HUGE = 99999999999999999999
GARBAGE = [
    "twelve",
    "",
    None,
    True,
    [],
    [[1, [2]], {"a": []}],
    {"nested": {"deeper": [HUGE]}},
    HUGE,
    -HUGE,
    1e308,
    -0.0,
    "1e999",
    "NaN",
    "2026-02-30",
    "9" * 500,
]
CASE_FIELDS = [
    "performed_on",
    "nhs_number",
    "local_reference",
    "operator",
    "mentor",
    "approach",
    "image_guidance",
    "levels",
    "device",
    "device_lot",
    "codes",
    "reoperation_on",
    "device_failure",
    "major_complication",
]
OUTCOME_FIELDS = ["timepoint", "collected_on", "odi", "back_pain", "leg_pain", "eq5d_index"]
OPERATOR_FIELDS = ["user", "evidence", "approved_on"]


@pytest.fixture
def case(log_case):
    return log_case(days_ago=50)


def test_garbage_in_any_field_is_never_a_500(api_as, applicant, lead, live, case):
    """Each garbage value in each field of each write, on a body otherwise valid."""
    client = api_as(applicant)
    writes = [
        (
            "post",
            f"/api/v1/introductions/{live.pk}/cases/",
            {"performed_on": TODAY.isoformat(), "codes": VALID},
            CASE_FIELDS,
        ),
        ("patch", f"/api/v1/cases/{case.pk}/", {}, [*CASE_FIELDS, "reason"]),
        (
            "post",
            f"/api/v1/cases/{case.pk}/outcomes/",
            {"timepoint": "6w", "collected_on": TODAY.isoformat()},
            OUTCOME_FIELDS,
        ),
    ]
    for method, url, valid, fields in writes:
        for field in fields:
            for value in GARBAGE:
                response = getattr(client, method)(url, {**valid, field: value}, format="json")
                assert response.status_code < 500, (url, field, value, response.content)
    lead_client = api_as(lead)
    for field in OPERATOR_FIELDS:
        for value in GARBAGE:
            response = lead_client.post(
                f"/api/v1/introductions/{live.pk}/operators/",
                {"user": "applicant", "evidence": "Course", "approved_on": TODAY.isoformat()}
                | {field: value},
                format="json",
            )
            assert response.status_code < 500, (field, value, response.content)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("levels", HUGE),
        ("levels", "two"),
        ("levels", [1]),
        ("device", HUGE),
        ("device", "the usual"),
        ("codes", [["V40.1"]]),
        ("codes", "V40.1"),
        ("codes", [HUGE]),
        ("performed_on", HUGE),
        ("nhs_number", ["943", "476", "5919"]),
        ("device_failure", "perhaps"),
    ],
)
def test_a_wrong_type_or_a_huge_number_is_a_400_on_its_field(api_as, applicant, live, field, value):
    response = api_as(applicant).post(
        f"/api/v1/introductions/{live.pk}/cases/",
        {"performed_on": TODAY.isoformat(), "codes": VALID, field: value},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Case.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(api_as, applicant, live):
    client = api_as(applicant)

    for body in ([1, 2], "case", 5):
        response = client.post(f"/api/v1/introductions/{live.pk}/cases/", body, format="json")
        assert response.status_code == 400


def test_malformed_json_is_a_400(api_as, applicant, live):
    response = api_as(applicant).post(
        f"/api/v1/introductions/{live.pk}/cases/",
        '{"performed_on": NaN, "codes": [',
        content_type="application/json",
    )

    assert response.status_code == 400


# --- anything hypothesis makes of JSON -------------------------------------------------------

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "",
            "V40.1",
            "open",
            "percutaneous",
            "fluoroscopy",
            "9434765919",
            "applicant",
            TODAY.isoformat(),
            "1990-01-01",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
case_bodies = st.fixed_dictionaries(
    {}, optional={name: json_values for name in [*CASE_FIELDS, "reason"]}
)


@SETTINGS
@given(body=case_bodies | json_values)
def test_logging_any_case_body_answers_201_or_400(api_as, applicant, live, body):
    response = api_as(applicant).post(
        f"/api/v1/introductions/{live.pk}/cases/", body, format="json"
    )

    assert response.status_code in (201, 400), (body, response.content)


@SETTINGS
@given(body=case_bodies | json_values)
def test_changing_a_case_with_any_body_answers_200_or_400(api_as, applicant, case, body):
    response = api_as(applicant).patch(f"/api/v1/cases/{case.pk}/", body, format="json")

    assert response.status_code in (200, 400), (body, response.content)
