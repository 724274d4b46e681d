"""Demo adverse events of the approved demo introduction (seed_demo): one in every Yellow Card
state (due, due and overdue, submitted with the MHRA reference, not reportable with the reason,
not required), on its cases and one on none. Each event on a case that makes the case a failure
is on a case that had failed already, so that the CUSUM stands where demo/cases.py puts it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from governance.events import services
from governance.events.models import AdverseEvent
from governance.introductions.models import Introduction


@dataclass(frozen=True)
class DemoEvent:
    case: int | None  # its number in demo/cases.py (1-based, oldest first), or on no case
    reporter: str
    # (occurred, found): days before today, or days after the case's procedure
    days: tuple[int, int]
    fields: dict[str, Any]
    after_procedure: bool = False
    # a lead's decision on the card (services.yellow_card_set); submitted the day after found
    decision: dict[str, Any] | None = None


def _demo_events() -> list[DemoEvent]:
    # Overdue by two weeks whatever the local policy (YELLOW_CARD_DAYS_OTHER, at most 90).
    overdue_found = settings.YELLOW_CARD_DAYS_OTHER + 14
    return [
        DemoEvent(  # due, and overdue: case 3 failed already (device failure)
            case=3,
            reporter="clinician",
            days=(overdue_found + 2, overdue_found),
            fields={
                "description": "At the 6-month review the X-ray showed the polyethylene cord "
                "pulled out of the upper screw head; the patient has more back pain again.",
                "harm": "moderate",
                "category": "device_failure",
                "device_involved": True,
                "device_serial_number": "SN-118204",
                "device_available": False,
                "might_have_led_to_serious": True,
                "action_taken": "Reviewed in clinic; revision discussed at the spinal MDT.",
                "local_reference": "W-24017",
            },
        ),
        DemoEvent(  # due, not yet overdue: case 21 failed already (device failure)
            case=21,
            reporter="clinician",
            days=(1, 0),
            fields={
                "description": "A pedicle screw broke at L4/5 on turning in bed; new weakness "
                "of ankle dorsiflexion on the left.",
                "harm": "severe",
                "category": "neurological",
                "device_involved": True,
                "device_serial_number": "SN-120551",
                "device_available": True,
                "device_kept_at": "Theatres decontamination unit, quarantine shelf 3",
                "action_taken": "Urgent MRI; screw removed and nerve root decompressed.",
                "local_reference": "W-24102",
            },
        ),
        DemoEvent(  # submitted with the MHRA reference: case 18 failed already (reoperation)
            case=18,
            reporter="clinician",
            after_procedure=True,
            days=(2, 2),
            fields={
                "description": "The check X-ray showed a spacer displaced into the canal; "
                "returned to theatre the next day.",
                "harm": "severe",
                "category": "reoperation",
                "device_involved": True,
                "device_available": True,
                "device_kept_at": "Returned to the manufacturer for investigation",
                "action_taken": "Spacer removed and replaced; the surgeon and the company "
                "representative reviewed the insertion instruments.",
                "local_reference": "W-23871",
            },
            decision={"status": "submitted", "reference": "YCDM-DEMO-0417"},
        ),
        DemoEvent(  # not reportable, with the reason: case 10 did not fail
            case=10,
            reporter="clinician2",
            after_procedure=True,
            days=(0, 0),
            fields={
                "description": "Small dural tear on exposure of L4, repaired primarily; the "
                "patient mobilised a day later than planned.",
                "harm": "moderate",
                "category": "dural_tear",
                "device_involved": True,
                "might_have_led_to_serious": True,
                "action_taken": "Repaired with sutures and sealant; bed rest for 24 hours.",
                "local_reference": "W-23544",
            },
            decision={
                "status": "not_reportable",
                "reason": "The tear came from the exposure, before any implant was used: the "
                "device is not a suspected cause.",
            },
        ),
        DemoEvent(  # not required: case 16 did not fail, and no device was involved
            case=16,
            reporter="clinician",
            after_procedure=True,
            days=(12, 12),
            fields={
                "description": "Superficial wound infection at the lower end of the incision.",
                "harm": "low",
                "category": "infection",
                "action_taken": "Swab taken; oral flucloxacillin for 7 days; healed.",
            },
        ),
        DemoEvent(  # not required, and on no case: found before the incision
            case=None,
            reporter="clinician2",
            days=(30, 30),
            fields={
                "description": "The level was marked one segment too high; found at the "
                "image check before the incision and corrected.",
                "harm": "none",
                "category": "other",
                "action_taken": "Image check of the level made a step of the WHO checklist.",
                "local_reference": "W-23990",
            },
        ),
    ]


def seed_events(*, introduction: Introduction, users: dict[str, Any]) -> int:
    """Record the demo events under the approved demo introduction and take the leads'
    decisions on their Yellow Cards. Idempotent: an introduction that has events is left as it
    is. Returns how many events were recorded."""
    if AdverseEvent.objects.filter(introduction=introduction).exists():
        return 0
    today = timezone.localdate()
    cases = list(introduction.cases.order_by("performed_on", "pk"))
    demo = _demo_events()
    for spec in demo:
        case = cases[spec.case - 1] if spec.case else None
        start = case.performed_on if spec.after_procedure else today
        sign = 1 if spec.after_procedure else -1
        occurred, found = (start + timedelta(days=sign * days) for days in spec.days)
        event = services.adverse_event_record(
            introduction=introduction,
            actor=users[spec.reporter],
            case=case,
            occurred_on=occurred,
            detected_on=found,
            **spec.fields,
        )
        if spec.decision:
            submitted_on = min(found + timedelta(days=1), today)
            if spec.decision["status"] != "submitted":
                submitted_on = None
            services.yellow_card_set(
                event=event, actor=users["lead"], submitted_on=submitted_on, **spec.decision
            )
    return len(demo)
