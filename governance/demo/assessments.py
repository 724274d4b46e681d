"""Demo answers for the equality and sustainability assessments (seed_demo)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from governance.assessments.models import (
    Characteristic,
    EqualityAssessment,
    Kind,
    SustainabilityAssessment,
    impact_field,
)
from governance.assessments.services import (
    assessment_sign_off,
    equality_assessment_save,
    sustainability_assessment_save,
)
from governance.introductions.models import Introduction

DEMO_STATES = ("not_started", "in_progress", "completed", "signed_off", "voided")
_DEMO_REASON = "Demo data (seed_demo)"
_DEMO_EVIDENCE = (
    "Referrals to the spinal service over the last two years, by {label}: no difference in "
    "who is referred or offered surgery."
)
_DEMO_IMPACTS: dict[str, dict[str, Any]] = {
    "age": {
        "impact": "positive",
        "evidence": "Degenerative lumbar disease is commonest over 50; a shorter operation "
        "and stay than fusion suits older patients.",
    },
    "disability": {
        "impact": "positive",
        "evidence": "Chronic low back pain is a leading cause of disability; the procedure "
        "aims to restore function.",
    },
    "pregnancy_maternity": {
        "impact": "negative",
        "evidence": "Fluoroscopy exposes a fetus to ionising radiation.",
        "mitigation": "Pregnancy status checked before surgery (IR(ME)R); surgery deferred "
        "during pregnancy.",
    },
    "race": {
        "impact": "unknown",
        "evidence": "Ethnicity is not recorded reliably in the spinal referral data.",
        "action": "Audit the ethnicity of patients referred, offered and treated.",
        "action_owner": "Spinal audit lead",
        "action_due": date(2026, 9, 30),
    },
    "religion_belief": {
        "impact": "negative",
        "evidence": "Some patients decline blood transfusion for religious reasons.",
        "mitigation": "Individual blood management plan, cell salvage available.",
    },
}


def _demo_equality() -> dict[str, Any]:
    data: dict[str, Any] = {}
    for characteristic, label in Characteristic.choices:
        answers = {"impact": "neutral", "evidence": _DEMO_EVIDENCE.format(label=label.lower())}
        answers |= _DEMO_IMPACTS.get(characteristic, {})
        data |= {impact_field(characteristic, part): v for part, v in answers.items()}
    return data | {
        "health_inequalities": "Referral rates are compared across deprivation quintiles "
        "(Core20PLUS5); transport costs are refunded under the Healthcare Travel Costs Scheme.",
        "accessible_information": "NICE's information for the public in easy read and the five "
        "commonest local languages; interpreters, including BSL, booked for every appointment.",
        "consent_capacity": "Two-stage consent; patients who may lack capacity are assessed "
        "under the Mental Capacity Act 2005 and a best-interests meeting held.",
        "psed_aims": "Selection criteria are clinical only; uptake is monitored by protected "
        "characteristic; the patient panel reviewed the information.",
        "conclusion": "adjust",
    }


def _demo_sustainability() -> dict[str, Any]:
    return {
        "single_use_items": "One implant kit (screws, spacers, cords) and single-use drapes.",
        "reusable_items": "Two instrument trays; no reusable alternative to the implant.",
        "decontamination": "Two extra trays through sterile services a case.",
        "waste": "Implant packaging (mostly recyclable) and clinical waste as for fusion.",
        "energy": "About two minutes of fluoroscopy; theatre ventilation as for fusion.",
        "theatre_time_and_stay": "About 90 minutes against 150 for fusion; one night in "
        "hospital fewer.",
        "travel": "Follow-up at 6 weeks in clinic, at 3 and 12 months by video.",
        "supplier_carbon_plan": True,
        "kgco2e_per_case": Decimal("182.5"),
        "rating": "positive",
        "mitigations": "Reusable instrument trays; video follow-up; packaging recycled.",
    }


def seed_assessments(*, introduction: Introduction, state: str, lead) -> None:
    """Give a demo introduction its assessments in `state` (DEMO_STATES): filled in by its
    applicant, signed off by `lead` (a governance lead who is not the applicant). "voided" is
    signed off, then the equality assessment edited, which voids its sign-off. Call it while
    the introduction is undecided. Idempotent: an introduction that has either assessment is
    left as it is."""
    if state not in DEMO_STATES:
        raise ValueError(f"Unknown demo state {state!r}: use one of {', '.join(DEMO_STATES)}.")
    exists = EqualityAssessment.objects.filter(introduction=introduction).exists()
    if exists or SustainabilityAssessment.objects.filter(introduction=introduction).exists():
        return
    applicant = introduction.applicant
    if state == "not_started":
        return
    if state == "in_progress":
        started = {k: v for k, v in _demo_equality().items() if k.startswith(("age_", "sex_"))}
        equality_assessment_save(
            introduction=introduction, actor=applicant, data=started, reason=_DEMO_REASON
        )
        return
    equality_assessment_save(
        introduction=introduction, actor=applicant, data=_demo_equality(), reason=_DEMO_REASON
    )
    sustainability_assessment_save(
        introduction=introduction, actor=applicant, data=_demo_sustainability(), reason=_DEMO_REASON
    )
    if state == "completed":
        return
    for kind in Kind.values:
        assessment_sign_off(
            introduction=introduction, kind=kind, actor=lead, reason="Reviewed at committee"
        )
    if state == "voided":
        equality_assessment_save(
            introduction=introduction,
            actor=applicant,
            data={
                "accessible_information": _demo_equality()["accessible_information"]
                + " Large print on request."
            },
            reason="Large print added after the committee",
        )
