"""Use cases of the equality and sustainability assessments: the only code that writes them.

Like every feature's services: keyword-only, atomic, returning the instance; a domain error
(governance.errors) when the actor or the state forbids it, Django's ValidationError naming
the field for bad input. Each write sets simple-history's user and reason, and takes the
introduction's row lock first, so an edit and a sign-off of the same assessment never cross.

Who may (SPEC section 2, assessments/permissions.py): the applicant fills in
their own application's assessments, a governance lead of the organisation any; a governance
lead who is not the applicant signs off. Only while the introduction is undecided.

An edit that changes any answer of a signed-off assessment voids the sign-off, in the same
history row, whose reason says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.assessments.models import (
    ASSESSMENT_MODELS,
    Assessment,
    EqualityAssessment,
    Kind,
    SustainabilityAssessment,
)
from governance.assessments.permissions import fill_refusal, open_conflict
from governance.audited import audited
from governance.errors import InvalidTransition, PreconditionsUnmet
from governance.introductions.models import Introduction
from governance.introductions.services import introduction_lock
from governance.permissions import require

# Free text is generous but bounded: a pasted document, not a denial of service.
MAX_TEXT = 20_000


def _check_open(introduction: Introduction, doing: str) -> None:
    conflict = open_conflict(introduction, doing)
    if conflict:
        raise InvalidTransition(conflict)


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
    locked = introduction_lock(introduction.pk)
    require(fill_refusal, actor, locked)
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
    audited(assessment, actor, why)
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
    locked = introduction_lock(introduction.pk)
    require(f"governance.sign_off_{kind}_assessment", actor, locked)
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
    audited(assessment, actor, reason.strip() or f"{label} signed off")
    assessment.save()
    return assessment
