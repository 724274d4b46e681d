"""Property tests: no JSON body sent to the introductions API gives a 500 (SPEC section 4)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import GuidanceFactory

pytestmark = pytest.mark.django_db

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
    | st.text(max_size=30)
    | st.sampled_from(
        ["", "IPG366", "ipg366", "DEFAULT", "RXX", "2026-03-01", "0.1", "nan", "1e999"]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
FIELDS = [
    "organisation",
    "guidance",
    "title",
    "department",
    "rationale",
    "patient_selection",
    "consent_arrangements",
    "audit_plan",
    "research_ethics_reference",
    "planned_start",
    "devices",
]
MONITORING = [
    "first_review_after_cases",
    "review_interval_months",
    "cusum_p0",
    "cusum_p1",
    "cusum_h",
]
monitoring = st.fixed_dictionaries({}, optional={name: json_values for name in MONITORING})
bodies = st.fixed_dictionaries(
    {},
    optional={**{name: json_values for name in FIELDS}, "monitoring": monitoring | json_values},
)


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:  # JSONDecodeError, and UnicodeDecodeError for bytes in no encoding
        return False
    return True


# Bytes that no JSON parser accepts: random ones, and JSON gone wrong (cut short, quoted the
# Python way, with a trailing comma, in Latin-1).
not_json = (
    st.binary(max_size=60)
    | st.sampled_from(
        [
            b'{"title": "Dynamic stabilisation"',
            b"{'title': 'Dynamic stabilisation'}",
            b'{"title": "x",}',
            b'{"title": "Stabilisation vert\xe9brale"}',
            b"not json",
        ]
    )
).filter(lambda raw: not _is_json(raw))


@pytest.fixture
def client(api_as, applicant):
    GuidanceFactory(reference="IPG366")
    return api_as(applicant)


@SETTINGS
@given(body=bodies)
def test_posting_any_introduction_body_answers_201_or_400(client, body):
    response = client.post("/api/v1/introductions/", body, format="json")

    assert response.status_code in (201, 400), (body, response.content)
    if response.status_code == 400:
        assert isinstance(response.json(), dict)


@SETTINGS
@given(body=json_values)
def test_posting_any_json_at_all_answers_201_or_400(client, body):
    response = client.post("/api/v1/introductions/", body, format="json")

    assert response.status_code in (201, 400), (body, response.content)


@SETTINGS
@given(raw=not_json)
def test_posting_bytes_that_are_not_json_answers_400(client, raw):
    response = client.post("/api/v1/introductions/", raw, content_type="application/json")

    assert response.status_code == 400, (raw, response.content)
    assert isinstance(response.json(), dict)


@SETTINGS
@given(body=bodies)
def test_patching_any_body_never_answers_500(client, applicant, body):
    from tests.factories import IntroductionFactory

    introduction = IntroductionFactory(applicant=applicant)

    response = client.patch(f"/api/v1/introductions/{introduction.pk}/", body, format="json")

    assert response.status_code in (200, 400), (body, response.content)


@SETTINGS
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "action": json_values | st.sampled_from(["submit", "cancel"]),
            "reason": json_values,
            "conditions": json_values,
        },
    )
)
def test_posting_any_transition_body_never_answers_500(client, applicant, body):
    from tests.factories import IntroductionFactory

    introduction = IntroductionFactory(applicant=applicant)

    response = client.post(
        f"/api/v1/introductions/{introduction.pk}/transitions/", body, format="json"
    )

    assert response.status_code in (200, 400, 403, 409), (body, response.content)


history_params = st.fixed_dictionaries(
    {},
    optional={
        name: st.text(max_size=40)
        | st.sampled_from(["0001-01-01", "9999-12-31", "2025-01-01T00:00:00+14:00", "lead"])
        for name in ("user", "model", "since", "until", "cursor", "limit", "introduction")
    },
)


@SETTINGS
@given(params=history_params)
def test_any_history_query_answers_200_or_400(api_as, lead, params):
    from tests.factories import IntroductionFactory

    introduction = IntroductionFactory()
    client = api_as(lead)

    for url in (f"/api/v1/introductions/{introduction.pk}/history/", "/api/v1/history/"):
        response = client.get(url, params)
        assert response.status_code in (200, 400), (url, params, response.content)
