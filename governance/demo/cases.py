"""Demo cases of the approved demo introduction (seed_demo): 22 cases over the last year with
outcomes, two with faulty coding, seven failures, so that the CUSUM stands close to its
threshold (3.27 against h = 3.5) without crossing it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from governance.cases import services
from governance.cases.models import Case, Timepoint
from governance.introductions.models import Introduction

VALID = ["V40.1", "V55.1", "Y53.4", "Z67.6"]  # percutaneous, fluoroscopy, one level
FAULTY = ["V40.1", "Z67.6"]  # levels and image control missing: the page offers the fix
# One a case, oldest first: failed? (device failure on odd ones, reoperation on even ones)
FAILURES = [0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0]
FAULTY_CASES = {6, 17}  # 1-based
NHS_NUMBERS = ["9434765919", "9434765870", "4010232137"]  # valid check digits, test ranges


def seed_cases(*, introduction: Introduction, users: dict[str, object], device) -> int:
    """Approve `clinician` as an operator and log the cases with their outcomes. Idempotent:
    an introduction that has cases is left as it is. Returns how many cases were logged."""
    if Case.objects.filter(introduction=introduction).exists():
        return 0
    clinician, lead = users["clinician"], users["lead"]
    today = timezone.localdate()
    services.operator_add(
        introduction=introduction,
        user=clinician,
        evidence="Manufacturer's cadaver course (March 2026); 8 cases observed at a regional "
        "centre; mentor's sign-off after 2 supervised cases.",
        approved_on=today - timedelta(days=400),
        actor=lead,
    )
    for number, failed in enumerate(FAILURES, 1):
        performed_on = today - timedelta(days=(len(FAILURES) - number) * 16 + 5)
        operator = users["clinician2"] if number == 20 else clinician  # one not approved
        case = services.case_log(
            introduction=introduction,
            actor=clinician,
            codes=FAULTY if number in FAULTY_CASES else VALID,
            performed_on=performed_on,
            nhs_number=NHS_NUMBERS[number % len(NHS_NUMBERS)],
            local_reference=f"RX{4100 + number}",
            operator=operator,
            mentor="Mr D Okonjo (proctor)" if number <= 5 else "",
            approach="percutaneous",
            image_guidance="fluoroscopy",
            levels=1,
            device=device,
            device_lot=f"LOT-{2600 + number // 4}",
            device_failure=bool(failed) and number % 2 == 1,
            reoperation_on=performed_on + timedelta(days=3) if failed and number % 2 == 0 else None,
        )
        _outcomes(case, clinician, today)
    return len(FAILURES)


def _outcomes(case: Case, actor, today) -> None:
    """Baseline and the follow-ups already collected; ODI falls by about a third."""
    baseline_odi = 44 + case.pk % 12
    plan = [
        (Timepoint.BASELINE, -10, baseline_odi),
        (Timepoint.WEEKS_6, 42, baseline_odi - 8),
        (Timepoint.MONTHS_3, 91, baseline_odi - 14),
        (Timepoint.MONTHS_12, 365, baseline_odi - 18),
    ]
    for timepoint, days, odi in plan:
        collected_on = case.performed_on + timedelta(days=days)
        if collected_on > today:
            return
        services.outcome_record(
            case=case,
            actor=actor,
            timepoint=timepoint,
            collected_on=collected_on,
            odi=odi,
            back_pain=max(0, 7 - days // 60),
            leg_pain=max(0, 5 - days // 60),
            eq5d_index=Decimal("0.45") + Decimal(min(days, 365)) / Decimal(1000),
        )
