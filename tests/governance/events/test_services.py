"""Recording adverse events: reportability, the Yellow Card's due date and its decisions, the
case-failure link, the leads told at once, and the daily digest of overdue cards."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from governance.cases import services as cases
from governance.errors import InvalidTransition, NotPermitted
from governance.events import services
from governance.events.models import AdverseEvent
from governance.models import Notice

from .conftest import TODAY

pytestmark = pytest.mark.django_db

HARMS = ["none", "low", "moderate", "severe", "fatal"]


def reasons(event) -> list[str]:
    return list(
        event.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )


@pytest.mark.parametrize(
    ("harm", "device_involved", "might_have_led_to_serious"),
    list(product(HARMS, [False, True], [False, True])),
)
def test_a_yellow_card_is_due_exactly_for_a_device_event_with_serious_harm_or_its_risk(
    record, harm, device_involved, might_have_led_to_serious
):
    event = record(
        harm=harm,
        device_involved=device_involved,
        device_name="Dynamic stabilisation system" if device_involved else "",
        might_have_led_to_serious=might_have_led_to_serious,
    )

    expected = device_involved and (harm in ("severe", "fatal") or might_have_led_to_serious)
    assert event.yellow_card == ("due" if expected else "not_required")
    assert (event.yellow_card_due_by is not None) == expected


@pytest.mark.parametrize(
    ("harm", "days"), [("fatal", 2), ("severe", 2), ("moderate", 10), ("low", 10), ("none", 10)]
)
def test_the_due_date_is_the_detection_plus_the_local_policy(record, harm, days):
    detected = TODAY - timedelta(days=1)
    event = record(
        harm=harm,
        occurred_on=detected - timedelta(days=3),
        detected_on=detected,
        device_involved=True,
        device_name="System",
        might_have_led_to_serious=True,
    )

    assert event.yellow_card_due_by == detected + timedelta(days=days)


@override_settings(YELLOW_CARD_DAYS_SERIOUS=1, YELLOW_CARD_DAYS_OTHER=30)
def test_the_local_policy_sets_the_days(record):
    serious = record(harm="severe", device_involved=True, device_name="System")
    other = record(
        harm="moderate", device_involved=True, device_name="System", might_have_led_to_serious=True
    )

    assert serious.yellow_card_due_by == TODAY + timedelta(days=1)
    assert other.yellow_card_due_by == TODAY + timedelta(days=30)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"occurred_on": TODAY + timedelta(days=1)}, "occurred_on", "cannot be in the future"),
        ({"detected_on": TODAY + timedelta(days=1)}, "detected_on", "cannot be in the future"),
        (
            {"occurred_on": TODAY, "detected_on": TODAY - timedelta(days=1)},
            "detected_on",
            "found before it happened",
        ),
        ({"harm": "catastrophic"}, "harm", "not a valid choice"),
        ({"description": " "}, "description", "cannot be blank"),
        ({"device_involved": True}, "device_name", "name of the device"),
        (
            {"device_involved": True, "device_name": "X", "device_available": True},
            "device_kept_at",
            "where the device is kept",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(record, fields, field, words):
    with pytest.raises(ValidationError) as raised:
        record(**fields)

    assert words in " ".join(raised.value.message_dict[field])
    assert not AdverseEvent.objects.exists()


def test_an_event_of_a_case_takes_its_device_and_lot(record, log_case, device):
    case = log_case(days_ago=5, device=device, device_lot="LOT-9")

    event = record(case=case, harm="severe", category="device_failure", device_involved=True)

    assert (event.device_name, event.device_lot_number) == (device.name, "LOT-9")
    assert event.device_catalogue_number == device.catalogue_number
    assert event.yellow_card == "due"


def test_a_case_of_another_introduction_is_refused(record, log_case, applicant, ipg366):
    from tests.factories import IntroductionFactory

    other = IntroductionFactory(status="approved", applicant=applicant, guidance__ruleset=ipg366)
    case = log_case(introduction=other)

    with pytest.raises(ValidationError) as raised:
        record(case=case)

    assert raised.value.message_dict["case"] == ["Choose a case of this introduction."]


@pytest.mark.parametrize(
    ("harm", "category", "fails"),
    [
        ("severe", "infection", True),
        ("fatal", "other", True),
        ("low", "device_failure", True),
        ("none", "reoperation", True),
        ("moderate", "infection", False),
        ("low", "wound", False),
    ],
)
def test_an_event_makes_its_case_a_failure_when_the_rule_says_so(
    record, log_case, live, harm, category, fails
):
    case = log_case(days_ago=5)

    event = record(case=case, harm=harm, category=category)

    case.refresh_from_db()
    assert case.failed is fails
    assert [o.failed for o in cases.observations(live)] == [fails]
    if fails:
        assert case.failure_flags == [
            f"Adverse event {event.pk}: {event.get_harm_display().lower()}, "
            f"{event.get_category_display().lower()}"
        ]


def test_an_event_that_fails_a_case_can_make_the_cusum_signal(record, log_case, live, lead):
    first = log_case(days_ago=9, device_failure=True)
    second = log_case(days_ago=8)

    record(case=second, harm="low", category="reoperation", occurred_on=TODAY)

    assert Notice.objects.get(kind="cusum_signal").key == f"cusum:{live.pk}:{second.pk}"
    assert first.pk != second.pk


@pytest.mark.parametrize(
    ("fields", "told"),
    [
        ({"harm": "severe"}, True),
        ({"harm": "fatal"}, True),
        ({"harm": "low", "might_have_led_to_serious": True}, True),
        ({"harm": "moderate"}, False),
    ],
)
def test_the_leads_are_told_at_once_of_a_serious_event_and_only_once(
    record, lead, applicant, fields, told
):
    event = record(**fields)
    services.adverse_event_update(event=event, actor=applicant, action_taken="Reviewed")

    notices = Notice.objects.filter(kind="serious_event")
    assert notices.count() == (1 if told else 0)
    if told:
        assert notices.get().to == [lead.email]
        assert notices.get().key == f"event:{event.pk}:serious"


def test_recording_never_fails_when_the_broker_is_down(
    record, lead, django_capture_on_commit_callbacks
):
    from tests.governance.notices.support import broker_down

    with broker_down(), django_capture_on_commit_callbacks(execute=True) as after_commit:
        event = record(harm="fatal")

    assert after_commit  # the send was tried after commit, and the broker refused it
    assert AdverseEvent.objects.filter(pk=event.pk).exists()
    assert Notice.objects.get(kind="serious_event").status == "pending"


@pytest.mark.parametrize("status", ["draft", "submitted", "under_review"])
def test_no_event_is_recorded_under_an_introduction_never_approved(record, live, status):
    live.status = status
    live.save()

    with pytest.raises(InvalidTransition, match="has been approved"):
        record()


def test_an_event_is_recorded_after_the_introduction_is_suspended(record, live):
    live.status = "suspended"
    live.save()

    assert record().pk


@pytest.mark.parametrize("persona", ["admin_user", "other_org_lead"])
def test_an_administrator_or_another_trust_records_no_event(request, record, persona):
    with pytest.raises(NotPermitted):
        record(actor=request.getfixturevalue(persona))


def due(record):
    return record(harm="severe", device_involved=True, device_name="System", occurred_on=TODAY)


def test_a_lead_marks_the_card_submitted_with_its_reference(record, lead):
    event = due(record)

    services.yellow_card_set(
        event=event, actor=lead, status="submitted", reference="YC-2026-0042", submitted_on=TODAY
    )

    event.refresh_from_db()
    assert (event.yellow_card, event.yellow_card_reference) == ("submitted", "YC-2026-0042")
    assert reasons(event)[-1] == "Yellow Card submitted to the MHRA: YC-2026-0042"
    assert event.history.latest("history_id").history_user == lead


def test_a_lead_marks_it_not_reportable_with_a_reason_and_reopens_it(record, lead):
    event = due(record)

    services.yellow_card_set(
        event=event, actor=lead, status="not_reportable", reason="Device not a contributory cause"
    )
    services.yellow_card_set(event=event, actor=lead, status="due", reason="New evidence")

    event.refresh_from_db()
    assert event.yellow_card == "due"
    assert reasons(event)[-2:] == [
        "Yellow Card not reportable: Device not a contributory cause",
        "Yellow Card reopened: New evidence",
    ]


@pytest.mark.parametrize(
    ("status", "values", "field"),
    [
        ("submitted", {"submitted_on": TODAY}, "reference"),
        ("submitted", {"reference": "YC-1"}, "submitted_on"),
        ("submitted", {"reference": "YC-1", "submitted_on": TODAY + timedelta(1)}, "submitted_on"),
        ("not_reportable", {}, "reason"),
        ("filed", {}, "status"),
    ],
)
def test_a_card_decision_without_what_it_needs_is_refused(record, lead, status, values, field):
    event = due(record)

    with pytest.raises(ValidationError) as raised:
        services.yellow_card_set(event=event, actor=lead, status=status, **values)

    assert field in raised.value.message_dict


def test_a_clinician_cannot_set_a_yellow_card(record, applicant):
    event = due(record)

    with pytest.raises(NotPermitted, match="Only a governance lead"):
        services.yellow_card_set(event=event, actor=applicant, status="not_reportable", reason="x")


def test_a_decided_card_keeps_its_decision_when_the_event_changes(record, lead, applicant):
    event = due(record)
    services.yellow_card_set(
        event=event, actor=lead, status="submitted", reference="YC-7", submitted_on=TODAY
    )

    services.adverse_event_update(event=event, actor=applicant, harm="moderate")

    event.refresh_from_db()
    assert event.yellow_card == "submitted"


def test_each_lead_gets_one_digest_a_day_of_the_overdue_cards(record, lead, other_lead):
    late = record(
        harm="severe",
        device_involved=True,
        device_name="System",
        occurred_on=TODAY - timedelta(days=10),
    )
    due(record)  # due, not yet overdue
    now = timezone.now()

    assert services.yellow_cards_overdue_digest(now=now) == 2
    assert services.yellow_cards_overdue_digest(now=now) == 0

    digests = Notice.objects.filter(kind="yellow_card_overdue")
    assert sorted(n.to[0] for n in digests) == sorted([lead.email, other_lead.email])
    assert all(f"event {late.pk}" in n.body for n in digests)
    assert all(n.subject == "Yellow Cards overdue: 1" for n in digests)
