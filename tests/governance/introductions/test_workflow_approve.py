"""Approval: each guard reported by name in `unmet`, and what approval writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.errors import PreconditionsUnmet
from governance.introductions import services, workflow
from governance.introductions.services import add_months
from governance.introductions.workflow import Status
from governance.models import Condition, Review, Transition
from tests.factories import (
    EqualityAssessmentFactory,
    GuidanceFactory,
    SustainabilityAssessmentFactory,
)

pytestmark = pytest.mark.django_db


def _approve(introduction, lead, **kwargs):
    return services.introduction_transition(
        introduction=introduction, action="approve", actor=lead, **kwargs
    )


def _unmet(introduction, lead) -> list[str]:
    with pytest.raises(PreconditionsUnmet) as caught:
        _approve(introduction, lead)
    introduction.refresh_from_db()
    assert introduction.status == Status.UNDER_REVIEW
    assert not Transition.objects.filter(introduction=introduction).exists()
    return caught.value.unmet


def test_it_refuses_approval_without_signed_off_assessments(make_introduction, lead):
    introduction = make_introduction("under_review")

    assert _unmet(introduction, lead) == ["equality-assessment", "sustainability-assessment"]
    assert introduction.unmet_for_approval() == ["equality-assessment", "sustainability-assessment"]


@pytest.mark.parametrize(
    ("unsigned", "signed", "unmet"),
    [
        (EqualityAssessmentFactory, SustainabilityAssessmentFactory, "equality-assessment"),
        (SustainabilityAssessmentFactory, EqualityAssessmentFactory, "sustainability-assessment"),
    ],
)
def test_it_names_each_assessment_that_is_completed_but_not_signed_off(
    make_introduction, lead, unsigned, signed, unmet
):
    introduction = make_introduction("under_review")
    unsigned(introduction=introduction)
    signed(introduction=introduction, signed_off_by=lead)

    assert _unmet(introduction, lead) == [unmet]


def test_it_refuses_approval_when_the_applicant_signed_off_their_own_assessments(
    make_introduction, lead_applicant, lead
):
    introduction = make_introduction(
        "under_review", applicant=lead_applicant, assessments_signed_off_by=lead_applicant
    )

    assert _unmet(introduction, lead) == ["equality-assessment", "sustainability-assessment"]


def test_it_approves_once_both_assessments_are_signed_off_by_a_lead_who_is_not_the_applicant(
    make_introduction, lead, other_lead
):
    introduction = make_introduction("under_review", assessments_signed_off_by=other_lead)

    assert introduction.unmet_for_approval() == []
    assert _approve(introduction, lead).status == Status.APPROVED


@pytest.mark.parametrize(
    "missing",
    ["first_review_after_cases", "review_interval_months", "cusum_p0", "cusum_p1", "cusum_h"],
)
def test_it_refuses_approval_without_a_complete_monitoring_plan(make_introduction, lead, missing):
    introduction = make_introduction(
        "under_review", assessments_signed_off_by=lead, **{missing: None}
    )

    assert _unmet(introduction, lead) == ["monitoring-plan"]


def test_it_refuses_approval_while_the_nice_recommendation_is_not_recorded(make_introduction, lead):
    introduction = make_introduction(
        "under_review",
        assessments_signed_off_by=lead,
        guidance=GuidanceFactory(recommendation=None),
    )

    assert _unmet(introduction, lead) == ["recommendation"]


def test_it_never_approves_a_procedure_nice_says_not_to_use(make_introduction, lead):
    guidance = GuidanceFactory(recommendation="do_not_use")
    introduction = make_introduction(
        "under_review", assessments_signed_off_by=lead, guidance=guidance
    )

    assert _unmet(introduction, lead) == ["do-not-use"]


@pytest.mark.parametrize(
    ("blank", "code"),
    [("consent_arrangements", "consent-arrangements"), ("audit_plan", "audit-plan")],
)
def test_special_arrangements_need_consent_arrangements_and_an_audit_plan(
    make_introduction, lead, blank, code
):
    guidance = GuidanceFactory(recommendation="special")
    introduction = make_introduction(
        "under_review", assessments_signed_off_by=lead, guidance=guidance, **{blank: "  "}
    )

    assert _unmet(introduction, lead) == [code]


def test_standard_arrangements_need_neither_consent_arrangements_nor_an_audit_plan(
    make_introduction, lead
):
    introduction = make_introduction(
        "under_review", assessments_signed_off_by=lead, consent_arrangements="", audit_plan=""
    )

    assert _approve(introduction, lead).status == Status.APPROVED


def test_research_only_needs_a_research_ethics_reference(make_introduction, lead):
    guidance = GuidanceFactory(recommendation="research_only")
    introduction = make_introduction(
        "under_review", assessments_signed_off_by=lead, guidance=guidance
    )

    assert _unmet(introduction, lead) == ["research-ethics-reference"]

    introduction.research_ethics_reference = "IRAS 312345"
    introduction.save()
    assert _approve(introduction, lead).status == Status.APPROVED


def test_it_refuses_approval_when_the_guidance_has_no_coding_rule_set(make_introduction, lead):
    introduction = make_introduction(
        "under_review", assessments_signed_off_by=lead, guidance=GuidanceFactory(ruleset=None)
    )

    assert _unmet(introduction, lead) == ["coding-ruleset"]


def test_it_reports_every_unmet_guard_in_the_table_order(make_introduction, lead):
    guidance = GuidanceFactory(recommendation=None, ruleset=None)
    introduction = make_introduction("under_review", guidance=guidance, cusum_h=None)

    assert _unmet(introduction, lead) == [
        "equality-assessment",
        "sustainability-assessment",
        "monitoring-plan",
        "recommendation",
        "coding-ruleset",
    ]


def test_every_guard_has_a_plain_english_explanation():
    for code in (*workflow.APPROVAL_GUARDS, *workflow.ADOPTION_GUARDS):
        assert workflow.GUARD_TEXT[code].endswith(".")
    assert workflow.GUARD_TEXT["equality-assessment"] == (
        "The equality impact assessment must be completed and signed off by a governance lead "
        "who is not the applicant."
    )


def test_the_assessment_guard_is_false_without_signed_off_assessments(make_introduction):
    introduction = make_introduction("under_review")

    assert workflow.assessment_signed_off(introduction, "equality") is False
    assert workflow.assessment_signed_off(introduction, "sustainability") is False


def test_approval_writes_its_conditions_and_schedules_the_reviews(make_introduction, lead):
    introduction = make_introduction(
        "under_review",
        first_review_after_cases=10,
        review_interval_months=6,
        assessments_signed_off_by=lead,
    )

    _approve(
        introduction,
        lead,
        reason="Approved at the March committee",
        conditions=["A mentor attends the first 5 cases", "  ", "Report after 10 cases"],
    )

    introduction.refresh_from_db()
    assert introduction.status == Status.APPROVED
    transition = Transition.objects.get(introduction=introduction)
    assert (transition.action, transition.from_status, transition.to_status) == (
        "approve",
        "under_review",
        "approved",
    )
    conditions = list(introduction.conditions.all())
    assert [c.text for c in conditions] == [
        "A mentor attends the first 5 cases",
        "Report after 10 cases",
    ]
    assert all(c.status == Condition.State.OPEN for c in conditions)
    assert [
        (h.history_type, h.history_user, h.history_change_reason)
        for c in conditions
        for h in c.history.all()
    ] == [("+", lead, "Condition of approval")] * 2
    reviews = {r.kind: r for r in introduction.reviews.all()}
    assert reviews["first_cases"].due_after_cases == 10
    assert reviews["first_cases"].due_on is None
    assert reviews["periodic"].due_on == add_months(timezone.localdate(), 6)
    assert all(r.status == Review.State.SCHEDULED for r in reviews.values())
    assert reviews["periodic"].history.get().history_change_reason == "Review scheduled on approval"


def test_conditions_are_refused_on_any_action_but_approval(make_introduction, lead):
    from django.core.exceptions import ValidationError

    introduction = make_introduction("under_review")

    with pytest.raises(ValidationError) as caught:
        services.introduction_transition(
            introduction=introduction, action="reject", actor=lead, conditions=["x"]
        )

    assert "conditions" in caught.value.message_dict
    introduction.refresh_from_db()
    assert introduction.status == Status.UNDER_REVIEW


def test_adoption_needs_every_condition_met(approved, lead, other_lead):
    services.review_complete(
        review=approved.reviews.get(kind="first_cases"), actor=lead, outcome="continue"
    )
    condition = Condition.objects.create(introduction=approved, text="Mentor first cases")

    with pytest.raises(PreconditionsUnmet) as caught:
        services.introduction_transition(introduction=approved, action="adopt", actor=other_lead)
    assert caught.value.unmet == ["conditions-met"]

    services.condition_meet(condition=condition, actor=lead, evidence="Mentor log, 5 cases")
    result = services.introduction_transition(
        introduction=approved, action="adopt", actor=other_lead
    )
    assert result.status == Status.ADOPTED


def test_adoption_needs_the_first_cases_review_and_every_review_due_done(approved, lead):
    with pytest.raises(PreconditionsUnmet) as caught:
        services.introduction_transition(introduction=approved, action="adopt", actor=lead)
    assert caught.value.unmet == ["reviews-complete"]

    services.review_complete(
        review=approved.reviews.get(kind="first_cases"), actor=lead, outcome="continue"
    )
    periodic = approved.reviews.get(kind="periodic")
    periodic.due_on = timezone.localdate() - timedelta(days=1)
    periodic.save()
    with pytest.raises(PreconditionsUnmet) as caught:
        services.introduction_transition(introduction=approved, action="adopt", actor=lead)
    assert caught.value.unmet == ["reviews-complete"]


def test_adoption_cancels_the_reviews_not_yet_due(approved, lead):
    services.review_complete(
        review=approved.reviews.get(kind="first_cases"), actor=lead, outcome="continue"
    )

    services.introduction_transition(introduction=approved, action="adopt", actor=lead)

    statuses = sorted(approved.reviews.values_list("kind", "status"))
    assert statuses == [("first_cases", "completed"), ("periodic", "cancelled")]


def test_withdrawal_cancels_the_scheduled_reviews(approved, other_lead):
    services.introduction_transition(
        introduction=approved, action="withdraw", actor=other_lead, reason="Device recalled"
    )

    assert set(approved.reviews.values_list("status", flat=True)) == {"cancelled"}
    review = approved.reviews.first()
    assert review.history.first().history_change_reason == (
        "Introduction withdrawn: review no longer needed"
    )
