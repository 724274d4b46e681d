"""The exports of an adverse event (SPEC.md section 5): the Yellow Card-ready report in the
order of the MHRA device form, and the HL7 FHIR R4 AdverseEvent, validated with the
`fhir.resources` R4B models; neither gives the NHS number to a caller who may not see it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fhir.resources.R4B.adverseevent import AdverseEvent as FHIRAdverseEvent

from governance.events import exports, services
from governance.events.models import AdverseEvent

from .conftest import TODAY

pytestmark = pytest.mark.django_db

NHS_NUMBER = "9434765919"
HARMS = ["none", "low", "moderate", "severe", "fatal"]


@pytest.fixture
def case(log_case, device):
    return log_case(days_ago=10, device=device, device_lot="LOT-42", nhs_number=NHS_NUMBER)


@pytest.fixture
def event(record, case):
    """A severe device event on a case with an NHS number: every answer given."""
    return record(
        case=case,
        occurred_on=TODAY - timedelta(days=3),
        detected_on=TODAY - timedelta(days=2),
        description="The cord pulled out of the upper screw head.",
        harm="severe",
        category="device_failure",
        device_involved=True,
        device_model="Mk III",
        device_serial_number="SN-118204",
        device_available=True,
        device_kept_at="Theatre store, shelf 3",
        action_taken="Revision booked.",
        local_reference="W-24017",
    )


def spoken(days_ago: int) -> str:
    """A date as the report gives it: 3 March 2026."""
    day = TODAY - timedelta(days=days_ago)
    return f"{day.day} {day:%B %Y}"


def card_rows(event) -> dict[str, str]:
    """The Yellow Card section of the event's report, by key."""
    return {r.key: r.value for r in exports.yellow_card_report(read(event), today=TODAY)[-1].rows}


def read(event) -> AdverseEvent:
    """The event as the views read it, with its introduction's organisation, reporter and case."""
    return AdverseEvent.objects.select_related(
        "introduction__organisation", "reporter", "case"
    ).get(pk=event.pk)


# --- the Yellow Card report ------------------------------------------------------------------


def test_the_report_gives_the_forms_answers_in_its_order(event, applicant):
    report = exports.yellow_card_report(read(event), today=TODAY)

    assert [section.title for section in report] == [
        "Reporter",
        "Device",
        "Incident",
        "Patient",
        "Yellow Card",
    ]
    rows = {section.title: [(r.label, r.value) for r in section.rows] for section in report}
    assert rows["Reporter"] == [
        ("Name", applicant.get_full_name()),
        ("Role", "Clinician"),
        ("Organisation", str(event.introduction.organisation)),
        ("Email address", applicant.email),
    ]
    assert rows["Device"] == [
        ("Was a device involved?", "Yes"),
        ("Device name", "Dynamic stabilisation system"),
        ("Manufacturer", "Example Medical Ltd"),
        ("Model", "Mk III"),
        ("Catalogue number", "DS-40"),
        ("Serial number", "SN-118204"),
        ("Lot or batch number", "LOT-42"),
        ("Is the device kept for investigation?", "Yes"),
        ("Where the device is kept", "Theatre store, shelf 3"),
    ]
    assert rows["Incident"] == [
        ("Date of the incident", spoken(3)),
        ("Date the incident was found", spoken(2)),
        ("Kind of incident", "Device failure"),
        ("What happened", "The cord pulled out of the upper screw head."),
        ("Outcome (harm to the patient)", "Severe harm"),
        (
            "Did it lead, or might it have led, to death or serious deterioration in health?",
            "Yes: it led to severe harm",
        ),
        ("Action taken", "Revision booked."),
        ("Local incident reference", "W-24017"),
    ]
    assert rows["Patient"] == [
        ("Age", "Not recorded"),
        ("Sex", "Not recorded"),
        ("Date of the procedure", spoken(10)),
    ]
    assert rows["Yellow Card"] == [
        ("Status", "Due"),
        ("Due by", spoken(0)),
        ("MHRA reference", "Not recorded"),
        ("Submitted on", "Not recorded"),
        ("Why it is not reportable", "Not applicable"),
    ]


def test_the_report_never_holds_the_nhs_number(event):
    report = exports.yellow_card_report(read(event), today=TODAY)

    assert NHS_NUMBER not in json.dumps(report)
    assert "5919" not in json.dumps(report)


def test_a_report_says_what_is_not_known_and_what_does_not_apply(record):
    event = record(harm="moderate", might_have_led_to_serious=True)

    rows = {
        row.key: row.value
        for section in exports.yellow_card_report(read(event))
        for row in section.rows
    }

    assert rows["device_involved"] == "No"
    assert rows["device_name"] == "Not recorded"
    assert rows["device_available"] == "Not recorded"
    assert rows["device_kept_at"] == "Not applicable"
    assert rows["serious"] == "Yes: it might have led to death or serious deterioration"
    assert rows["procedure_on"] == "Not linked to a case"
    assert rows["yellow_card_status"] == "Not required"


def test_an_overdue_card_says_so_and_a_submitted_one_gives_its_reference(record, lead):
    found = TODAY - timedelta(days=20)
    event = record(
        harm="fatal", occurred_on=found, detected_on=found, device_involved=True, device_name="S"
    )
    assert card_rows(event)["yellow_card_status"] == "Due (overdue)"

    services.yellow_card_set(
        event=event, actor=lead, status="submitted", reference="YC-9", submitted_on=TODAY
    )
    card = card_rows(event)
    assert (card["yellow_card_status"], card["yellow_card_reference"]) == ("Submitted", "YC-9")
    assert card["yellow_card_submitted_on"] == spoken(0)


def test_the_api_serialises_the_report(api_as, admin_user, event):
    response = api_as(admin_user).get(f"/api/v1/adverse-events/{event.pk}/yellow-card/")

    assert response.status_code == 200
    data = response.json()
    assert (data["event"], data["introduction"]) == (event.pk, event.introduction_id)
    assert [section["title"] for section in data["sections"]] == [
        s.title for s in exports.yellow_card_report(read(event), today=TODAY)
    ]
    device = data["sections"][1]["rows"]
    assert device[6] == {
        "key": "device_lot_number",
        "label": "Lot or batch number",
        "value": "LOT-42",
    }
    assert data["yellow_card"]["status"] == "due"
    assert NHS_NUMBER not in response.content.decode()


# --- HL7 FHIR --------------------------------------------------------------------------------


def test_the_fhir_resource_validates_as_an_r4_adverse_event(event):
    resource = exports.fhir_adverse_event(read(event), include_patient=True)

    parsed = FHIRAdverseEvent.model_validate(resource)
    assert parsed.get_resource_type() == "AdverseEvent"
    assert resource["actuality"] == "actual"
    assert resource["date"] == (TODAY - timedelta(days=3)).isoformat()
    assert resource["detected"] == (TODAY - timedelta(days=2)).isoformat()
    assert resource["recordedDate"].startswith(str(event.created_at.year))
    assert resource["event"] == {"text": "The cord pulled out of the upper screw head."}
    assert resource["identifier"]["value"] == "W-24017"
    assert resource["category"][0]["coding"][0]["code"] == "product-problem"
    assert resource["seriousness"]["coding"][0]["code"] == "Serious"
    assert resource["severity"]["coding"][0]["code"] == "severe"
    assert resource["outcome"]["coding"][0]["code"] == "unknown"


def test_the_suspect_device_is_a_contained_device(event):
    resource = exports.fhir_adverse_event(read(event), include_patient=False)

    (device,) = resource["contained"]
    assert device == {
        "resourceType": "Device",
        "id": "device",
        "deviceName": [{"name": "Dynamic stabilisation system", "type": "user-friendly-name"}],
        "manufacturer": "Example Medical Ltd",
        "modelNumber": "Mk III",
        "partNumber": "DS-40",
        "serialNumber": "SN-118204",
        "lotNumber": "LOT-42",
    }
    assert resource["suspectEntity"] == [{"instance": {"reference": "#device"}}]


def test_the_patient_is_identified_only_when_the_caller_may_see_nhs_numbers(event):
    seen = exports.fhir_adverse_event(read(event), include_patient=True)
    unseen = exports.fhir_adverse_event(read(event), include_patient=False)

    assert seen["subject"] == {
        "type": "Patient",
        "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": NHS_NUMBER},
    }
    assert unseen["subject"] == {"display": "Patient not identified"}
    assert NHS_NUMBER not in json.dumps(unseen)
    FHIRAdverseEvent.model_validate(unseen)


@pytest.mark.parametrize(
    ("harm", "seriousness", "severity", "outcome"),
    [
        ("none", "Non-serious", None, "unknown"),
        ("low", "Non-serious", "mild", "unknown"),
        ("moderate", "Non-serious", "moderate", "unknown"),
        ("severe", "Serious", "severe", "unknown"),
        ("fatal", "SeriousResultsInDeath", "severe", "fatal"),
    ],
)
def test_every_harm_maps_to_a_valid_resource(record, harm, seriousness, severity, outcome):
    event = record(harm=harm, category="infection", description='<b>"Pus" & pain</b>')

    resource = exports.fhir_adverse_event(read(event), include_patient=True)

    FHIRAdverseEvent.model_validate(resource)
    assert resource["seriousness"]["coding"][0]["code"] == seriousness
    assert resource.get("severity", {}).get("coding", [{}])[0].get("code") == severity
    assert resource["outcome"]["coding"][0]["code"] == outcome
    assert resource["category"] == [{"text": "Infection"}]
    assert "contained" not in resource and "suspectEntity" not in resource
    assert resource["subject"] == {"display": "Patient not identified"}  # no case: no patient
    assert "&lt;b&gt;&quot;Pus&quot; &amp; pain&lt;/b&gt;" in resource["text"]["div"]


def test_the_fhir_endpoint_hides_the_nhs_number_from_an_administrator(
    api_as, applicant, admin_user, event
):
    url = f"/api/v1/adverse-events/{event.pk}/fhir/"

    clinician = api_as(applicant).get(url).json()
    administrator = api_as(admin_user).get(url).json()

    assert clinician["subject"]["identifier"]["value"] == NHS_NUMBER
    assert administrator["subject"] == {"display": "Patient not identified"}
    assert NHS_NUMBER not in json.dumps(administrator)
    for resource in (clinician, administrator):
        FHIRAdverseEvent.model_validate(resource)


def test_the_reason_shows_while_the_card_is_not_reportable_and_not_once_reopened(record, lead):
    event = record(harm="fatal", device_involved=True, device_name="S")
    services.yellow_card_set(
        event=event, actor=lead, status="not_reportable", reason="Not a device fault."
    )
    assert card_rows(event)["yellow_card_reason"] == "Not a device fault."

    services.yellow_card_set(event=event, actor=lead, status="due", reason="New evidence.")

    card = card_rows(event)
    assert (card["yellow_card_status"], card["yellow_card_reason"]) == ("Due", "Not applicable")
    incident = exports.yellow_card_report(read(event))[2].rows
    assert dict((r.key, r.value) for r in incident)["serious"] == "Yes: it led to death"
