"""condition_meet: a governance lead records a condition of approval met, with evidence."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from governance.errors import InvalidTransition, NotPermitted
from governance.introductions import services
from governance.models import Condition

pytestmark = pytest.mark.django_db


@pytest.fixture
def condition(approved):
    return Condition.objects.create(introduction=approved, text="A mentor attends 5 cases")


def test_a_lead_records_a_condition_met_with_evidence_by_whom_and_when(condition, other_lead):
    services.condition_meet(
        condition=condition, actor=other_lead, evidence="  Mentor's log for cases 1-5  "
    )

    condition.refresh_from_db()
    assert (condition.status, condition.evidence, condition.met_by) == (
        "met",
        "Mentor's log for cases 1-5",
        other_lead,
    )
    assert condition.met_at is not None
    record = condition.history.first()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "~",
        other_lead,
        "Condition met",
    )


@pytest.mark.parametrize("persona", ["applicant", "clinician", "admin_user", "other_org_lead"])
def test_nobody_but_a_lead_of_the_organisation_records_a_condition_met(request, condition, persona):
    with pytest.raises(NotPermitted):
        services.condition_meet(
            condition=condition, actor=request.getfixturevalue(persona), evidence="Log"
        )

    condition.refresh_from_db()
    assert condition.status == "open"


def test_evidence_is_required(condition, lead):
    with pytest.raises(ValidationError) as caught:
        services.condition_meet(condition=condition, actor=lead, evidence="   ")

    assert "evidence" in caught.value.message_dict


def test_a_condition_is_met_once(condition, lead, other_lead):
    services.condition_meet(condition=condition, actor=lead, evidence="Log")

    with pytest.raises(InvalidTransition):
        services.condition_meet(condition=condition, actor=other_lead, evidence="Again")

    condition.refresh_from_db()
    assert condition.met_by == lead


def test_conditions_of_a_withdrawn_introduction_cannot_be_met(condition, lead):
    services.introduction_transition(
        introduction=condition.introduction, action="withdraw", actor=lead, reason="Stopped"
    )

    with pytest.raises(InvalidTransition):
        services.condition_meet(condition=condition, actor=lead, evidence="Log")
