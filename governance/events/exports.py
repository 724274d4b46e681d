"""What an adverse event is turned into for others to read (DESIGN.md, "Adverse events and the
Yellow Card"):

  yellow_card_report(event)   the MHRA Yellow Card device form's answers, section by section in
                              the order a person copies them into the form (the API's JSON, the
                              printable page and its PDF all show this one list)
  fhir_adverse_event(event)   an HL7 FHIR R4 AdverseEvent for LFPSE, validated with the
                              `fhir.resources` R4B models before it leaves

The NHS number is in none of them, except the FHIR subject when the caller may see it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from django.utils import dateformat
from django.utils.html import escape

from governance import roles
from governance.events.models import SERIOUS_HARM, AdverseEvent, Category, Harm, YellowCard

# The FHIR models are imported where they are used: they add to the start of every process
# (web, worker, each manage.py command), and only this export needs them.

NOT_RECORDED = "Not recorded"


class Row(NamedTuple):
    """One answer of the form: a stable `key` for programs, the form's `label`, and the
    `value` as a person types it (empty answers say "Not recorded")."""

    key: str
    label: str
    value: str


class Section(NamedTuple):
    title: str
    rows: list[Row]


def _text(value: Any) -> str:
    if value is None or value == "":
        return NOT_RECORDED
    if isinstance(value, date):
        return dateformat.format(value, "j F Y")  # 3 March 2026: no doubt which is the day
    return str(value).strip() or NOT_RECORDED


def _yes_no(value: bool | None) -> str:
    return NOT_RECORDED if value is None else ("Yes" if value else "No")


def _serious(event: AdverseEvent) -> str:
    """The form's question: did it lead, or might it have led, to death or serious
    deterioration in health?"""
    if event.harm == Harm.FATAL:
        return "Yes: it led to death"
    if event.harm in SERIOUS_HARM:
        return "Yes: it led to severe harm"
    if event.might_have_led_to_serious:
        return "Yes: it might have led to death or serious deterioration"
    return "No"


def yellow_card_report(event: AdverseEvent, *, today: date | None = None) -> list[Section]:
    """The answers the MHRA Yellow Card device form asks for, in its order: who reports, the
    device, the incident, the patient, and this service's own record of the card. `event`
    should come with its introduction's organisation, its reporter and its case."""
    reporter = event.reporter
    organisation = event.introduction.organisation
    case = event.case
    kept = event.device_available
    return [
        Section(
            "Reporter",
            [
                Row("reporter_name", "Name", _text(reporter.get_full_name() or reporter.username)),
                Row("reporter_role", "Role", _text(", ".join(roles.roles_of(reporter)))),
                Row("reporter_organisation", "Organisation", _text(organisation)),
                Row("reporter_email", "Email address", _text(reporter.email)),
            ],
        ),
        Section(
            "Device",
            [
                Row("device_involved", "Was a device involved?", _yes_no(event.device_involved)),
                Row("device_name", "Device name", _text(event.device_name)),
                Row("device_manufacturer", "Manufacturer", _text(event.device_manufacturer)),
                Row("device_model", "Model", _text(event.device_model)),
                Row(
                    "device_catalogue_number",
                    "Catalogue number",
                    _text(event.device_catalogue_number),
                ),
                Row("device_serial_number", "Serial number", _text(event.device_serial_number)),
                Row("device_lot_number", "Lot or batch number", _text(event.device_lot_number)),
                Row(
                    "device_available",
                    "Is the device kept for investigation?",
                    _yes_no(kept),
                ),
                Row(
                    "device_kept_at",
                    "Where the device is kept",
                    _text(event.device_kept_at) if kept else "Not applicable",
                ),
            ],
        ),
        Section(
            "Incident",
            [
                Row("occurred_on", "Date of the incident", _text(event.occurred_on)),
                Row("detected_on", "Date the incident was found", _text(event.detected_on)),
                Row("category", "Kind of incident", event.get_category_display()),
                Row("description", "What happened", _text(event.description)),
                Row("harm", "Outcome (harm to the patient)", event.get_harm_display()),
                Row(
                    "serious",
                    "Did it lead, or might it have led, to death or serious deterioration in "
                    "health?",
                    _serious(event),
                ),
                Row("action_taken", "Action taken", _text(event.action_taken)),
                Row("local_reference", "Local incident reference", _text(event.local_reference)),
            ],
        ),
        Section(
            "Patient",
            [
                # Not held by this service; the NHS number never goes on the card.
                Row("patient_age", "Age", NOT_RECORDED),
                Row("patient_sex", "Sex", NOT_RECORDED),
                Row(
                    "procedure_on",
                    "Date of the procedure",
                    _text(case.performed_on) if case else "Not linked to a case",
                ),
            ],
        ),
        Section(
            "Yellow Card",
            [
                Row("yellow_card_status", "Status", _card_status(event, today)),
                Row("yellow_card_due_by", "Due by", _text(event.yellow_card_due_by)),
                Row("yellow_card_reference", "MHRA reference", _text(event.yellow_card_reference)),
                Row(
                    "yellow_card_submitted_on",
                    "Submitted on",
                    _text(event.yellow_card_submitted_on),
                ),
                Row(
                    "yellow_card_reason",
                    "Why it is not reportable",
                    # a reopened card keeps the reason it had: it no longer stands
                    _text(event.yellow_card_reason)
                    if event.yellow_card == YellowCard.NOT_REPORTABLE
                    else "Not applicable",
                ),
            ],
        ),
    ]


def _card_status(event: AdverseEvent, today: date | None) -> str:
    status = event.get_yellow_card_display()
    if today is not None and event.is_overdue(today):
        return f"{status} (overdue)"
    return status


# --- HL7 FHIR R4 AdverseEvent ----------------------------------------------------------------

TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
NOT_IDENTIFIED = "Patient not identified"

# LFPSE harm -> FHIR (adverse-event-seriousness, adverse-event-severity, adverse-event-outcome).
# Seriousness: severe harm is Serious and fatal SeriousResultsInDeath, the rest Non-serious
# (the risk of serious harm, `might_have_led_to_serious`, is not harm done).
# Severity (mild, moderate, severe): low -> mild, moderate -> moderate, severe and fatal ->
# severe; no harm has no severity, so none is given.
# Outcome: fatal for a death; otherwise unknown, since the service records the grade of harm,
# not whether the patient has recovered (the text says the grade).
SERIOUSNESS = {
    Harm.NONE: ("Non-serious", "Non-serious"),
    Harm.LOW: ("Non-serious", "Non-serious"),
    Harm.MODERATE: ("Non-serious", "Non-serious"),
    Harm.SEVERE: ("Serious", "Serious"),
    Harm.FATAL: ("SeriousResultsInDeath", "Results in death"),
}
SEVERITY = {
    Harm.LOW: ("mild", "Mild"),
    Harm.MODERATE: ("moderate", "Moderate"),
    Harm.SEVERE: ("severe", "Severe"),
    Harm.FATAL: ("severe", "Severe"),
}
# Our categories with a code in FHIR's adverse-event-category (an extensible binding: the
# others go as text).
FHIR_CATEGORY = {Category.DEVICE_FAILURE: ("product-problem", "Product Problem")}


def _concept(system: str, code: str, display: str, text: str) -> dict[str, Any]:
    return {
        "coding": [{"system": TERMINOLOGY + system, "code": code, "display": display}],
        "text": text,
    }


def _subject(event: AdverseEvent, include_patient: bool) -> dict[str, Any]:
    """The patient by NHS number for a caller who may see it, when the case records one;
    otherwise a display only (FHIR requires a subject)."""
    nhs_number = event.case.nhs_number if event.case_id else ""
    if include_patient and nhs_number:
        return {
            "type": "Patient",
            "identifier": {"system": NHS_NUMBER_SYSTEM, "value": nhs_number},
        }
    return {"display": NOT_IDENTIFIED}


def _device(event: AdverseEvent) -> dict[str, Any]:
    device: dict[str, Any] = {
        "resourceType": "Device",
        "id": "device",
        "deviceName": [{"name": event.device_name, "type": "user-friendly-name"}],
        "manufacturer": event.device_manufacturer,
        "modelNumber": event.device_model,
        "partNumber": event.device_catalogue_number,  # the catalogue (REF) number
        "serialNumber": event.device_serial_number,
        "lotNumber": event.device_lot_number,
    }
    return {name: value for name, value in device.items() if value}


def fhir_adverse_event(event: AdverseEvent, *, include_patient: bool) -> dict[str, Any]:
    """The event as an HL7 FHIR R4 AdverseEvent (JSON), validated with fhir.resources' R4B
    models (R4B changed nothing of AdverseEvent or Device from R4). The patient is identified
    (by NHS number) only when `include_patient`: the caller may see NHS numbers
    (`governance.see_nhs_number`). `event` should come with its case and reporter."""
    from fhir.resources.R4B.adverseevent import AdverseEvent as FHIRAdverseEvent

    harm = Harm(event.harm)
    category = Category(event.category)
    resource: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "id": str(event.pk),
        "text": {
            "status": "generated",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(event.description)}'
            "</p></div>",
        },
        "actuality": "actual",
        "category": [
            _concept("adverse-event-category", *FHIR_CATEGORY[category], category.label)
            if category in FHIR_CATEGORY
            else {"text": category.label}
        ],
        "event": {"text": event.description},
        "subject": _subject(event, include_patient),
        "date": event.occurred_on.isoformat(),
        "detected": event.detected_on.isoformat(),
        "recordedDate": event.created_at.isoformat(),
        "recorder": {"display": event.reporter.get_full_name() or event.reporter.username},
        "seriousness": _concept("adverse-event-seriousness", *SERIOUSNESS[harm], harm.label),
        "outcome": _concept(
            "adverse-event-outcome",
            *(("fatal", "Fatal") if harm == Harm.FATAL else ("unknown", "Unknown")),
            harm.label,
        ),
    }
    if harm in SEVERITY:
        resource["severity"] = _concept("adverse-event-severity", *SEVERITY[harm], harm.label)
    if event.local_reference:
        resource["identifier"] = {
            "type": {"text": "Local incident reference"},
            "value": event.local_reference,
        }
    if event.device_involved:
        resource["contained"] = [_device(event)]
        resource["suspectEntity"] = [{"instance": {"reference": "#device"}}]
    validated = FHIRAdverseEvent.model_validate(resource)
    return validated.model_dump(mode="json", by_alias=True, exclude_none=True)
