"""The assessments' derived state: status, what is missing, the rules between answers, and
the approval guard that reads them (workflow.assessment_signed_off)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.assessments.models import (
    AssessmentStatus,
    EqualityAssessment,
    SustainabilityAssessment,
    impact_errors,
)
from governance.introductions import workflow
from tests.factories import EqualityAssessmentFactory, SustainabilityAssessmentFactory

pytestmark = pytest.mark.django_db


def test_a_blank_assessment_is_not_started(make_introduction):
    introduction = make_introduction()

    assert EqualityAssessment(introduction=introduction).status == AssessmentStatus.NOT_STARTED
    assert (
        SustainabilityAssessment(introduction=introduction).status == AssessmentStatus.NOT_STARTED
    )


def test_one_answer_puts_an_assessment_in_progress_and_the_rest_are_listed_as_missing(
    make_introduction,
):
    assessment = EqualityAssessment(introduction=make_introduction(), age_impact="positive")

    assert assessment.status == AssessmentStatus.IN_PROGRESS
    codes = [item.code for item in assessment.missing()]
    assert "impacts.age.impact" not in codes
    assert codes[:3] == [
        "impacts.age.evidence",
        "impacts.disability.impact",
        "impacts.disability.evidence",
    ]
    assert codes[-4:] == [
        "health_inequalities",
        "accessible_information",
        "psed_aims",
        "conclusion",
    ]


def test_every_answer_given_completes_the_equality_assessment(make_introduction):
    assessment = EqualityAssessmentFactory.build(introduction=make_introduction())

    assessment.full_clean()
    assert assessment.missing() == []
    assert assessment.status == AssessmentStatus.COMPLETED


def test_every_answer_given_completes_the_sustainability_assessment(make_introduction):
    assessment = SustainabilityAssessmentFactory.build(introduction=make_introduction())

    assessment.full_clean()
    assert assessment.missing() == []
    assert assessment.status == AssessmentStatus.COMPLETED


def test_consent_and_capacity_is_optional(make_introduction):
    assert EqualityAssessmentFactory.build(
        introduction=make_introduction(), consent_capacity=""
    ).is_complete


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"sex_evidence": "  "}, "impacts.sex.evidence"),
        ({"race_impact": ""}, "impacts.race.impact"),
        ({"psed_aims": ""}, "psed_aims"),
        ({"conclusion": ""}, "conclusion"),
        ({"conclusion": "continue"}, "justification"),
    ],
)
def test_a_missing_answer_keeps_the_equality_assessment_in_progress(
    make_introduction, answers, code
):
    assessment = EqualityAssessmentFactory.build(introduction=make_introduction(), **answers)

    assert [item.code for item in assessment.missing()] == [code]
    assert assessment.status == AssessmentStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"waste": ""}, "waste"),
        ({"supplier_carbon_plan": None}, "supplier_carbon_plan"),
        ({"rating": ""}, "rating"),
        ({"rating": "negative", "mitigations": ""}, "mitigations"),
    ],
)
def test_a_missing_answer_keeps_the_sustainability_assessment_in_progress(
    make_introduction, answers, code
):
    assessment = SustainabilityAssessmentFactory.build(introduction=make_introduction(), **answers)

    assert [item.code for item in assessment.missing()] == [code]


def test_the_carbon_estimate_is_optional_and_a_no_is_an_answer(make_introduction):
    assessment = SustainabilityAssessmentFactory.build(
        introduction=make_introduction(), kgco2e_per_case=None, supplier_carbon_plan=False
    )

    assert assessment.is_complete


def test_a_negative_impact_needs_a_mitigation(make_introduction):
    assessment = EqualityAssessmentFactory.build(
        introduction=make_introduction(), disability_impact="negative"
    )

    with pytest.raises(ValidationError) as caught:
        assessment.full_clean()

    assert caught.value.message_dict == {
        "disability_mitigation": ["Disability: enter how the negative impact will be mitigated."]
    }


def test_an_unknown_impact_needs_an_action_an_owner_and_a_date(make_introduction):
    assessment = EqualityAssessmentFactory.build(
        introduction=make_introduction(), race_impact="unknown"
    )

    with pytest.raises(ValidationError) as caught:
        assessment.full_clean()

    assert sorted(caught.value.message_dict) == [
        "race_action",
        "race_action_due",
        "race_action_owner",
    ]
    assessment.race_action = "Audit the ethnicity of patients offered the procedure."
    assessment.race_action_owner = "Dr A Patel, audit lead"
    assessment.race_action_due = date(2026, 9, 30)
    assessment.full_clean()
    assert assessment.is_complete


def test_a_conclusion_to_continue_needs_a_justification(make_introduction):
    assessment = EqualityAssessmentFactory.build(
        introduction=make_introduction(), conclusion="continue"
    )

    with pytest.raises(ValidationError) as caught:
        assessment.full_clean()

    assert list(caught.value.message_dict) == ["justification"]


def test_a_negative_sustainability_rating_needs_mitigations(make_introduction):
    assessment = SustainabilityAssessmentFactory.build(
        introduction=make_introduction(), rating="negative", mitigations=""
    )

    with pytest.raises(ValidationError) as caught:
        assessment.full_clean()

    assert list(caught.value.message_dict) == ["mitigations"]


def test_the_carbon_estimate_cannot_be_negative(make_introduction):
    assessment = SustainabilityAssessmentFactory.build(
        introduction=make_introduction(), kgco2e_per_case=Decimal("-0.5")
    )

    with pytest.raises(ValidationError) as caught:
        assessment.full_clean()

    assert list(caught.value.message_dict) == ["kgco2e_per_case"]


def test_the_rule_names_the_characteristic_and_ignores_mitigations_of_other_impacts():
    assert impact_errors("Sex", "neutral", mitigation="") == {}
    assert impact_errors("Sex", "negative", mitigation="Same-sex chaperones.") == {}
    assert impact_errors("Sex", "negative") == {
        "mitigation": "Sex: enter how the negative impact will be mitigated."
    }


def test_a_signature_makes_a_complete_assessment_signed_off(make_introduction, lead):
    assessment = EqualityAssessmentFactory.build(
        introduction=make_introduction(), signed_off_by=lead, signed_off_at=timezone.now()
    )

    assert assessment.status == AssessmentStatus.SIGNED_OFF
    assert assessment.is_signed_off


def test_the_applicants_own_signature_never_counts(make_introduction, applicant):
    introduction = make_introduction()
    assessment = EqualityAssessmentFactory.build(
        introduction=introduction, signed_off_by=applicant, signed_off_at=timezone.now()
    )

    assert not assessment.is_signed_off
    assert assessment.status == AssessmentStatus.COMPLETED


def test_the_approval_guard_reads_each_assessments_real_state(make_introduction, lead):
    introduction = make_introduction("under_review")
    assert not workflow.assessment_signed_off(introduction, "equality")

    EqualityAssessmentFactory(introduction=introduction)
    introduction.refresh_from_db()
    assert not workflow.assessment_signed_off(introduction, "equality")

    EqualityAssessment.objects.filter(introduction=introduction).update(
        signed_off_by=lead, signed_off_at=timezone.now()
    )
    introduction.refresh_from_db()
    assert workflow.assessment_signed_off(introduction, "equality")
    assert not workflow.assessment_signed_off(introduction, "sustainability")
    assert introduction.unmet_for_approval() == ["sustainability-assessment"]
