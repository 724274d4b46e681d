"""Separation of duties: nobody acts as reviewer on their own application."""

from __future__ import annotations

import pytest

from governance.errors import NotPermitted
from governance.introductions import services
from governance.models import Transition
from tests.governance.introductions.test_workflow_transitions import (
    FIRST_EDGE,
    REVIEWER_ACTIONS,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", REVIEWER_ACTIONS)
def test_a_lead_who_applied_can_take_no_reviewer_action_on_their_own_application(
    make_introduction, lead_applicant, lead, action
):
    source, _ = FIRST_EDGE[action]
    introduction = make_introduction(
        source, applicant=lead_applicant, assessments_signed_off_by=lead
    )

    assert action not in introduction.allowed_actions(lead_applicant)
    with pytest.raises(NotPermitted, match="your own application"):
        services.introduction_transition(
            introduction=introduction, action=action, actor=lead_applicant, reason="Decided"
        )
    assert not Transition.objects.filter(introduction=introduction).exists()


@pytest.mark.parametrize("action", REVIEWER_ACTIONS)
def test_a_lead_who_applied_reviews_other_peoples_applications(
    make_introduction, lead_applicant, action
):
    source, target = FIRST_EDGE[action]
    introduction = make_introduction(source, assessments_signed_off_by=lead_applicant)

    assert action in introduction.allowed_actions(lead_applicant)
    result = services.introduction_transition(
        introduction=introduction, action=action, actor=lead_applicant, reason="Decided"
    )
    assert result.status == target


def test_a_lead_who_applied_takes_the_applicants_actions_on_their_own(
    make_introduction, lead_applicant
):
    introduction = make_introduction("draft", applicant=lead_applicant)

    assert introduction.allowed_actions(lead_applicant) == ["submit", "cancel"]
    result = services.introduction_transition(
        introduction=introduction, action="submit", actor=lead_applicant
    )
    assert result.status == "submitted"


def test_a_lead_cannot_meet_a_condition_or_complete_a_review_of_their_own(
    make_introduction, lead_applicant, lead
):
    introduction = make_introduction(
        "under_review", applicant=lead_applicant, assessments_signed_off_by=lead
    )
    services.introduction_transition(
        introduction=introduction, action="approve", actor=lead, conditions=["Mentor"]
    )
    condition = introduction.conditions.get()
    review = introduction.reviews.first()

    with pytest.raises(NotPermitted):
        services.condition_meet(condition=condition, actor=lead_applicant, evidence="Log")
    with pytest.raises(NotPermitted):
        services.review_complete(review=review, actor=lead_applicant, outcome="continue")

    condition.refresh_from_db()
    review.refresh_from_db()
    assert condition.status == "open"
    assert review.status == "scheduled"
