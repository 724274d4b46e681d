"""seed_load: approved introductions with cases, outcomes, events and revisions in bulk, each
with its history, and a one-line JSON summary that says what it made."""

from __future__ import annotations

import json

import nhs_number
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from governance.cases.models import Case, Outcome
from governance.events.models import AdverseEvent
from governance.introductions.models import Introduction

pytestmark = pytest.mark.django_db

SMALL = ["--organisations", "2", "--introductions", "2", "--cases", "300"]


def _summary(capsys, *args) -> dict:
    call_command("seed_load", *args)
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_the_summary_names_the_largest_introduction_and_counts_what_is_in_the_database(capsys):
    summary = _summary(capsys, *SMALL, "--events", "40", "--revisions", "25")

    by_size = Introduction.objects.annotate(n=Count("cases")).order_by("-n")
    assert summary["introduction"] == by_size[0].pk
    assert by_size[0].n == summary["introduction_cases"] == 150  # half of them by default
    assert [i.n for i in by_size[1:]] == [50, 50, 50]
    assert summary["introductions"] == Introduction.objects.filter(status="approved").count() == 4
    assert summary["organisations"] == 2
    assert summary["cases"] == Case.objects.count() == 300
    assert summary["outcomes"] == Outcome.objects.count() > 300
    assert summary["events"] == AdverseEvent.objects.count() == 40
    assert summary["revisions"] == 25


def test_every_row_has_its_history_and_every_revision_a_changed_row(capsys):
    summary = _summary(capsys, *SMALL, "--events", "10", "--revisions", "30")

    assert Case.history.filter(history_type="+").count() == 300
    assert Outcome.history.count() == Outcome.objects.count()
    assert AdverseEvent.history.count() == 10
    changes = Case.history.filter(history_type="~")
    assert changes.count() == 30
    assert set(changes.values_list("history_change_reason", flat=True)) <= {
        "Reoperation recorded",
        "Device lot corrected",
    }
    written = Case.history.count() + Outcome.history.count() + AdverseEvent.history.count()
    assert summary["history_rows"] == written + 300  # and the codings' own


def test_each_case_is_linked_to_its_validated_coding_and_a_valid_nhs_number(capsys):
    _summary(capsys, "--cases", "120", "--introductions", "1", "--events", "5")

    cases = list(Case.objects.select_related("coding"))
    assert all(nhs_number.is_valid(case.nhs_number) for case in cases)
    assert all(case.coding_valid == case.coding.valid for case in cases)
    assert {case.coding.valid for case in cases} == {True, False}  # some need the fix
    assert all(case.performed_on <= case.coding.validated_at.date() for case in cases)


def test_the_events_of_a_reportable_kind_have_a_yellow_card_due_or_submitted(capsys):
    _summary(capsys, "--cases", "200", "--introductions", "1", "--events", "300")

    reportable = AdverseEvent.objects.exclude(yellow_card="not_required")
    assert reportable.exists()
    assert set(reportable.values_list("yellow_card", flat=True)) <= {"due", "submitted"}
    assert not reportable.filter(yellow_card_due_by=None).exists()
    assert not reportable.filter(device_involved=False).exists()


def test_a_size_below_one_is_refused_naming_the_option():
    with pytest.raises(CommandError, match="--organisations"):
        call_command("seed_load", "--organisations", "0")
