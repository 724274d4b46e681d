"""Template tags of adverse events on pages that belong to lower packages.

`{% load events_tags %}`: `{% introduction_events introduction %}` renders the "Adverse events"
section of the introduction page, `{% case_events case %}` the one of the case page: the latest
events, their Yellow Card, and "Log an adverse event" when the user may. Introductions and
cases may not import events (the import layers in pyproject.toml); these tags, in the top
wiring layer, read the events for them, in a fixed number of queries however many there are.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from governance.events.models import AdverseEvent, YellowCard
from governance.events.permissions import events_conflict
from governance.events.views import event_rows
from governance.permissions import may

register = template.Library()

LATEST = 5  # events on the introduction page
CASE_LIMIT = 20  # on the case page, the most recently found first


def _can_record(user, introduction) -> tuple[bool, str | None]:
    """Whether the user may log an event here now; else why not, when they are clinical."""
    if not may(user, "governance.record_event", introduction):
        return False, None
    conflict = events_conflict(introduction)
    return conflict is None, conflict


@register.inclusion_tag("governance/events/_introduction_events.html", takes_context=True)
def introduction_events(context: template.Context, introduction) -> dict[str, Any]:
    user = context["request"].user
    today = timezone.localdate()
    events = AdverseEvent.objects.filter(introduction=introduction)
    counts = events.aggregate(
        all=Count("pk"),
        due=Count("pk", filter=Q(yellow_card=YellowCard.DUE)),
        overdue=Count("pk", filter=Q(yellow_card=YellowCard.DUE, yellow_card_due_by__lt=today)),
    )
    latest = list(events.select_related("introduction")[:LATEST]) if counts["all"] else []
    can_record, conflict = _can_record(user, introduction)
    return {
        "introduction": introduction,
        "counts": counts,
        "rows": event_rows(latest, today),
        "caption": f"The latest {len(latest)} of {counts['all']}",
        "can_record": can_record,
        "conflict": conflict,
    }


@register.inclusion_tag("governance/events/_case_events.html", takes_context=True)
def case_events(context: template.Context, case) -> dict[str, Any]:
    user = context["request"].user
    today = timezone.localdate()
    events = list(case.adverse_events.select_related("introduction")[: CASE_LIMIT + 1])
    can_record, _ = _can_record(user, case.introduction)
    return {
        "case": case,
        "rows": event_rows(events[:CASE_LIMIT], today),
        "more": len(events) > CASE_LIMIT,
        "limit": CASE_LIMIT,
        "caption": f"Adverse events of case {case.pk}",
        "can_record": can_record,
    }
