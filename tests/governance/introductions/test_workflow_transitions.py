"""Every transition of the table, for every role: who may, from which states, and the exact
Transition and history rows written (governance/workflow.py, services.introduction_transition).

The expectations are written out here, from DESIGN.md's diagram and SPEC.md's table of who may
do what, never read from `workflow.TRANSITIONS`: a change to the table shows up as a failing
test, to be checked against the design.
"""

from __future__ import annotations

import itertools
import re

import pytest

from governance.errors import InvalidTransition, NotPermitted
from governance.introductions import services, workflow
from governance.introductions.workflow import Party, Status
from governance.models import Introduction, Transition

pytestmark = pytest.mark.django_db

# DESIGN.md, "The life of an introduction", copied as it is drawn (the tests never read the
# shared design folder).
DIAGRAM = """
draft --submit--> submitted --start_review--> under_review --approve--> approved --adopt--> adopted
  |                    ^                          |   |                   |   ^
cancel                 +--resubmit-- changes_requested  reject        suspend reinstate
  v                                                   v                   v   |
cancelled                                          rejected            suspended --withdraw--> withdrawn
                                                   (approved --withdraw--> withdrawn as well)
"""  # noqa: E501 (drawn wider than the code)

# The edges of DIAGRAM, read by hand: (action, from, to). The line from under_review down to
# changes_requested carries no label in the drawing; SPEC.md names its action request_changes.
DRAWN = [
    ("submit", "draft", "submitted"),
    ("start_review", "submitted", "under_review"),
    ("request_changes", "under_review", "changes_requested"),
    ("resubmit", "changes_requested", "submitted"),
    ("approve", "under_review", "approved"),
    ("reject", "under_review", "rejected"),
    ("adopt", "approved", "adopted"),
    ("suspend", "approved", "suspended"),
    ("reinstate", "suspended", "approved"),
    ("withdraw", "suspended", "withdrawn"),
    ("withdraw", "approved", "withdrawn"),
    ("cancel", "draft", "cancelled"),
]
# Edges the table has and the diagram does not draw: the applicant may also cancel an
# application that waits for review or was sent back for changes (workflow.py's docstring).
NOT_DRAWN = [
    ("cancel", "submitted", "cancelled"),
    ("cancel", "changes_requested", "cancelled"),
]
EDGES = DRAWN + NOT_DRAWN
STATES = [
    "draft",
    "submitted",
    "under_review",
    "changes_requested",
    "approved",
    "adopted",
    "rejected",
    "suspended",
    "withdrawn",
    "cancelled",
]
# SPEC.md section 2: the applicant submits, resubmits and cancels their own application; a
# governance lead who is not the applicant takes every other action.
APPLICANT_ACTIONS = ["submit", "resubmit", "cancel"]
REVIEWER_ACTIONS = [
    "start_review",
    "request_changes",
    "approve",
    "reject",
    "suspend",
    "reinstate",
    "withdraw",
    "adopt",
]
ACTIONS = APPLICANT_ACTIONS + REVIEWER_ACTIONS
# One edge of each action, to take it from a state it leaves.
FIRST_EDGE = {action: (source, target) for action, source, target in reversed(EDGES)}

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
    for action in ACTIONS
    for persona, may_apply, may_review in PERSONAS
]


def test_the_edges_are_read_from_the_diagram():
    # A slip in DRAWN would pin the table to a state or an action the design never drew.
    words = set(re.findall(r"[a-z_]+", DIAGRAM))
    for action, source, target in DRAWN:
        assert {source, target} <= words
        assert action in words or action == "request_changes"  # drawn without its name
    assert set(STATES) <= words


def test_the_table_has_exactly_the_edges_of_the_design():
    table = [
        (rule.action.value, source.value, rule.target.value)
        for rule in workflow.TRANSITIONS.values()
        for source in rule.sources
    ]

    assert sorted(table) == sorted(EDGES)
    assert sorted(Status.values) == sorted(STATES)


def test_the_table_says_who_takes_each_action_as_the_spec_does():
    who = {rule.action.value: rule.by for rule in workflow.TRANSITIONS.values()}

    assert who == {
        **{action: Party.APPLICANT for action in APPLICANT_ACTIONS},
        **{action: Party.REVIEWER for action in REVIEWER_ACTIONS},
    }


def test_every_guard_of_the_table_is_explained():
    for rule in workflow.TRANSITIONS.values():
        assert set(rule.guards) <= set(workflow.GUARD_TEXT)


@pytest.mark.parametrize(("action", "persona", "allowed"), CASES)
def test_each_role_may_take_exactly_its_actions(
    request, make_introduction, other_lead, action, persona, allowed
):
    user = request.getfixturevalue(persona)
    source, target = FIRST_EDGE[action]
    introduction = make_introduction(source, assessments_signed_off_by=other_lead)

    assert (action in introduction.allowed_actions(user)) is allowed
    if allowed:
        result = services.introduction_transition(
            introduction=introduction, action=action, actor=user, reason="Because"
        )
        assert result.status == target
    else:
        with pytest.raises(NotPermitted):
            services.introduction_transition(introduction=introduction, action=action, actor=user)

    introduction.refresh_from_db()
    assert introduction.status == (target if allowed else source)
    assert Transition.objects.filter(introduction=introduction).count() == (1 if allowed else 0)


@pytest.mark.parametrize(("action", "source", "target"), EDGES)
def test_each_transition_writes_one_transition_row_and_one_history_row(
    request, make_introduction, other_lead, action, source, target
):
    actor = request.getfixturevalue("applicant" if action in APPLICANT_ACTIONS else "lead")
    introduction = make_introduction(source, assessments_signed_off_by=other_lead)
    history_before = introduction.history.count()

    services.introduction_transition(
        introduction=introduction, action=action, actor=actor, reason="Recorded reason"
    )

    introduction.refresh_from_db()
    assert introduction.status == target
    row = Transition.objects.get(introduction=introduction)
    assert (row.action, row.from_status, row.to_status, row.actor, row.reason) == (
        action,
        source,
        target,
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
        target,
        actor,
        "Recorded reason",
    )


@pytest.mark.parametrize(
    ("action", "state"),
    [
        (action, state)
        for action in ACTIONS
        for state in STATES
        if (action, state) not in {(a, source) for a, source, _ in EDGES}
    ],
)
def test_no_action_is_possible_from_a_state_it_does_not_leave(
    request, make_introduction, other_lead, action, state
):
    actor = request.getfixturevalue("applicant" if action in APPLICANT_ACTIONS else "lead")
    introduction = make_introduction(state, assessments_signed_off_by=other_lead)

    assert action not in introduction.allowed_actions(actor)
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
    make_introduction, applicant, lead, other_lead
):
    introduction = make_introduction("draft", assessments_signed_off_by=lead)
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
