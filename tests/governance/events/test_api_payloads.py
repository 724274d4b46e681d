"""No body sent to the adverse events API gives a 500 (SPEC section 4: "Never a 500 for bad
input"): strings for numbers, nested junk, numbers too big for any column, and anything
hypothesis makes of JSON, in the event's fields and in its nested device."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.events.models import AdverseEvent

from .conftest import TODAY

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/adverse-events/"
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
    "nul\x00byte",
]
EVENT_FIELDS = [
    "introduction",
    "case",
    "occurred_on",
    "detected_on",
    "description",
    "harm",
    "category",
    "device_involved",
    "device",
    "device_available",
    "device_kept_at",
    "might_have_led_to_serious",
    "action_taken",
    "local_reference",
]
DEVICE_PARTS = ["name", "manufacturer", "model", "catalogue_number", "serial_number", "lot_number"]
CARD_FIELDS = ["status", "reference", "submitted_on", "reason"]


def valid(live) -> dict:
    return {
        "introduction": live.pk,
        "occurred_on": TODAY.isoformat(),
        "description": "Wound ooze.",
        "harm": "low",
        "category": "wound",
    }


@pytest.fixture
def event(record):
    return record(harm="severe", device_involved=True, device_name="System")


def test_garbage_in_any_field_is_never_a_500(api_as, applicant, lead, live, event):
    """Each garbage value in each field (and each part of the device) of each write, on a body
    otherwise valid."""
    client = api_as(applicant)
    writes = [
        ("post", EVENTS, valid(live), EVENT_FIELDS),
        ("patch", f"{EVENTS}{event.pk}/", {}, [*EVENT_FIELDS, "reason"]),
    ]
    for method, url, base, fields in writes:
        for value in GARBAGE:
            for field in fields:
                response = getattr(client, method)(url, {**base, field: value}, format="json")
                assert response.status_code < 500, (url, field, value, response.content)
            for part in DEVICE_PARTS:
                data = {**base, "device_involved": True, "device": {part: value}}
                response = getattr(client, method)(url, data, format="json")
                assert response.status_code < 500, (url, part, value, response.content)
    lead_client = api_as(lead)
    for field in CARD_FIELDS:
        for value in GARBAGE:
            data = {"status": "submitted", "reference": "YC-1", "submitted_on": TODAY.isoformat()}
            response = lead_client.post(
                f"{EVENTS}{event.pk}/yellow-card/", {**data, field: value}, format="json"
            )
            assert response.status_code < 500, (field, value, response.content)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("introduction", HUGE),
        ("introduction", "the usual"),
        ("case", HUGE),
        ("case", [1]),
        ("occurred_on", HUGE),
        ("harm", ["low"]),
        ("category", {"wound": True}),
        ("device_involved", "perhaps"),
        ("device", "Dynamic stabilisation system"),
        ("device", ["name"]),
        ("device", None),
        ("description", {"text": "x"}),
    ],
)
def test_a_wrong_type_or_a_huge_number_is_a_400_on_its_field(api_as, applicant, live, field, value):
    response = api_as(applicant).post(EVENTS, {**valid(live), field: value}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not AdverseEvent.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(api_as, applicant):
    client = api_as(applicant)

    for body in ([1, 2], "event", 5, None):
        assert client.post(EVENTS, body, format="json").status_code == 400


def test_malformed_json_is_a_400(api_as, applicant):
    response = api_as(applicant).post(
        EVENTS, '{"occurred_on": NaN, "device": {', content_type="application/json"
    )

    assert response.status_code == 400


# --- anything hypothesis makes of JSON -------------------------------------------------------

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LIVE = "<the approved introduction>"  # replaced by its id in the test
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "",
            "low",
            "severe",
            "fatal",
            "device_failure",
            "wound",
            "true",
            TODAY.isoformat(),
            "1990-01-01",
            "0001-01-01",
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
devices = st.fixed_dictionaries({}, optional={part: json_values for part in DEVICE_PARTS})
event_bodies = st.fixed_dictionaries(
    {"introduction": st.just(LIVE) | json_values},
    optional={
        **{name: json_values for name in EVENT_FIELDS if name not in ("introduction", "device")},
        "device": devices | json_values,
        "reason": json_values,
    },
)


def _with_live(body, live):
    if isinstance(body, dict) and body.get("introduction") == LIVE:
        return {**body, "introduction": live.pk}
    return body


@SETTINGS
@given(body=event_bodies | json_values)
def test_recording_any_event_body_answers_201_or_400(api_as, applicant, live, body):
    response = api_as(applicant).post(EVENTS, _with_live(body, live), format="json")

    assert response.status_code in (201, 400), (body, response.content)


@SETTINGS
@given(body=event_bodies | json_values)
def test_changing_an_event_with_any_body_answers_200_or_400(api_as, applicant, event, body):
    if isinstance(body, dict):
        body.pop("introduction", None)
    response = api_as(applicant).patch(f"{EVENTS}{event.pk}/", body, format="json")

    assert response.status_code in (200, 400), (body, response.content)


@SETTINGS
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from(["submitted", "not_reportable", "due"]) | json_values,
            "reference": json_values,
            "submitted_on": json_values,
            "reason": json_values,
        },
    )
    | json_values
)
def test_deciding_a_card_with_any_body_answers_200_400_or_409(api_as, lead, event, body):
    response = api_as(lead).post(f"{EVENTS}{event.pk}/yellow-card/", body, format="json")

    assert response.status_code in (200, 400, 409), (body, response.content)
