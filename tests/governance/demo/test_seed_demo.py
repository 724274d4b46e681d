"""seed_demo's governance data: IPG366 with its rule set, a device, introductions in states."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from governance.cases.services import introduction_monitoring
from governance.models import (
    AdverseEvent,
    Device,
    Guidance,
    Introduction,
    Organisation,
    Transition,
)

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_ipg366_a_device_and_introductions_in_several_states(capsys):
    call_command("seed_demo")

    guidance = Guidance.objects.get(reference="IPG366")
    assert (guidance.recommendation, guidance.supersedes, guidance.ruleset.name) == (
        "special",
        "IPG183",
        "IPG366",
    )
    assert Device.objects.count() == 1
    statuses = set(Introduction.objects.values_list("status", flat=True))
    assert statuses >= {"draft", "submitted", "under_review", "changes_requested", "rejected"}
    organisation = Organisation.objects.get(ods_code="DEFAULT")
    assert set(organisation.members.values_list("username", flat=True)) == {
        "clinician",
        "clinician2",
        "lead",
        "lead2",
        "admin",
    }
    rejected = Introduction.objects.get(status="rejected")
    assert list(
        Transition.objects.filter(introduction=rejected).values_list("action", flat=True)
    ) == [
        "submit",
        "start_review",
        "reject",
    ]
    assert "IPG366" in capsys.readouterr().out


def test_seed_demo_twice_keeps_what_is_there(capsys):
    call_command("seed_demo")
    counts = (Introduction.objects.count(), Transition.objects.count(), Guidance.history.count())

    call_command("seed_demo")

    assert (
        Introduction.objects.count(),
        Transition.objects.count(),
        Guidance.history.count(),
    ) == counts


def test_seed_demo_approves_one_with_conditions_once_assessments_are_signed_off(capsys):
    call_command("seed_demo")

    approved = Introduction.objects.get(status="approved")
    assert approved.conditions.count() == 2
    assert approved.reviews.count() == 2
    assert Transition.objects.filter(introduction=approved).last().actor.username == "lead2"
    for assessment in (approved.equality_assessment, approved.sustainability_assessment):
        assert assessment.is_signed_off
        assert assessment.signed_off_by.username == "lead"


def test_seed_demo_logs_cases_whose_cusum_stands_close_to_its_threshold():
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: the cases are logged once

    from governance.cases.services import introduction_monitoring
    from governance.models import Case, Outcome

    approved = Introduction.objects.get(status="approved")
    result = introduction_monitoring(approved)
    assert (result.cases, result.failures) == (22, 7)
    assert result.signal is False
    assert result.h - 0.5 < max(point.s for point in result.cusum) < result.h
    assert Case.objects.filter(coding_valid=False).count() == 2
    assert Outcome.objects.filter(case__introduction=approved, timepoint="baseline").count() == 22
    assert approved.reviews.get(kind="first_cases").due_on is not None  # 10 cases reached


def test_seed_demo_records_events_in_every_yellow_card_state_once_without_moving_the_cusum():
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: the events are recorded once

    approved = Introduction.objects.get(status="approved")
    events = AdverseEvent.objects.filter(introduction=approved)
    today = timezone.localdate()
    assert events.count() == 6
    assert sorted(events.values_list("yellow_card", flat=True)) == [
        "due",
        "due",
        "not_reportable",
        "not_required",
        "not_required",
        "submitted",
    ]
    assert events.overdue(today=today).count() == 1
    submitted = events.get(yellow_card="submitted")
    assert submitted.yellow_card_reference and submitted.yellow_card_submitted_on
    assert events.get(yellow_card="not_reportable").yellow_card_reason
    assert events.filter(case=None).count() == 1
    assert events.exclude(case=None).filter(case__introduction=approved).count() == 5
    # Events that fail their case are on cases that had failed already.
    result = introduction_monitoring(approved)
    assert (result.cases, result.failures, result.signal) == (22, 7, False)
