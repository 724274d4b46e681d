"""governance/audit.py: readable field-level history, filters and keyset pages."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.audit import queries as audit
from governance.errors import NotPermitted
from governance.introductions import services
from tests.factories import DeviceFactory, GuidanceFactory, IntroductionFactory

pytestmark = pytest.mark.django_db


def _page(viewer, **filters):
    return audit.history_page(viewer=viewer, filters=audit.HistoryFilter(**filters), limit=100)


@pytest.fixture
def signed_off(monkeypatch):
    # The story is about what the workflow writes; the assessments (with history rows of their
    # own) are tested in tests/governance/assessments, so the approval guard on them is met
    # here without them.
    from governance.introductions import workflow

    monkeypatch.setattr(workflow, "assessment_signed_off", lambda introduction, kind: True)


@pytest.fixture
def story(applicant, lead, organisation, signed_off):
    """An application created, edited, given a device then without it, submitted, reviewed
    and approved with a condition."""
    device = DeviceFactory(name="Dynesys")
    introduction = services.introduction_create(
        actor=applicant,
        organisation=organisation,
        guidance=GuidanceFactory(reference="IPG366"),
        title="Dynamic stabilisation",
        department="Orthopaedics",
        first_review_after_cases=5,
        review_interval_months=6,
        cusum_p0=0.1,
        cusum_p1=0.2,
        cusum_h=3,
        devices=[device],
    )
    services.introduction_update(
        introduction=introduction,
        actor=applicant,
        reason="Wrong department",
        department="Spinal surgery",
    )
    services.introduction_update(introduction=introduction, actor=applicant, devices=[])
    for action, actor in [("submit", applicant), ("start_review", lead)]:
        services.introduction_transition(introduction=introduction, action=action, actor=actor)
    services.introduction_transition(
        introduction=introduction,
        action="approve",
        actor=lead,
        reason="Committee",
        conditions=["Mentor for 5 cases"],
    )
    return introduction


def test_each_change_is_an_entry_newest_first_with_user_reason_and_type(story, lead, applicant):
    entries = _page(lead, introduction=story.pk).entries

    assert [(e.model, e.type, e.user, e.reason) for e in entries] == [
        ("review", "+", "lead", "Review scheduled on approval"),
        ("review", "+", "lead", "Review scheduled on approval"),
        ("condition", "+", "lead", "Condition of approval"),
        ("introduction", "~", "lead", "Committee"),
        ("introduction", "~", "lead", "Start review"),
        ("introduction", "~", "applicant", "Submit"),
        ("introductiondevice", "-", "applicant", "Devices changed"),
        ("introduction", "~", "applicant", "Wrong department"),
        ("introductiondevice", "+", "applicant", "Device added to the application"),
        ("introduction", "+", "applicant", "Application started"),
    ]
    assert all(e.introduction_id == story.pk for e in entries)
    assert all(e.introduction_title == "Dynamic stabilisation" for e in entries)


def test_a_change_is_a_readable_before_and_after(story, lead):
    entries = _page(lead, introduction=story.pk).entries
    approval = next(e for e in entries if e.reason == "Committee")
    edit = next(e for e in entries if e.reason == "Wrong department")
    removal = next(e for e in entries if e.type == "-")

    assert [(c.field, c.old, c.new, c.old_display, c.new_display) for c in approval.changes] == [
        ("status", "under_review", "approved", "Under review", "Approved")
    ]
    assert [(c.field, c.old, c.new) for c in edit.changes] == [
        ("department", "Orthopaedics", "Spinal surgery")
    ]
    device_change = next(c for c in removal.changes if c.field == "device")
    assert (device_change.old_display, device_change.new_display) == (
        "Dynesys (Example Medical Ltd)",
        "",
    )


def test_a_creation_lists_the_values_given_with_related_records_by_name(story, lead):
    created = _page(lead, introduction=story.pk).entries[-1]
    changes = {c.field: c for c in created.changes}

    assert changes["title"].new == "Dynamic stabilisation"
    assert changes["status"].new_display == "Draft"
    assert changes["guidance"].new == story.guidance_id
    assert changes["guidance"].new_display.startswith("IPG366 ")
    assert changes["applicant"].new_display == story.applicant.get_full_name()
    assert changes["cusum_p1"].new == 0.2
    assert "updated_at" not in changes and "id" not in changes
    assert "research_ethics_reference" not in changes  # empty values are left out


def test_filters_by_user_record_type_and_dates(story, lead, applicant):
    assert {e.user for e in _page(lead, introduction=story.pk, user="applicant").entries} == {
        "applicant"
    }
    assert {e.model for e in _page(lead, model="condition").entries} == {"condition"}
    assert _page(lead, user="nobody").entries == []
    future = timezone.now() + timedelta(days=1)
    assert _page(lead, since=future).entries == []
    assert len(_page(lead, until=future).entries) == 10 + 2  # and the personas joining


def test_the_filters_are_read_from_query_parameters():
    filters = audit.HistoryFilter.from_params(
        {"user": " lead ", "model": "Condition", "since": "2025-01-01", "until": "2025-01-31"}
    )

    assert (filters.user, filters.model) == ("lead", "condition")
    assert filters.since == timezone.make_aware(datetime(2025, 1, 1))
    assert filters.until.date().isoformat() == "2025-01-31"
    assert filters.until.hour == 23


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2025-02-30"}, "until"),
        ({"model": "patient"}, "model"),
        ({"introduction": "one"}, "introduction"),
        ({"since": "2025-02-01", "until": "2025-01-01"}, "until"),
        ({"user": "le\x00ad"}, "user"),
    ],
)
def test_bad_filters_name_the_parameter(params, field):
    with pytest.raises(ValidationError) as caught:
        audit.HistoryFilter.from_params(params)
    assert field in caught.value.message_dict


@pytest.mark.parametrize("persona", ["applicant", "clinician", "outsider"])
def test_only_leads_and_administrators_read_history(request, story, persona):
    with pytest.raises(NotPermitted):
        _page(request.getfixturevalue(persona), introduction=story.pk)


def test_administrators_read_history(story, admin_user):
    assert len(_page(admin_user, introduction=story.pk).entries) == 10


def test_another_organisations_history_is_never_shown(story, other_org_lead, other_organisation):
    theirs = IntroductionFactory(organisation=other_organisation, applicant=other_org_lead)

    assert _page(other_org_lead, introduction=story.pk).entries == []
    assert {e.introduction_id for e in _page(other_org_lead).entries} == {theirs.pk}


def test_pages_walk_the_whole_history_without_gaps_or_repeats(story, lead):
    everything = [e.history_id for e in _page(lead).entries]
    seen, cursor = [], None
    while True:
        page = audit.history_page(
            viewer=lead, filters=audit.HistoryFilter(), cursor=cursor, limit=3
        )
        assert len(page.entries) <= 3
        seen.extend((e.model, e.history_id) for e in page.entries)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert len(seen) == len(set(seen)) == len(everything) == 10 + 2  # and two joining


def test_pages_break_ties_between_rows_written_at_the_same_instant(
    monkeypatch, applicant, lead, make_introduction
):
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)
    introductions = [make_introduction() for _ in range(4)]
    for introduction in introductions:
        introduction.conditions.create(text="Mentor")
        introduction.reviews.create(kind="periodic", due_on=instant.date())

    seen, cursor = [], None
    while True:
        page = audit.history_page(
            viewer=lead, filters=audit.HistoryFilter(), cursor=cursor, limit=5
        )
        seen.extend((e.model, e.history_id) for e in page.entries)
        cursor = page.next_cursor
        if cursor is None:
            break

    assert len(seen) == len(set(seen)) == 12 + 2  # and the applicant and lead joining


def test_a_bad_cursor_is_a_validation_error_on_cursor(lead):
    with pytest.raises(ValidationError) as caught:
        audit.history_page(viewer=lead, filters=audit.HistoryFilter(), cursor="not-a-cursor")
    assert "cursor" in caught.value.message_dict


def test_the_csv_has_one_line_per_changed_field_and_defuses_formulas(story, lead, applicant):
    services.introduction_transition(
        introduction=story, action="suspend", actor=lead, reason='=HYPERLINK("x")'
    )
    entries = list(audit.history_all(viewer=lead, filters=audit.HistoryFilter(), batch=2))

    lines = list(audit.csv_lines(entries))

    assert lines[0].strip() == ",".join(audit.CSV_HEADER)
    assert len(lines) == 1 + sum(max(1, len(e.changes)) for e in entries)
    assert "'=HYPERLINK" in lines[1]
    assert ",status,Approved,Suspended" in lines[1]
