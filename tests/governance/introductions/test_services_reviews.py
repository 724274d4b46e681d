"""review_complete: the outcomes of a review, and what each one writes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from governance.errors import InvalidTransition, NotPermitted, PreconditionsUnmet
from governance.introductions import services
from governance.introductions.services import add_months
from governance.models import Review, Transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(approved):
    return approved.reviews.get(kind="first_cases")


@pytest.fixture
def periodic(approved):
    return approved.reviews.get(kind="periodic")


def test_continuing_after_a_periodic_review_schedules_the_next_one(periodic, lead):
    services.review_complete(
        review=periodic, actor=lead, outcome="continue", notes="Outcomes as expected"
    )

    periodic.refresh_from_db()
    assert (periodic.status, periodic.outcome, periodic.notes, periodic.completed_by) == (
        "completed",
        "continue",
        "Outcomes as expected",
        lead,
    )
    following = periodic.introduction.reviews.scheduled().get(kind="periodic")
    assert following.due_on == add_months(periodic.due_on, 6)
    assert periodic.history.first().history_change_reason == "Review completed: continue"
    assert periodic.introduction.status == "approved"


def test_continuing_with_conditions_adds_them_linked_to_the_review(first, lead):
    services.review_complete(
        review=first,
        actor=lead,
        outcome="continue_with_conditions",
        conditions=["Report device failures monthly"],
    )

    condition = first.introduction.conditions.get()
    assert (condition.text, condition.set_at_review, condition.status) == (
        "Report device failures monthly",
        first,
        "open",
    )
    assert not first.introduction.reviews.filter(kind="periodic", status="scheduled").count() > 1


def test_continuing_with_conditions_needs_conditions(first, lead):
    with pytest.raises(ValidationError) as caught:
        services.review_complete(review=first, actor=lead, outcome="continue_with_conditions")

    assert "conditions" in caught.value.message_dict
    first.refresh_from_db()
    assert first.status == "scheduled"


@pytest.mark.parametrize(
    ("outcome", "status"), [("suspend", "suspended"), ("withdraw", "withdrawn")]
)
def test_a_review_that_suspends_or_withdraws_takes_that_action_through_the_workflow(
    first, lead, outcome, status
):
    services.review_complete(review=first, actor=lead, outcome=outcome, notes="Two failures")

    introduction = first.introduction
    introduction.refresh_from_db()
    assert introduction.status == status
    transition = Transition.objects.get(introduction=introduction, action=outcome)
    assert (transition.actor, transition.reason, transition.from_status) == (
        lead,
        "Two failures",
        "approved",
    )


def test_a_review_that_adopts_needs_every_condition_met(first, lead):
    first.introduction.conditions.create(text="Mentor")

    with pytest.raises(PreconditionsUnmet) as caught:
        services.review_complete(review=first, actor=lead, outcome="adopt")

    assert caught.value.unmet == ["conditions-met"]
    first.refresh_from_db()
    assert first.status == "scheduled"  # all or nothing
    assert first.introduction.status == "approved"


def test_a_review_that_adopts_adopts_and_cancels_the_rest(first, lead):
    services.review_complete(review=first, actor=lead, outcome="adopt", notes="Safe and effective")

    introduction = first.introduction
    introduction.refresh_from_db()
    assert introduction.status == "adopted"
    assert list(introduction.reviews.values_list("kind", "status", "outcome")) == [
        ("first_cases", "completed", "adopt"),
        ("periodic", "cancelled", ""),
    ]


@pytest.mark.parametrize("persona", ["applicant", "clinician", "admin_user", "other_org_lead"])
def test_nobody_but_a_lead_of_the_organisation_completes_a_review(request, first, persona):
    with pytest.raises(NotPermitted):
        services.review_complete(
            review=first, actor=request.getfixturevalue(persona), outcome="continue"
        )

    first.refresh_from_db()
    assert first.status == "scheduled"


def test_a_review_is_completed_once(first, lead):
    services.review_complete(review=first, actor=lead, outcome="continue")

    with pytest.raises(InvalidTransition):
        services.review_complete(review=first, actor=lead, outcome="continue")


def test_a_suspended_introduction_cannot_simply_continue(first, lead):
    services.introduction_transition(
        introduction=first.introduction, action="suspend", actor=lead, reason="Signal"
    )

    with pytest.raises(InvalidTransition):
        services.review_complete(review=first, actor=lead, outcome="continue")
    first.refresh_from_db()
    assert first.status == Review.State.SCHEDULED


def test_an_unknown_outcome_names_the_outcome_field(first, lead):
    with pytest.raises(ValidationError) as caught:
        services.review_complete(review=first, actor=lead, outcome="carry on")

    assert "outcome" in caught.value.message_dict
