"""introduction_create and introduction_update: who, when, validation and history rows."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from governance.errors import InvalidTransition, NotPermitted
from governance.introductions import services
from governance.models import Introduction, IntroductionDevice
from tests.factories import DeviceFactory, GuidanceFactory

pytestmark = pytest.mark.django_db


def _create(actor, organisation, **fields):
    fields.setdefault("guidance", GuidanceFactory())
    fields.setdefault("title", "Dynamic stabilisation for low back pain")
    return services.introduction_create(actor=actor, organisation=organisation, **fields)


def test_a_clinician_starts_a_draft_as_its_applicant(applicant, organisation):
    device = DeviceFactory()

    introduction = _create(
        applicant,
        organisation,
        department="Spinal surgery",
        planned_start="2026-03-01",
        cusum_p0=0.1,
        cusum_p1=0.25,
        cusum_h=4,
        devices=[device],
    )

    introduction.refresh_from_db()
    assert (introduction.status, introduction.applicant, introduction.organisation) == (
        "draft",
        applicant,
        organisation,
    )
    assert introduction.planned_start == date(2026, 3, 1)
    assert list(introduction.devices.all()) == [device]
    record = introduction.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        applicant,
        "Application started",
    )
    link = IntroductionDevice.objects.get(introduction=introduction)
    assert link.history.get().history_user == applicant


@pytest.mark.parametrize("persona", ["admin_user", "outsider"])
def test_only_clinicians_and_leads_may_apply(request, organisation, persona):
    with pytest.raises(NotPermitted):
        _create(request.getfixturevalue(persona), organisation)
    assert not Introduction.objects.exists()


def test_nobody_applies_in_an_organisation_they_do_not_belong_to(applicant, other_organisation):
    with pytest.raises(ValidationError) as caught:
        _create(applicant, other_organisation)

    assert "organisation" in caught.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"guidance": None}, "guidance"),
        ({"planned_start": "1st of March"}, "planned_start"),
        ({"planned_start": "2026-02-30"}, "planned_start"),
        ({"cusum_p0": 0.3, "cusum_p1": 0.2}, "cusum_p1"),
        ({"cusum_p0": -0.1}, "cusum_p0"),
        ({"cusum_h": -1}, "cusum_h"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_bad_input_is_refused_naming_the_field(applicant, organisation, fields, field):
    with pytest.raises(ValidationError) as caught:
        _create(applicant, organisation, **fields)

    assert field in caught.value.message_dict
    assert not Introduction.objects.exists()


def test_an_unknown_device_is_refused_on_the_devices_field(applicant, organisation):
    with pytest.raises(ValidationError) as caught:
        _create(applicant, organisation, devices=[987654])

    assert "devices" in caught.value.message_dict
    assert not Introduction.objects.exists()


def test_the_applicant_edits_a_draft_and_the_change_is_recorded_with_the_reason(
    make_introduction, applicant
):
    introduction = make_introduction(department="Orthopaedics")

    services.introduction_update(
        introduction=introduction,
        actor=applicant,
        reason="Department corrected",
        department="Spinal surgery",
        cusum_h=5,
    )

    introduction.refresh_from_db()
    assert (introduction.department, introduction.cusum_h) == ("Spinal surgery", 5.0)
    latest, previous = introduction.history.all()[:2]
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == (
        "~",
        applicant,
        "Department corrected",
    )
    delta = latest.diff_against(previous)
    assert sorted(delta.changed_fields) == ["cusum_h", "department"]


def test_an_edit_that_changes_nothing_writes_no_history(make_introduction, applicant):
    introduction = make_introduction()
    count = introduction.history.count()

    services.introduction_update(
        introduction=introduction, actor=applicant, title=introduction.title
    )

    assert introduction.history.count() == count


def test_devices_are_replaced_one_audited_row_at_a_time(make_introduction, applicant):
    first, second = DeviceFactory(), DeviceFactory()
    introduction = make_introduction()
    services.introduction_update(introduction=introduction, actor=applicant, devices=[first])

    services.introduction_update(introduction=introduction, actor=applicant, devices=[second])

    assert list(introduction.devices.all()) == [second]
    types = sorted(IntroductionDevice.history.values_list("device_id", "history_type"))
    assert types == [(first.pk, "+"), (first.pk, "-"), (second.pk, "+")]


@pytest.mark.parametrize("persona", ["lead", "clinician", "admin_user", "other_org_lead"])
def test_nobody_but_the_applicant_edits(request, make_introduction, persona):
    introduction = make_introduction()

    with pytest.raises(NotPermitted):
        services.introduction_update(
            introduction=introduction, actor=request.getfixturevalue(persona), title="Hijacked"
        )

    introduction.refresh_from_db()
    assert introduction.title != "Hijacked"


@pytest.mark.parametrize("status", ["submitted", "under_review", "approved", "cancelled"])
def test_an_application_past_draft_cannot_be_edited(make_introduction, applicant, status):
    introduction = make_introduction(status)

    with pytest.raises(InvalidTransition):
        services.introduction_update(introduction=introduction, actor=applicant, title="Later")

    introduction.refresh_from_db()
    assert introduction.title != "Later"


def test_status_and_organisation_are_not_editable_fields(make_introduction, applicant):
    introduction = make_introduction()

    with pytest.raises(ValidationError) as caught:
        services.introduction_update(
            introduction=introduction, actor=applicant, status="approved", organisation=None
        )

    assert set(caught.value.message_dict) == {"organisation", "status"}
    introduction.refresh_from_db()
    assert introduction.status == "draft"
