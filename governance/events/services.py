"""Use cases of adverse events and their Yellow Card: the only code that writes them.

Keyword-only, atomic, returning the instance; NotPermitted (403) when the actor may not,
InvalidTransition (409) when the introduction or the card's state forbids it, Django's
ValidationError naming the field for bad input. Each write records who and why.

Recording an event sets its Yellow Card (`due` with its date from the local policy, or
`not_required`), marks its case a failure for monitoring when the rule says so (and checks the
CUSUM), and tells the organisation's leads at once, through the outbox, when the event is
severe or fatal or might have led to serious harm. Recording never fails because the broker
or the mail server is down: the notice is a row of the same transaction (notices/).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from governance import roles
from governance.audited import audited
from governance.cases import services as cases
from governance.cases.models import Case
from governance.cases.permissions import log_refusal
from governance.errors import InvalidTransition
from governance.events.models import (
    DEVICE_FIELDS,
    AdverseEvent,
    YellowCard,
    fails_case,
    reportable,
    yellow_card_due_by,
)
from governance.events.permissions import events_conflict, yellow_card_refusal
from governance.introductions.models import Introduction
from governance.introductions.services import introduction_lock, leads_to_notify
from governance.notices.models import Notice
from governance.notices.services import notice_queue
from governance.permissions import require

EVENT_FIELDS = (
    "case",
    "occurred_on",
    "detected_on",
    "description",
    "harm",
    "category",
    "device_involved",
    *DEVICE_FIELDS,
    "device_available",
    "device_kept_at",
    "might_have_led_to_serious",
    "action_taken",
    "local_reference",
)
_TEXT = ("description", "action_taken", "local_reference", "device_kept_at", *DEVICE_FIELDS)


def _site_url() -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/")


def _clean(introduction: Introduction, fields: dict[str, Any], today: date) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(EVENT_FIELDS))
    if unknown:
        raise ValidationError({n: ["This is not a field of an adverse event."] for n in unknown})
    data = dict(fields)
    for name in _TEXT:
        if name in data:
            data[name] = (data[name] or "").strip()
    for name in ("device_involved", "might_have_led_to_serious"):
        if name in data:
            data[name] = bool(data[name])
    if "case" in data and data["case"] not in (None, ""):
        case = data["case"]
        case_id = case.pk if isinstance(case, Case) else case
        found = (
            Case.objects.filter(pk=case_id, introduction=introduction).first()
            if str(case_id).isdigit() and len(str(case_id)) <= 18  # beyond, no database id
            else None
        )
        if found is None:
            raise ValidationError({"case": ["Choose a case of this introduction."]})
        data["case"] = found
    elif "case" in data:
        data["case"] = None
    if "detected_on" in data and data["detected_on"] in (None, "") and "occurred_on" in data:
        data["detected_on"] = data["occurred_on"]  # found the day it happened
    for name, label in (("occurred_on", "date it happened"), ("detected_on", "date it was found")):
        if name in data:
            value = data[name]
            if not isinstance(value, date):
                raise ValidationError({name: [f"Enter the {label}."]})
            if value > today:
                raise ValidationError({name: [f"The {label} cannot be in the future."]})
            if value < cases.EARLIEST:  # year 0001 is a typing error, not an event
                raise ValidationError(
                    {name: [f"The {label} must be in {cases.EARLIEST.year} or later."]}
                )
    return data


def _check(event: AdverseEvent) -> None:
    """The rules that tie an event's answers together, each error on its field."""
    if event.detected_on < event.occurred_on:
        raise ValidationError({"detected_on": ["The event cannot be found before it happened."]})
    if event.case_id and event.occurred_on < event.case.performed_on:
        raise ValidationError(
            {"occurred_on": ["An event of a case cannot happen before the procedure."]}
        )
    if event.device_involved and not event.device_name:
        raise ValidationError({"device_name": ["Enter the name of the device involved."]})
    if event.device_available and not event.device_kept_at:
        raise ValidationError(
            {"device_kept_at": ["Say where the device is kept for the investigation."]}
        )


def _prefill_device(event: AdverseEvent) -> None:
    """The device details the case knows, where the reporter left them blank."""
    case = event.case
    if not (event.device_involved and case is not None and case.device_id):
        return
    device = case.device
    known = {
        "device_name": device.name,
        "device_manufacturer": device.manufacturer,
        "device_model": device.model,
        "device_catalogue_number": device.catalogue_number,
        "device_lot_number": case.device_lot,
    }
    for name, value in known.items():
        if not getattr(event, name):
            setattr(event, name, value)


def _derive(event: AdverseEvent) -> None:
    """The card and the case-failure link, from the event's own answers. A card a lead has
    decided (submitted, not reportable) keeps its decision."""
    event.fails_case = fails_case(harm=event.harm, category=event.category)
    if event.yellow_card in (YellowCard.SUBMITTED, YellowCard.NOT_REPORTABLE):
        return
    if reportable(
        device_involved=event.device_involved,
        harm=event.harm,
        might_have_led_to_serious=event.might_have_led_to_serious,
    ):
        event.yellow_card = YellowCard.DUE
        event.yellow_card_due_by = yellow_card_due_by(
            detected_on=event.detected_on, harm=event.harm
        )
    else:
        event.yellow_card = YellowCard.NOT_REQUIRED
        event.yellow_card_due_by = None


@transaction.atomic
def adverse_event_record(*, introduction: Introduction, actor, **fields: Any) -> AdverseEvent:
    """Record an adverse event under an introduction that was approved; `fields` are names of
    EVENT_FIELDS (`occurred_on`, `detected_on`, `description`, `harm` and `category` needed)."""
    locked = introduction_lock(introduction.pk)
    require(log_refusal, actor, locked)
    conflict = events_conflict(locked)
    if conflict:
        raise InvalidTransition(conflict)
    data = _clean(locked, fields, timezone.localdate())
    data.setdefault("detected_on", data.get("occurred_on"))
    event = AdverseEvent(introduction=locked, reporter=actor, **data)
    event.full_clean(exclude=["introduction", "reporter"])
    _prefill_device(event)
    _check(event)
    _derive(event)
    audited(event, actor, "Adverse event recorded")
    event.save()
    cases.monitoring_changed(introduction_id=locked.pk)
    _after_change(event, locked, new=True)
    return event


@transaction.atomic
def adverse_event_update(
    *, event: AdverseEvent, actor, reason: str = "", **fields: Any
) -> AdverseEvent:
    """Change an event's answers (any state of the introduction); the card follows unless a
    lead has decided it."""
    locked = introduction_lock(event.introduction_id)
    require(log_refusal, actor, locked)
    event = AdverseEvent.objects.select_related("case__device").get(pk=event.pk)
    data = _clean(locked, fields, timezone.localdate())
    was = (event.fails_case, event.is_serious)
    for name, value in data.items():
        setattr(event, name, value)
    event.full_clean(exclude=["introduction", "reporter"])
    _prefill_device(event)
    _check(event)
    _derive(event)
    audited(event, actor, reason.strip() or "Adverse event changed")
    event.save()
    cases.monitoring_changed(introduction_id=locked.pk)  # its case or failure may differ
    if (event.fails_case, event.is_serious) != was:
        _after_change(event, locked, new=False)
    return event


def _after_change(event: AdverseEvent, introduction: Introduction, *, new: bool) -> None:
    if event.fails_case and event.case_id:
        cases.signal_check(introduction=introduction)
    if event.is_serious:
        notice_queue(
            kind="serious_event",
            key=f"event:{event.pk}:serious",
            to=leads_to_notify(introduction),
            subject=f"Serious adverse event: {introduction.title}",
            body=render_to_string(
                "emails/serious_event.txt",
                {"event": event, "introduction": introduction, "site_url": _site_url()},
            ),
        )


# --- the Yellow Card ------------------------------------------------------------------------


@transaction.atomic
def yellow_card_set(
    *,
    event: AdverseEvent,
    actor,
    status: str,
    reference: str = "",
    submitted_on: date | None = None,
    reason: str = "",
) -> AdverseEvent:
    """A lead marks the Yellow Card `submitted` (with the MHRA reference and date),
    `not_reportable` (with the reason), or reopens it (`due`, with the reason)."""
    introduction_lock(event.introduction_id)
    event = AdverseEvent.objects.select_related("introduction").get(pk=event.pk)
    require(yellow_card_refusal, actor, event)
    reference, reason = (reference or "").strip(), (reason or "").strip()
    today = timezone.localdate()
    if status == YellowCard.SUBMITTED:
        if not reference:
            raise ValidationError({"reference": ["Enter the MHRA Yellow Card reference."]})
        if not isinstance(submitted_on, date):
            raise ValidationError({"submitted_on": ["Enter the date it was submitted."]})
        if submitted_on > today:
            raise ValidationError({"submitted_on": ["The date cannot be in the future."]})
        if submitted_on < event.detected_on:
            raise ValidationError(
                {"submitted_on": ["It cannot be submitted before the event was found."]}
            )
        event.yellow_card_reference, event.yellow_card_submitted_on = reference, submitted_on
        event.yellow_card_reason = ""
        why = f"Yellow Card submitted to the MHRA: {reference}"
    elif status == YellowCard.NOT_REPORTABLE:
        if not reason:
            raise ValidationError({"reason": ["Say why the event is not reportable."]})
        event.yellow_card_reason = reason
        why = f"Yellow Card not reportable: {reason}"
    elif status == YellowCard.DUE:
        if event.yellow_card == YellowCard.DUE:
            raise InvalidTransition("The Yellow Card is already due.")
        if not reason:
            raise ValidationError({"reason": ["Say why the Yellow Card is reopened."]})
        event.yellow_card_due_by = event.yellow_card_due_by or yellow_card_due_by(
            detected_on=event.detected_on, harm=event.harm
        )
        why = f"Yellow Card reopened: {reason}"
    else:
        choices = ", ".join(s.value for s in (YellowCard.SUBMITTED, YellowCard.NOT_REPORTABLE))
        raise ValidationError({"status": [f"Use {choices}, or due to reopen it."]})
    event.yellow_card = status
    audited(event, actor, why)
    event.save()
    return event


def yellow_cards_overdue_digest(*, now: datetime) -> int:
    """Queue one notice a day to each governance lead listing the overdue Yellow Cards of their
    organisations (the daily beat job). Idempotent within a day. Returns the notices queued."""
    today = timezone.localdate(now)
    overdue = (
        AdverseEvent.objects.overdue(today=today)
        .select_related("introduction")
        .order_by("yellow_card_due_by", "pk")
    )
    by_organisation: dict[int, list[AdverseEvent]] = defaultdict(list)
    for event in overdue:
        by_organisation[event.introduction.organisation_id].append(event)
    if not by_organisation:
        return 0
    User = get_user_model()
    leads = (
        User.objects.filter(
            groups__name=roles.LEAD,
            is_active=True,
            memberships__organisation_id__in=by_organisation,
        )
        .exclude(email="")
        .prefetch_related("memberships")
        .distinct()
    )
    queued = 0
    for lead in leads:
        events = [
            event
            for membership in lead.memberships.all()
            for event in by_organisation.get(membership.organisation_id, [])
        ]
        key = f"yellow-card-digest:{lead.pk}:{today.isoformat()}"
        if not events or Notice.objects.filter(key=key).exists():
            continue  # nothing to say, or said today already
        with transaction.atomic():
            notice = notice_queue(
                kind="yellow_card_overdue",
                key=key,
                to=[lead.email],
                subject=f"Yellow Cards overdue: {len(events)}",
                body=render_to_string(
                    "emails/yellow_cards_overdue.txt",
                    {"events": events, "today": today, "lead": lead, "site_url": _site_url()},
                ),
            )
        queued += notice is not None
    return queued
