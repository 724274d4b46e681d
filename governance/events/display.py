"""How adverse events read on the pages: harm and Yellow Card tags, what the card means in a
sentence, and the event's history as readable entries.

Pure functions of values already loaded: nothing here runs a query (STYLE.md, "Templates").
The event pages (events/views.py), the sections of the introduction and case pages
(templatetags/events_tags.py) and the home page (home/) use them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils.formats import date_format
from django.utils.text import capfirst

from governance.cases.display import Tag
from governance.events.models import AdverseEvent, Harm, YellowCard, reportable

HARM_COLOURS = {
    Harm.NONE: "grey",
    Harm.LOW: "blue",
    Harm.MODERATE: "yellow",
    Harm.SEVERE: "orange",
    Harm.FATAL: "red",
}
CARD_COLOURS = {
    YellowCard.NOT_REQUIRED: "white",
    YellowCard.DUE: "orange",
    YellowCard.SUBMITTED: "green",
    YellowCard.NOT_REPORTABLE: "grey",
}


def harm_tag(harm: str) -> Tag:
    return Tag(Harm(harm).label, HARM_COLOURS[harm])


def card_tag(event: AdverseEvent, today: date) -> Tag:
    if event.is_overdue(today):
        return Tag("Overdue", "red")
    return Tag(YellowCard(event.yellow_card).label, CARD_COLOURS[event.yellow_card])


def day(value: date) -> str:
    return date_format(value, "j F Y")


def card_sentence(event: AdverseEvent, today: date) -> str:
    """What the Yellow Card asks of people now, in a sentence (the banner after saving and the
    card's panel)."""
    status = event.yellow_card
    if status == YellowCard.DUE:
        due = date_format(event.yellow_card_due_by, "l j F Y")
        if event.is_overdue(today):
            return f"A Yellow Card report to the MHRA is overdue: it was due by {due}."
        return f"A Yellow Card report to the MHRA is due by {due}."
    if status == YellowCard.SUBMITTED:
        return (
            f"The Yellow Card was submitted to the MHRA on {day(event.yellow_card_submitted_on)}"
            f", reference {event.yellow_card_reference}."
        )
    if status == YellowCard.NOT_REPORTABLE:
        return "A governance lead decided the event is not reportable to the MHRA."
    if not event.device_involved:
        return "No Yellow Card is needed: no device was involved."
    if not reportable(
        device_involved=True,
        harm=event.harm,
        might_have_led_to_serious=event.might_have_led_to_serious,
    ):
        return (
            "No Yellow Card is needed: the event did not lead, and might not have led, to death "
            "or serious deterioration in health."
        )
    return "No Yellow Card is needed."  # pragma: no cover  (a reportable event's card is due)


def kept_for_investigation(event: AdverseEvent) -> str:
    if event.device_available is None:
        return "Not known"
    if event.device_available:
        return f"Yes, at {event.device_kept_at}" if event.device_kept_at else "Yes"
    return "No"


# --- the history ------------------------------------------------------------------------------

# Derived or bookkeeping columns the entries leave out: the page shows their effect.
HIDDEN_FIELDS = frozenset({"id", "created_at", "updated_at", "introduction", "reporter"})
LABELS = {
    "fails_case": "Makes its case a failure",
    "yellow_card": "Yellow Card",
    "yellow_card_due_by": "Yellow Card due by",
    "yellow_card_reason": "Why it is not reportable",
    "might_have_led_to_serious": "Might have led to death or serious deterioration",
    "device_available": "Device kept for investigation",
}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    action: str  # "Recorded" or "Changed"
    reason: str
    changes: list[Change]


def _shown(field: models.Field, value: Any) -> str:
    if value is None or value == "":
        return ""
    if field.name == "case":
        return f"Case {value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return day(value)
    return str(value)


def _who(row) -> str:
    user = row.history_user
    if user is None:
        return "System"
    return user.get_full_name() or user.username


def history_entries(rows: Sequence[Any], fields: Sequence[models.Field]) -> list[HistoryEntry]:
    """The event's historical rows (newest first, each with `history_user` loaded) as entries:
    who, when, why, and what changed from the row before. The oldest row given only serves as
    the "before" of the next when it is not the event's creation."""
    entries = []
    shown_fields = [f for f in fields if f.name not in HIDDEN_FIELDS]
    for index, row in enumerate(rows):
        before = rows[index + 1] if index + 1 < len(rows) else None
        if row.history_type == "+":
            entries.append(
                HistoryEntry(
                    row.history_date, _who(row), "Recorded", row.history_change_reason or "", []
                )
            )
            continue
        if before is None:
            break  # the row before it was not fetched: the page says there is more
        changes = []
        for field in shown_fields:
            old, new = getattr(before, field.attname), getattr(row, field.attname)
            if old != new:
                label = LABELS.get(field.name) or capfirst(str(field.verbose_name))
                changes.append(Change(label, _shown(field, old), _shown(field, new)))
        entries.append(
            HistoryEntry(
                row.history_date,
                _who(row),
                "Changed",
                row.history_change_reason or "",
                changes,
            )
        )
    return entries
