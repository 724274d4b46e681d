"""Helpers of the adverse-event pages' tests: URLs and the quick form as a browser posts it."""

from __future__ import annotations

import re
from datetime import date

from tests.governance.cases.conftest import TODAY
from tests.governance.cases.pages import date_fields, url  # noqa: F401  (re-exported)


def event_form(occurred_on: date | tuple = TODAY, **fields) -> dict[str, str]:
    """The quick form filled in as a clinician would: a moderate wound problem, no device."""
    data = {
        **date_fields("occurred_on", occurred_on),
        **{f"detected_on_{part}": "" for part in ("day", "month", "year")},
        "description": "Wound ooze on day 3, dressed on the ward.",
        "category": "wound",
        "harm": "moderate",
        "might_have_led_to_serious": "no",
        "device_involved": "no",
        "action_taken": "",
        "local_reference": "",
    }
    data.update({name: str(value) for name, value in fields.items()})
    return data


def severe_device_event(**fields) -> dict[str, str]:
    """A severe event with the device, kept for the manufacturer (the device details are what
    the page filled in, or left to the case's)."""
    answers = {
        "description": "Screw loosening with new leg pain; revision needed.",
        "category": "device_failure",
        "harm": "severe",
        "might_have_led_to_serious": "yes",
        "device_involved": "yes",
        "device_available": "yes",
        "device_kept_at": "Theatre 3 sterile services",
    }
    return event_form(**{**answers, **fields})


def rows(html: str) -> list[int]:
    """The event ids of an event table's rows, in order."""
    return [int(pk) for pk in re.findall(r'role="row" data-event="(\d+)"', html)]


def summary_links(html: str) -> dict[str, str]:
    """The error summary's links: {target id: message}."""
    summary = html.split('class="nhsuk-error-summary"')[1].split("</ul>")[0]
    return {target: text for target, text in re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)}
