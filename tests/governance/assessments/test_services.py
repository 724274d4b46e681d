"""Filling in, signing off and voiding the assessments, and approval reading them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from governance.assessments.models import (
    AssessmentStatus,
    Characteristic,
    EqualityAssessment,
    SustainabilityAssessment,
    impact_field,
)
from governance.assessments.services import (
    assessment_sign_off,
    equality_assessment_save,
    sustainability_assessment_save,
)
from governance.errors import InvalidTransition, NotPermitted, PreconditionsUnmet
from governance.introductions import services
from governance.introductions.workflow import Status
from governance.models import Transition

pytestmark = pytest.mark.django_db


def equality_answers(**answers) -> dict:
    data = {}
    for c in Characteristic.values:
        data[impact_field(c, "impact")] = "neutral"
        data[impact_field(c, "evidence")] = "Local audit of the last 200 referrals."
    data |= {
        "health_inequalities": "Referral rates by deprivation quintile are monitored.",
        "accessible_information": "Leaflets in easy read and the five commonest languages.",
        "psed_aims": "Equal access, monitored uptake, patient panel engagement.",
        "conclusion": "no_change",
    }
    return data | answers


def sustainability_answers(**answers) -> dict:
    data = {name: f"An answer about {name}" for name in SustainabilityAssessment.TEXT_FIELDS}
    return data | {"supplier_carbon_plan": True, "rating": "neutral"} | answers


def fill_both(introduction, actor) -> None:
    equality_assessment_save(introduction=introduction, actor=actor, data=equality_answers())
    sustainability_assessment_save(
        introduction=introduction, actor=actor, data=sustainability_answers()
    )


def reasons(assessment) -> list[str]:
    return list(
        assessment.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )


# --- filling in -------------------------------------------------------------------------


def test_the_applicant_starts_the_equality_assessment_and_history_records_it(
    make_introduction, applicant
):
    introduction = make_introduction()

    assessment = equality_assessment_save(
        introduction=introduction, actor=applicant, data={"age_impact": "positive"}
    )

    assessment.refresh_from_db()
    assert assessment.age_impact == "positive"
    assert assessment.status == AssessmentStatus.IN_PROGRESS
    [row] = assessment.history.all()
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "+",
        applicant,
        "Equality impact assessment started",
    )


def test_answers_not_given_keep_their_value(make_introduction, applicant):
    introduction = make_introduction()
    equality_assessment_save(introduction=introduction, actor=applicant, data=equality_answers())

    assessment = equality_assessment_save(
        introduction=introduction, actor=applicant, data={"psed_aims": "Reworded."}
    )

    assessment.refresh_from_db()
    assert (assessment.psed_aims, assessment.conclusion) == ("Reworded.", "no_change")
    assert assessment.status == AssessmentStatus.COMPLETED


def test_saving_the_same_answers_writes_nothing(make_introduction, applicant):
    introduction = make_introduction()
    assessment = equality_assessment_save(
        introduction=introduction, actor=applicant, data=equality_answers()
    )

    equality_assessment_save(introduction=introduction, actor=applicant, data=equality_answers())

    assert assessment.history.count() == 1


def test_a_governance_lead_fills_in_anyones_assessments(make_introduction, lead):
    introduction = make_introduction("under_review")

    fill_both(introduction, lead)

    introduction.refresh_from_db()
    assert introduction.equality_assessment.status == AssessmentStatus.COMPLETED
    assert introduction.sustainability_assessment.status == AssessmentStatus.COMPLETED


@pytest.mark.parametrize("who", ["clinician", "admin_user", "outsider", "other_org_lead"])
def test_nobody_else_fills_in_the_assessments(make_introduction, request, who):
    introduction = make_introduction()
    actor = request.getfixturevalue(who)

    with pytest.raises(NotPermitted):
        equality_assessment_save(introduction=introduction, actor=actor, data=equality_answers())
    with pytest.raises(NotPermitted):
        sustainability_assessment_save(
            introduction=introduction, actor=actor, data=sustainability_answers()
        )

    assert not EqualityAssessment.objects.exists()
    assert not SustainabilityAssessment.objects.exists()


@pytest.mark.parametrize("status", ["approved", "rejected", "cancelled", "withdrawn"])
def test_the_assessments_cannot_change_once_the_introduction_is_decided(
    make_introduction, applicant, lead, status
):
    introduction = make_introduction(status)

    with pytest.raises(InvalidTransition, match="until the introduction is decided"):
        equality_assessment_save(introduction=introduction, actor=lead, data=equality_answers())

    assert not EqualityAssessment.objects.exists()


def test_a_negative_impact_without_a_mitigation_is_refused_and_nothing_is_saved(
    make_introduction, applicant
):
    introduction = make_introduction()

    with pytest.raises(ValidationError) as caught:
        equality_assessment_save(
            introduction=introduction,
            actor=applicant,
            data=equality_answers(pregnancy_maternity_impact="negative"),
        )

    assert caught.value.message_dict == {
        "pregnancy_maternity_mitigation": [
            "Pregnancy and maternity: enter how the negative impact will be mitigated."
        ]
    }
    assert not EqualityAssessment.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"age_impact": "dreadful"}, "age_impact"),
        ({"conclusion": "maybe"}, "conclusion"),
        ({"age_action_due": "31/02/2026"}, "age_action_due"),
        ({"no_such_answer": "x"}, "no_such_answer"),
        ({"signed_off_by": 1}, "signed_off_by"),
        ({"psed_aims": "x" * 20_001}, "psed_aims"),
    ],
)
def test_bad_equality_input_names_the_field(make_introduction, applicant, data, field):
    with pytest.raises(ValidationError) as caught:
        equality_assessment_save(introduction=make_introduction(), actor=applicant, data=data)

    assert field in caught.value.message_dict


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kgco2e_per_case": "-1"}, "kgco2e_per_case"),
        ({"kgco2e_per_case": "lots"}, "kgco2e_per_case"),
        ({"rating": "negative", "mitigations": " "}, "mitigations"),
        ({"rating": "awful"}, "rating"),
    ],
)
def test_bad_sustainability_input_names_the_field(make_introduction, applicant, data, field):
    with pytest.raises(ValidationError) as caught:
        sustainability_assessment_save(introduction=make_introduction(), actor=applicant, data=data)

    assert field in caught.value.message_dict


# --- signing off ------------------------------------------------------------------------


def test_a_governance_lead_signs_off_a_complete_assessment(make_introduction, applicant, lead):
    introduction = make_introduction("under_review")
    fill_both(introduction, applicant)

    assessment = assessment_sign_off(
        introduction=introduction, kind="equality", actor=lead, reason="Read at committee"
    )

    assessment.refresh_from_db()
    assert assessment.signed_off_by == lead
    assert assessment.signed_off_at is not None
    assert assessment.status == AssessmentStatus.SIGNED_OFF
    latest = assessment.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (lead, "Read at committee")


def test_a_lead_never_signs_off_the_assessments_of_their_own_application(
    make_introduction, lead_applicant
):
    introduction = make_introduction("under_review", applicant=lead_applicant)
    fill_both(introduction, lead_applicant)

    for kind in ("equality", "sustainability"):
        with pytest.raises(NotPermitted, match="your own application"):
            assessment_sign_off(introduction=introduction, kind=kind, actor=lead_applicant)

    assert not EqualityAssessment.objects.filter(signed_off_at__isnull=False).exists()
    assert not SustainabilityAssessment.objects.filter(signed_off_at__isnull=False).exists()


@pytest.mark.parametrize("who", ["applicant", "clinician", "admin_user", "other_org_lead"])
def test_nobody_but_a_governance_lead_of_the_organisation_signs_off(
    make_introduction, applicant, request, who
):
    introduction = make_introduction("under_review")
    fill_both(introduction, applicant)

    with pytest.raises(NotPermitted):
        assessment_sign_off(
            introduction=introduction, kind="equality", actor=request.getfixturevalue(who)
        )

    assert not EqualityAssessment.objects.filter(signed_off_at__isnull=False).exists()


def test_an_incomplete_assessment_cannot_be_signed_off_and_the_refusal_lists_what_is_missing(
    make_introduction, applicant, lead
):
    introduction = make_introduction("under_review")
    equality_assessment_save(
        introduction=introduction, actor=applicant, data=equality_answers(psed_aims="")
    )

    with pytest.raises(PreconditionsUnmet) as caught:
        assessment_sign_off(introduction=introduction, kind="equality", actor=lead)

    assert caught.value.unmet == ["psed_aims"]
    assert "Public Sector Equality Duty" in caught.value.message
    assert EqualityAssessment.objects.get().signed_off_at is None


def test_an_assessment_nobody_started_cannot_be_signed_off(make_introduction, lead):
    introduction = make_introduction("under_review")

    with pytest.raises(PreconditionsUnmet, match="has not been started") as caught:
        assessment_sign_off(introduction=introduction, kind="sustainability", actor=lead)

    assert "rating" in caught.value.unmet
    assert not SustainabilityAssessment.objects.exists()


def test_an_assessment_is_signed_off_once(make_introduction, applicant, lead, other_lead):
    introduction = make_introduction("under_review")
    fill_both(introduction, applicant)
    assessment_sign_off(introduction=introduction, kind="equality", actor=lead)

    with pytest.raises(InvalidTransition, match="already signed off"):
        assessment_sign_off(introduction=introduction, kind="equality", actor=other_lead)

    assert EqualityAssessment.objects.get().signed_off_by == lead


def test_an_unknown_kind_of_assessment_is_a_validation_error(make_introduction, lead):
    with pytest.raises(ValidationError) as caught:
        assessment_sign_off(introduction=make_introduction(), kind="carbon", actor=lead)

    assert list(caught.value.message_dict) == ["kind"]


# --- voiding on edit --------------------------------------------------------------------


def test_editing_a_signed_off_assessment_voids_the_sign_off_and_history_shows_it(
    make_introduction, applicant, lead
):
    lead.first_name, lead.last_name = "Priya", "Shah"
    lead.save()
    introduction = make_introduction("under_review")
    fill_both(introduction, applicant)
    assessment_sign_off(introduction=introduction, kind="equality", actor=lead)

    assessment = equality_assessment_save(
        introduction=introduction,
        actor=applicant,
        data={"sex_impact": "negative", "sex_mitigation": "Same-sex chaperones offered."},
    )

    assessment.refresh_from_db()
    assert (assessment.signed_off_by, assessment.signed_off_at) == (None, None)
    assert assessment.status == AssessmentStatus.COMPLETED
    assert reasons(assessment) == [
        "Equality impact assessment started",
        "Equality impact assessment signed off",
        "Equality impact assessment edited; sign-off by Priya Shah voided by the edit",
    ]
    voiding = assessment.history.latest()
    signed = voiding.prev_record
    assert (signed.signed_off_by_id, voiding.signed_off_by_id) == (lead.pk, None)
    assert signed.signed_off_at is not None and voiding.signed_off_at is None
    delta = voiding.diff_against(signed, included_fields=EqualityAssessment.ANSWER_FIELDS)
    assert delta.changed_fields == ["sex_impact", "sex_mitigation"]
    assert voiding.history_user == applicant


def test_saving_a_signed_off_assessment_unchanged_keeps_the_sign_off(
    make_introduction, applicant, lead
):
    introduction = make_introduction("under_review")
    fill_both(introduction, applicant)
    assessment_sign_off(introduction=introduction, kind="sustainability", actor=lead)

    sustainability_assessment_save(
        introduction=introduction, actor=applicant, data=sustainability_answers()
    )

    assert SustainabilityAssessment.objects.get().signed_off_by == lead


def test_a_voided_assessment_is_signed_off_again(make_introduction, applicant, lead):
    introduction = make_introduction("under_review")
    fill_both(introduction, applicant)
    assessment_sign_off(introduction=introduction, kind="sustainability", actor=lead)
    sustainability_assessment_save(
        introduction=introduction, actor=applicant, data={"travel": "Video follow-up at 3m."}
    )

    assessment = assessment_sign_off(introduction=introduction, kind="sustainability", actor=lead)

    assert assessment.status == AssessmentStatus.SIGNED_OFF


# --- approval ---------------------------------------------------------------------------


def _approve(introduction, lead):
    return services.introduction_transition(
        introduction=introduction, action="approve", actor=lead, reason="Committee agreed"
    )


def test_approval_is_refused_until_both_assessments_are_signed_off_and_allowed_after(
    make_introduction, applicant, lead
):
    introduction = make_introduction("under_review")
    fill_both(introduction, applicant)

    with pytest.raises(PreconditionsUnmet) as caught:
        _approve(introduction, lead)
    assert caught.value.unmet == ["equality-assessment", "sustainability-assessment"]

    assessment_sign_off(introduction=introduction, kind="equality", actor=lead)
    with pytest.raises(PreconditionsUnmet) as caught:
        _approve(introduction, lead)
    assert caught.value.unmet == ["sustainability-assessment"]

    assessment_sign_off(introduction=introduction, kind="sustainability", actor=lead)
    approved = _approve(introduction, lead)

    assert approved.status == Status.APPROVED
    assert Transition.objects.filter(introduction=introduction, action="approve").count() == 1


def test_a_signed_off_equality_assessment_concluding_stop_blocks_approval(
    make_introduction, applicant, lead
):
    introduction = make_introduction("under_review")
    equality_assessment_save(
        introduction=introduction, actor=applicant, data=equality_answers(conclusion="stop")
    )
    sustainability_assessment_save(
        introduction=introduction, actor=applicant, data=sustainability_answers()
    )
    assessment_sign_off(introduction=introduction, kind="equality", actor=lead)
    assessment_sign_off(introduction=introduction, kind="sustainability", actor=lead)

    with pytest.raises(PreconditionsUnmet) as caught:
        _approve(introduction, lead)

    assert caught.value.unmet == ["equality-stop"]
    introduction.refresh_from_db()
    assert introduction.status == Status.UNDER_REVIEW


def test_an_edit_after_sign_off_blocks_approval_again(make_introduction, applicant, lead):
    introduction = make_introduction("under_review")
    fill_both(introduction, applicant)
    assessment_sign_off(introduction=introduction, kind="equality", actor=lead)
    assessment_sign_off(introduction=introduction, kind="sustainability", actor=lead)
    equality_assessment_save(
        introduction=introduction, actor=applicant, data={"conclusion": "adjust"}
    )

    with pytest.raises(PreconditionsUnmet) as caught:
        _approve(introduction, lead)

    assert caught.value.unmet == ["equality-assessment"]
    introduction.refresh_from_db()
    assert introduction.status == Status.UNDER_REVIEW


def test_signed_off_assessments_cannot_be_changed_after_approval(
    make_introduction, applicant, lead
):
    introduction = make_introduction("under_review")
    fill_both(introduction, applicant)
    assessment_sign_off(introduction=introduction, kind="equality", actor=lead)
    assessment_sign_off(introduction=introduction, kind="sustainability", actor=lead)
    _approve(introduction, lead)

    with pytest.raises(InvalidTransition):
        equality_assessment_save(
            introduction=introduction, actor=applicant, data={"conclusion": "stop"}
        )

    assert EqualityAssessment.objects.get().is_signed_off
