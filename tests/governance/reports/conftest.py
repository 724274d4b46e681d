"""Fixtures of the committee report tests: an introduction taken through its decisions by the
workflow, with conditions, cases (one failed by its flags, one by a severe device event),
outcomes and adverse events in several Yellow Card states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from coding.models import RuleSet
from governance.cases import services as cases
from governance.events import services as events
from governance.introductions import services as introductions
from governance.introductions.models import Introduction
from tests.factories import DeviceFactory, GuidanceFactory
from tests.governance.cases.conftest import CONTEXT, TODAY, VALID

TITLE = "Non-rigid stabilisation of the lumbar spine"
NHS_NUMBER = "9434765919"  # a valid one; it must never reach the paper
# p0 0.1, p1 0.2, h 1: a failure adds ln 2 = 0.693, a success ln(0.8/0.9) = -0.118, so the
# cases (failed, failed, not) give S = 0.693, 1.386 (the signal, at case no. 2), 1.269.
P0, P1, H = 0.1, 0.2, 1.0
FINAL_S = "1.27"


@dataclass
class Committee:
    introduction: Introduction
    cases: list
    events: dict


def walk(introduction, *steps) -> Introduction:
    for action, actor, reason, *conditions in steps:
        introduction = introductions.introduction_transition(
            introduction=introduction,
            action=action,
            actor=actor,
            reason=reason,
            conditions=conditions[0] if conditions else (),
        )
    return introduction


@pytest.fixture
def committee(make_introduction, applicant, lead) -> Committee:
    """The introduction as a committee reads it: submitted, sent back, resubmitted, approved
    with two conditions (one met); three cases, two of them failures; three events."""
    guidance = GuidanceFactory(
        reference="IPG366",
        title="Non-rigid stabilisation techniques for the treatment of low back pain",
        ruleset=RuleSet.objects.get(name="IPG366"),
    )
    device = DeviceFactory(name="Dynamic stabilisation system", catalogue_number="DS-40")
    introduction = make_introduction(
        "submitted",
        title=TITLE,
        guidance=guidance,
        cusum_p0=P0,
        cusum_p1=P1,
        cusum_h=H,
        first_review_after_cases=3,
        assessments_signed_off_by=lead,
    )
    introduction.device_links.create(device=device)
    introduction = walk(
        introduction,
        ("start_review", lead, ""),
        ("request_changes", lead, "Say who mentors the first cases."),
        ("resubmit", applicant, "Mr Okafor from the regional centre mentors them."),
        ("start_review", lead, ""),
        (
            "approve",
            lead,
            "Approved at the committee of 4 March.",
            ["A mentor attends the first 2 cases", "Outcomes reported at 12 months"],
        ),
    )
    first = introduction.conditions.order_by("pk").first()
    introductions.condition_meet(
        condition=first, actor=lead, evidence="Mentor's attendance log signed."
    )

    def log(days_ago: int, **fields):
        return cases.case_log(
            introduction=introduction,
            actor=applicant,
            codes=VALID,
            performed_on=TODAY - timedelta(days=days_ago),
            device=device,
            **CONTEXT,
            **fields,
        )

    logged = [
        log(30, device_failure=True, local_reference="H-2041", mentor="Mr Okafor"),
        log(20, nhs_number=NHS_NUMBER, local_reference="H-2077", mentor="Mr Okafor"),
        log(10, local_reference="H-2102"),
    ]
    cases.outcome_record(
        case=logged[0],
        actor=applicant,
        timepoint="baseline",
        collected_on=TODAY - timedelta(days=31),
        odi=48,
        back_pain=7,
        leg_pain=6,
    )
    cases.outcome_record(
        case=logged[0], actor=applicant, timepoint="6w", collected_on=TODAY, odi=22, back_pain=3
    )

    def record(**fields):
        return events.adverse_event_record(introduction=introduction, actor=applicant, **fields)

    severe = record(
        case=logged[1],
        occurred_on=TODAY - timedelta(days=12),
        description="The cord pulled out of the upper screw head.",
        harm="severe",
        category="device_failure",
        device_involved=True,
        local_reference="W-24017",
    )
    wound = record(
        case=logged[2],
        occurred_on=TODAY - timedelta(days=5),
        description="Superficial wound ooze, dressed on the ward.",
        harm="low",
        category="wound",
    )
    submitted = record(
        occurred_on=TODAY - timedelta(days=8),
        description="Screw loosening seen on the 6-week film.",
        harm="moderate",
        category="device_failure",
        device_involved=True,
        device_name="Dynamic stabilisation system",
        might_have_led_to_serious=True,
    )
    submitted = events.yellow_card_set(
        event=submitted,
        actor=lead,
        status="submitted",
        reference="2026/004512",
        submitted_on=TODAY - timedelta(days=2),
    )
    return Committee(
        introduction, logged, {"severe": severe, "wound": wound, "submitted": submitted}
    )


def report_url(introduction) -> str:
    return f"/introductions/{introduction.pk}/report/"


def pdf_url(introduction) -> str:
    return f"/introductions/{introduction.pk}/report.pdf"
