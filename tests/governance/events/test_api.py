"""The adverse events API (SPEC.md sections 4 and 5): record, read and change an event, and a
lead's decision on its Yellow Card; its shape, who may, in which state, and the errors by
field (the device's on `device`, as it was sent)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from governance.events.models import AdverseEvent
from governance.permissions import NO_ROLE
from tests.factories import IntroductionFactory

from .conftest import TODAY

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/adverse-events/"
LOG_REFUSAL = "Only a clinician or governance lead may log cases, outcomes and adverse events."
CARD_REFUSAL = "Only a governance lead may set the Yellow Card status of an adverse event."


def event_url(event, tail: str = "") -> str:
    return f"{EVENTS}{event.pk}/{tail}"


def body(introduction, **overrides):
    data = {
        "introduction": introduction.pk,
        "occurred_on": (TODAY - timedelta(days=2)).isoformat(),
        "detected_on": (TODAY - timedelta(days=1)).isoformat(),
        "description": "The cord pulled out of the upper screw head.",
        "harm": "severe",
        "category": "device_failure",
        "device_involved": True,
        "device": {
            "name": "Dynamic stabilisation system",
            "manufacturer": "Example Medical Ltd",
            "model": "Mk II",
            "catalogue_number": "DS-40",
            "serial_number": "SN-1",
            "lot_number": "LOT-7",
        },
        "device_available": True,
        "device_kept_at": "Theatre store",
        "might_have_led_to_serious": False,
        "action_taken": "Revision booked.",
        "local_reference": "W-123",
    }
    data.update(overrides)
    return data


@pytest.fixture
def event(record):
    """A severe device event: its Yellow Card is due."""
    return record(harm="severe", device_involved=True, device_name="Dynamic stabilisation system")


# --- recording -------------------------------------------------------------------------------


def test_a_clinician_records_a_device_event_and_gets_201_with_its_yellow_card_due(
    api_as, applicant, live
):
    response = api_as(applicant).post(EVENTS, body(live), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    event = AdverseEvent.objects.get(pk=data["id"])
    assert data["yellow_card"] == {
        "status": "due",
        "due_by": (TODAY - timedelta(days=1) + timedelta(days=2)).isoformat(),
        "reference": "",
        "submitted_on": None,
        "reason": "",
        "overdue": False,
    }
    assert data["device"] == {
        "name": "Dynamic stabilisation system",
        "manufacturer": "Example Medical Ltd",
        "model": "Mk II",
        "catalogue_number": "DS-40",
        "serial_number": "SN-1",
        "lot_number": "LOT-7",
    }
    assert (data["introduction"], data["case"], data["reporter"]) == (live.pk, None, "applicant")
    assert (data["serious"], data["fails_case"]) == (True, True)
    assert (event.device_lot_number, event.device_kept_at, event.reporter) == (
        "LOT-7",
        "Theatre store",
        applicant,
    )
    assert event.history.get().history_change_reason == "Adverse event recorded"


def test_a_minor_event_without_a_device_needs_no_yellow_card(api_as, applicant, live):
    response = api_as(applicant).post(
        EVENTS,
        body(live, harm="low", category="wound", device_involved=False, device={}),
        format="json",
    )

    assert response.status_code == 201, response.json()
    card = response.json()["yellow_card"]
    assert (card["status"], card["due_by"]) == ("not_required", None)


def test_only_the_required_fields_are_needed_and_found_defaults_to_occurred(
    api_as, applicant, live
):
    response = api_as(applicant).post(
        EVENTS,
        {
            "introduction": live.pk,
            "occurred_on": TODAY.isoformat(),
            "description": "Wound ooze.",
            "harm": "none",
            "category": "wound",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["detected_on"] == TODAY.isoformat()
    assert (data["device_involved"], data["device_available"]) == (False, None)


def test_the_device_details_left_out_come_from_the_case(api_as, applicant, live, log_case, device):
    case = log_case(days_ago=5, device=device, device_lot="LOT-42")

    response = api_as(applicant).post(
        EVENTS,
        body(live, case=case.pk, device={"serial_number": "SN-9"}, device_available=None),
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["device"] == {
        "name": "Dynamic stabilisation system",
        "manufacturer": device.manufacturer,
        "model": device.model,
        "catalogue_number": "DS-40",
        "serial_number": "SN-9",
        "lot_number": "LOT-42",
    }
    assert response.json()["case"] == case.pk


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"occurred_on": (TODAY + timedelta(days=1)).isoformat()},
            {"occurred_on": ["The date it happened cannot be in the future."]},
        ),
        (
            {"detected_on": (TODAY - timedelta(days=5)).isoformat()},
            {"detected_on": ["The event cannot be found before it happened."]},
        ),
        (
            {"device": {"name": ""}},
            {"device": {"name": ["Enter the name of the device involved."]}},
        ),
        (
            {"device_kept_at": ""},
            {"device_kept_at": ["Say where the device is kept for the investigation."]},
        ),
        ({"harm": "catastrophic"}, {"harm": ['"catastrophic" is not a valid choice.']}),
        ({"case": 999999}, {"case": ["Choose a case of this introduction."]}),
        (
            {"device": {"lot_number": "L" * 101}},
            {"device": {"lot_number": ["Ensure this field has no more than 100 characters."]}},
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_why(api_as, applicant, live, overrides, errors):
    response = api_as(applicant).post(EVENTS, body(live, **overrides), format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert not AdverseEvent.objects.exists()


def test_a_case_of_another_introduction_is_a_400_on_case(api_as, applicant, live, log_case, ipg366):
    other = IntroductionFactory(status="approved", guidance__ruleset=ipg366)
    case = log_case(introduction=other)

    response = api_as(applicant).post(EVENTS, body(live, case=case.pk), format="json")

    assert response.status_code == 400
    assert response.json() == {"case": ["Choose a case of this introduction."]}


def test_an_introduction_of_another_organisation_or_none_is_a_400_on_introduction(
    api_as, other_org_lead, applicant, live
):
    for user, introduction in ((other_org_lead, live.pk), (applicant, 10**9)):
        data = {**body(live), "introduction": introduction}
        response = api_as(user).post(EVENTS, data, format="json")

        assert response.status_code == 400
        assert response.json() == {
            "introduction": ["No introduction with this id in your organisations."]
        }


def test_an_introduction_never_approved_is_a_409_naming_its_state(api_as, applicant):
    draft = IntroductionFactory(status="under_review", applicant=applicant)

    response = api_as(applicant).post(EVENTS, body(draft, harm=[]), format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Adverse events are recorded under an introduction that has been approved; "
        "this one is under review.",
        "unmet": [],
    }


def test_an_event_may_be_recorded_after_the_introduction_is_suspended(api_as, lead, live):
    live.status = "suspended"
    live.save()

    response = api_as(lead).post(EVENTS, body(live), format="json")

    assert response.status_code == 201, response.json()


def test_an_administrator_reads_events_but_may_not_record_one(api_as, admin_user, live, event):
    client = api_as(admin_user)

    assert client.get(event_url(event)).status_code == 200
    response = client.post(EVENTS, body(live, harm="nonsense"), format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": LOG_REFUSAL}


def test_a_user_without_a_role_is_refused_with_403(api_as, outsider, organisation, event):
    organisation.members.add(outsider)
    client = api_as(outsider)

    for response in (client.get(EVENTS), client.get(event_url(event))):
        assert response.status_code == 403
        assert response.json() == {"detail": NO_ROLE}


def test_no_authentication_is_refused(api_client, event):
    assert api_client.get(EVENTS).status_code in (401, 403)
    assert api_client.get(event_url(event, "fhir/")).status_code in (401, 403)


def test_another_organisations_event_is_404_everywhere(api_as, other_org_lead, event):
    client = api_as(other_org_lead)

    for tail in ("", "yellow-card/", "fhir/"):
        assert client.get(event_url(event, tail)).status_code == 404
    assert client.patch(event_url(event), {"harm": "low"}, format="json").status_code == 404
    response = client.post(
        event_url(event, "yellow-card/"),
        {"status": "not_reportable", "reason": "x"},
        format="json",
    )
    assert response.status_code == 404
    assert client.get(EVENTS).json()["results"] == []


# --- reading and changing --------------------------------------------------------------------


def test_an_event_reads_as_it_was_recorded(api_as, applicant, event):
    data = api_as(applicant).get(event_url(event)).json()

    assert data["id"] == event.pk
    assert data["yellow_card"]["status"] == "due"
    assert set(data) == {
        "id",
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
        "reporter",
        "serious",
        "fails_case",
        "yellow_card",
        "created_at",
        "updated_at",
    }


def test_a_change_is_saved_with_its_reason_and_the_card_follows(api_as, applicant, event):
    response = api_as(applicant).patch(
        event_url(event),
        {"harm": "low", "device": {"lot_number": "LOT-8"}, "reason": "Harm regraded at review"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["harm"], data["device"]["lot_number"]) == ("low", "LOT-8")
    assert data["device"]["name"] == "Dynamic stabilisation system"  # untouched
    assert data["yellow_card"]["status"] == "not_required"
    event.refresh_from_db()
    assert event.history.first().history_change_reason == "Harm regraded at review"


def test_an_event_cannot_move_to_another_introduction(api_as, applicant, event, ipg366):
    other = IntroductionFactory(status="approved", guidance__ruleset=ipg366)

    response = api_as(applicant).patch(event_url(event), {"introduction": other.pk}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["introduction"]


def test_an_administrator_may_not_change_an_event(api_as, admin_user, event):
    response = api_as(admin_user).patch(event_url(event), {"harm": "low"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": LOG_REFUSAL}


# --- the Yellow Card -------------------------------------------------------------------------


def test_a_lead_marks_the_card_submitted_with_the_mhra_reference(api_as, lead, event):
    response = api_as(lead).post(
        event_url(event, "yellow-card/"),
        {"status": "submitted", "reference": " YC-2026-001 ", "submitted_on": TODAY.isoformat()},
        format="json",
    )

    assert response.status_code == 200, response.json()
    card = response.json()["yellow_card"]
    assert (card["status"], card["reference"], card["submitted_on"]) == (
        "submitted",
        "YC-2026-001",
        TODAY.isoformat(),
    )
    event.refresh_from_db()
    assert event.history.first().history_change_reason == (
        "Yellow Card submitted to the MHRA: YC-2026-001"
    )


def test_a_lead_marks_it_not_reportable_then_reopens_it_with_reasons(api_as, lead, event):
    client = api_as(lead)
    url = event_url(event, "yellow-card/")

    first = client.post(
        url, {"status": "not_reportable", "reason": "Not a device fault."}, format="json"
    )
    second = client.post(url, {"status": "due", "reason": "New evidence."}, format="json")
    third = client.post(url, {"status": "due", "reason": "Again."}, format="json")

    assert first.json()["yellow_card"]["status"] == "not_reportable"
    assert first.json()["yellow_card"]["reason"] == "Not a device fault."
    assert second.json()["yellow_card"]["status"] == "due"
    assert third.status_code == 409
    assert third.json() == {"detail": "The Yellow Card is already due.", "unmet": []}


@pytest.mark.parametrize(
    ("decision", "errors"),
    [
        ({"status": "submitted"}, {"reference": ["Enter the MHRA Yellow Card reference."]}),
        (
            {"status": "submitted", "reference": "YC-1"},
            {"submitted_on": ["Enter the date it was submitted."]},
        ),
        ({"status": "not_reportable"}, {"reason": ["Say why the event is not reportable."]}),
        ({"status": "not_required"}, {"status": ['"not_required" is not a valid choice.']}),
        ({}, {"status": ["This field is required."]}),
    ],
)
def test_a_decision_without_what_it_needs_is_a_400_naming_the_field(
    api_as, lead, event, decision, errors
):
    response = api_as(lead).post(event_url(event, "yellow-card/"), decision, format="json")

    assert response.status_code == 400
    assert response.json() == errors


def test_a_clinician_may_not_decide_the_card_and_is_told_why(api_as, applicant, event):
    response = api_as(applicant).post(
        event_url(event, "yellow-card/"), {"status": "submitted"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": CARD_REFUSAL}
    event.refresh_from_db()
    assert event.yellow_card == "due"


def test_the_list_and_the_event_say_when_a_card_is_overdue(api_as, applicant, record):
    found = TODAY - timedelta(days=20)
    overdue = record(
        harm="severe",
        occurred_on=found,
        detected_on=found,
        device_involved=True,
        device_name="System",
    )

    data = api_as(applicant).get(event_url(overdue)).json()

    assert data["yellow_card"]["overdue"] is True
    assert data["yellow_card"]["due_by"] == (found + timedelta(days=2)).isoformat()
