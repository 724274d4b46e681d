"""Use cases of the equality and sustainability assessments: the only code that writes them.

Like governance/services.py: keyword-only, atomic, returning the instance; a domain error
(governance.errors) when the actor or the state forbids it, Django's ValidationError naming
the field for bad input. Each write sets simple-history's user and reason, and takes the
introduction's row lock first, so an edit and a sign-off of the same assessment never cross.

Who may (SPEC section 2, rules in governance/assessment_models.py): the applicant fills in
their own application's assessments, a governance lead of the organisation any; a governance
lead who is not the applicant signs off. Only while the introduction is undecided.

An edit that changes any answer of a signed-off assessment voids the sign-off, in the same
history row, whose reason says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance import roles
from governance.assessment_models import (
    ASSESSMENT_MODELS,
    OPEN_STATES,
    Assessment,
    Characteristic,
    EqualityAssessment,
    Kind,
    SustainabilityAssessment,
    impact_field,
)
from governance.errors import InvalidTransition, NotPermitted, PreconditionsUnmet
from governance.models import Introduction
from governance.permissions import is_member_of
from governance.services import _audited, _lock_introduction

# Free text is generous but bounded: a pasted document, not a denial of service.
MAX_TEXT = 20_000


def fill_refusal(introduction: Introduction, actor) -> str | None:
    """Why `actor` may not fill in the introduction's assessments now (403), or None."""
    if not is_member_of(actor, introduction.organisation_id):
        return "You are not a member of the organisation this introduction belongs to."
    if roles.is_lead(actor):
        return None
    if introduction.applicant_id == actor.pk and roles.is_clinical(actor):
        return None
    return "Only the applicant or a governance lead may fill in the assessments of an introduction."


def sign_off_refusal(introduction: Introduction, actor, kind: str) -> str | None:
    """Why `actor` may not sign off the introduction's assessments (403), or None."""
    label = Kind(kind).label.lower()
    if not is_member_of(actor, introduction.organisation_id):
        return "You are not a member of the organisation this introduction belongs to."
    if not roles.is_lead(actor):
        return f"Only a governance lead may sign off the {label}."
    if introduction.applicant_id == actor.pk:
        return (
            f"You cannot sign off the {label} of your own application: another governance "
            "lead must."
        )
    return None


def _check_open(introduction: Introduction, doing: str) -> None:
    if introduction.status not in OPEN_STATES:
        raise InvalidTransition(
            f"The assessments can be {doing} only until the introduction is decided; "
            f"it is {introduction.get_status_display().lower()}."
        )


def _clean_data(model: type[Assessment], data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(model.ANSWER_FIELDS))
    if unknown:
        raise ValidationError(
            {name: ["This is not an answer of this assessment."] for name in unknown}
        )
    cleaned = {}
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
            if len(value) > MAX_TEXT:
                raise ValidationError({name: [f"Enter at most {MAX_TEXT:,} characters."]})
        elif value is None and model._meta.get_field(name).get_internal_type() in (
            "TextField",
            "CharField",
        ):
            value = ""
        cleaned[name] = value
    return cleaned


def _save(
    model: type[Assessment],
    *,
    introduction: Introduction,
    actor,
    data: Mapping[str, Any],
    reason: str,
) -> Assessment:
    cleaned = _clean_data(model, data)
    locked = _lock_introduction(introduction.pk)
    why = fill_refusal(locked, actor)
    if why:
        raise NotPermitted(why)
    _check_open(locked, "filled in")
    assessment = model.objects.select_for_update().filter(introduction=locked).first()
    creating = assessment is None
    if creating:
        assessment = model(introduction=locked)
    before = assessment.answers()
    for name, value in cleaned.items():
        setattr(assessment, name, value)
    assessment.full_clean(exclude=["introduction"])
    if not creating and assessment.answers() == before:
        return assessment
    label = model.kind.label
    why = reason.strip() or (f"{label} started" if creating else f"{label} edited")
    if assessment.signed_off_at is not None:
        signer = assessment.signed_off_by
        why += f"; sign-off by {signer.get_full_name() or signer.username} voided by the edit"
        assessment.signed_off_by = None
        assessment.signed_off_at = None
    _audited(assessment, actor, why)
    assessment.save()
    return assessment


@transaction.atomic
def equality_assessment_save(
    *, introduction: Introduction, actor, data: Mapping[str, Any], reason: str = ""
) -> EqualityAssessment:
    """Create or edit the equality impact assessment with `data`: model field names
    (`age_impact`, `age_mitigation`, ..., `psed_aims`, `conclusion`); answers not given keep
    their value. Incomplete answers are saved (status in_progress); contradictory ones raise
    ValidationError. Voids a sign-off when an answer changes; writes nothing when none does."""
    return _save(
        EqualityAssessment, introduction=introduction, actor=actor, data=data, reason=reason
    )


@transaction.atomic
def sustainability_assessment_save(
    *, introduction: Introduction, actor, data: Mapping[str, Any], reason: str = ""
) -> SustainabilityAssessment:
    """As equality_assessment_save, for the sustainability assessment."""
    return _save(
        SustainabilityAssessment, introduction=introduction, actor=actor, data=data, reason=reason
    )


@transaction.atomic
def assessment_sign_off(
    *, introduction: Introduction, kind: str, actor, reason: str = ""
) -> Assessment:
    """Sign off the introduction's `kind` ("equality" or "sustainability") assessment: a
    governance lead of the organisation who is not the applicant, once it is complete.

    NotPermitted (who), InvalidTransition (the introduction is decided, or it is already
    signed off), PreconditionsUnmet (incomplete: `.unmet` lists the missing answers' codes).
    """
    if kind not in ASSESSMENT_MODELS:
        raise ValidationError(
            {"kind": [f"Unknown assessment {kind!r}: use one of {', '.join(Kind.values)}."]}
        )
    model = ASSESSMENT_MODELS[kind]
    label = model.kind.label
    locked = _lock_introduction(introduction.pk)
    why = sign_off_refusal(locked, actor, kind)
    if why:
        raise NotPermitted(why)
    _check_open(locked, "signed off")
    assessment = model.objects.select_for_update().filter(introduction=locked).first()
    if assessment is None:
        # Not started: everything is missing, and the 409 says so like any incomplete one.
        assessment = model(introduction=locked)
    assessment.introduction = locked
    if assessment.signed_off_at is not None:
        raise InvalidTransition(f"The {label.lower()} is already signed off.")
    missing = assessment.missing()
    if missing:
        state = "has not been started" if assessment.pk is None else "is not complete"
        raise PreconditionsUnmet(
            f"The {label.lower()} {state}. Still needed: "
            + "; ".join(item.text for item in missing)
            + ".",
            [item.code for item in missing],
        )
    assessment.signed_off_by = actor
    assessment.signed_off_at = timezone.now()
    _audited(assessment, actor, reason.strip() or f"{label} signed off")
    assessment.save()
    return assessment


# --- demo data (seed_demo) -------------------------------------------------------------------

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
