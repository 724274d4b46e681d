"""Every transition of the table, for every role: who may, from which states, and the exact
Transition and history rows written (governance/workflow.py, services.introduction_transition).
"""

from __future__ import annotations

import itertools

import pytest

from governance.errors import InvalidTransition, NotPermitted
from governance.introductions import services, workflow
from governance.introductions.workflow import Action, Party, Status
from governance.models import Introduction, Transition

pytestmark = pytest.mark.django_db

APPLICANT_ACTIONS = [a for a, r in workflow.TRANSITIONS.items() if r.by is Party.APPLICANT]
REVIEWER_ACTIONS = [a for a, r in workflow.TRANSITIONS.items() if r.by is Party.REVIEWER]
# (persona fixture, may take applicant actions, may take reviewer actions) on an introduction
# whose applicant is the `applicant` persona.
PERSONAS = [
    ("applicant", True, False),
    ("lead", False, True),
    ("other_lead", False, True),
    ("clinician", False, False),
    ("admin_user", False, False),
    ("outsider", False, False),
    ("other_org_lead", False, False),
]
CASES = [
    (action, persona, may_apply if action in APPLICANT_ACTIONS else may_review)
    for action in Action
    for persona, may_apply, may_review in PERSONAS
]
SOURCE_STATES = [
    (action, source) for action, rule in workflow.TRANSITIONS.items() for source in rule.sources
]


def test_the_table_covers_every_action_and_only_known_states():
    assert set(workflow.TRANSITIONS) == set(Action)
    for rule in workflow.TRANSITIONS.values():
        assert rule.sources <= set(Status)
        assert rule.target in Status
        assert set(rule.guards) <= set(workflow.GUARD_TEXT)


@pytest.mark.parametrize(("action", "persona", "allowed"), CASES)
def test_each_role_may_take_exactly_its_actions(
    request, make_introduction, signed_off, action, persona, allowed
):
    user = request.getfixturevalue(persona)
    rule = workflow.TRANSITIONS[action]
    source = sorted(rule.sources)[0]
    introduction = make_introduction(source)

    assert (action.value in introduction.allowed_actions(user)) is allowed
    if allowed:
        result = services.introduction_transition(
            introduction=introduction, action=action, actor=user, reason="Because"
        )
        assert result.status == rule.target
    else:
        with pytest.raises(NotPermitted):
            services.introduction_transition(introduction=introduction, action=action, actor=user)

    introduction.refresh_from_db()
    assert introduction.status == (rule.target if allowed else source)
    assert Transition.objects.filter(introduction=introduction).count() == (1 if allowed else 0)


@pytest.mark.parametrize(("action", "source"), SOURCE_STATES)
def test_each_transition_writes_one_transition_row_and_one_history_row(
    request, make_introduction, signed_off, action, source
):
    rule = workflow.TRANSITIONS[action]
    actor = request.getfixturevalue("applicant" if rule.by is Party.APPLICANT else "lead")
    introduction = make_introduction(source)
    history_before = introduction.history.count()

    services.introduction_transition(
        introduction=introduction, action=action, actor=actor, reason="Recorded reason"
    )

    introduction.refresh_from_db()
    assert introduction.status == rule.target
    row = Transition.objects.get(introduction=introduction)
    assert (row.action, row.from_status, row.to_status, row.actor, row.reason) == (
        action,
        source,
        rule.target,
        actor,
        "Recorded reason",
    )
    assert introduction.history.count() == history_before + 1
    latest = introduction.history.first()
    assert (
        latest.history_type,
        latest.status,
        latest.history_user,
        latest.history_change_reason,
    ) == (
        "~",
        rule.target,
        actor,
        "Recorded reason",
    )


@pytest.mark.parametrize(
    ("action", "state"),
    [
        (action, state)
        for action, rule in workflow.TRANSITIONS.items()
        for state in Status
        if state not in rule.sources
    ],
)
def test_no_action_is_possible_from_a_state_it_does_not_leave(
    request, make_introduction, signed_off, action, state
):
    rule = workflow.TRANSITIONS[action]
    actor = request.getfixturevalue("applicant" if rule.by is Party.APPLICANT else "lead")
    introduction = make_introduction(state)

    assert action.value not in introduction.allowed_actions(actor)
    with pytest.raises(InvalidTransition):
        services.introduction_transition(introduction=introduction, action=action, actor=actor)

    introduction.refresh_from_db()
    assert introduction.status == state
    assert not Transition.objects.filter(introduction=introduction).exists()


def test_a_transition_without_a_reason_records_the_action_as_the_history_reason(
    make_introduction, applicant
):
    introduction = make_introduction("draft")

    services.introduction_transition(introduction=introduction, action="submit", actor=applicant)

    introduction.refresh_from_db()
    assert Transition.objects.get(introduction=introduction).reason == ""
    assert introduction.history.first().history_change_reason == "Submit"


def test_an_unknown_action_is_a_validation_error_on_the_action_field(make_introduction, lead):
    from django.core.exceptions import ValidationError

    introduction = make_introduction("submitted")

    with pytest.raises(ValidationError) as caught:
        services.introduction_transition(introduction=introduction, action="bless", actor=lead)

    assert "action" in caught.value.message_dict


def test_the_whole_life_from_draft_to_adoption_leaves_one_row_per_step(
    make_introduction, applicant, lead, other_lead, signed_off
):
    introduction = make_introduction("draft")
    steps = [
        ("submit", applicant),
        ("start_review", lead),
        ("request_changes", lead),
        ("resubmit", applicant),
        ("start_review", other_lead),
        ("approve", other_lead),
        ("suspend", lead),
        ("reinstate", lead),
        ("adopt", other_lead),
    ]
    for action, actor in steps:
        if action == "adopt":  # the review after the first cases must be done first
            first = introduction.reviews.get(kind="first_cases")
            services.review_complete(review=first, actor=lead, outcome="continue")
        introduction = services.introduction_transition(
            introduction=introduction, action=action, actor=actor, reason=f"Step {action}"
        )

    introduction.refresh_from_db()
    assert introduction.status == Status.ADOPTED
    rows = list(Transition.objects.filter(introduction=introduction))
    assert [(t.action, t.actor) for t in rows] == [(a, u) for a, u in steps]
    assert [t.to_status for t in rows][-1] == Status.ADOPTED
    assert all(a.to_status == b.from_status for a, b in itertools.pairwise(rows))


def test_an_introduction_object_is_returned_fresh_from_the_locked_row(make_introduction, lead):
    introduction = make_introduction("submitted")
    stale = Introduction.objects.get(pk=introduction.pk)

    result = services.introduction_transition(introduction=stale, action="start_review", actor=lead)

    assert result.status == Status.UNDER_REVIEW
