"""Pages of adverse events and their Yellow Card.

Views only translate HTTP: they read forms, call events/services.py (the API calls the same
services) and turn domain errors into pages (governance/http.py): NotPermitted is the 403
page, in the refusal's words; an introduction that takes no event (events_conflict) a 409 page
in the same words; a service's ValidationError goes onto the form's fields. Nothing typed is
lost: a refused form comes back filled in.

Events are read through their introduction, `Introduction.objects.visible_to(user)`: another
organisation's event is a 404. The lists page by a keyset cursor, and each page runs the same
number of queries however many events there are (tests/governance/events/test_pages_queries.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from config.forms import add_service_errors
from governance import roles
from governance.cases.views import visible_case
from governance.errors import Concurrency, InvalidTransition
from governance.events import display, exports, services
from governance.events.forms import (
    CARD_FILTERS,
    EventChangeForm,
    EventFilterForm,
    EventForm,
    ReasonForm,
    SubmittedForm,
    device_initial,
    event_initial,
)
from governance.events.models import AdverseEvent, YellowCard
from governance.events.permissions import events_conflict
from governance.http import redirect_to, refuses
from governance.introductions import workflow
from governance.introductions.models import Introduction
from governance.introductions.views import visible_introduction
from governance.pdf import render_pdf
from governance.permissions import may, require

PAGE_SIZE = 25
HISTORY_LIMIT = 100  # entries on the event page, newest first; the audit page has them all
_BIGGEST_ID = 2**63 - 1  # a cursor's id beyond a database integer is no cursor


# --- helpers -------------------------------------------------------------------------------


def visible_events(user) -> QuerySet[AdverseEvent]:
    """The events of the introductions the user may see."""
    return AdverseEvent.objects.filter(introduction__in=Introduction.objects.visible_to(user))


def visible_event(request: HttpRequest, pk: int) -> AdverseEvent:
    """The event if its introduction is one the user may see; 404 otherwise."""
    return get_object_or_404(
        visible_events(request.user).select_related(
            "introduction__guidance", "introduction__organisation", "case", "reporter"
        ),
        pk=pk,
    )


def _conflict_page(request: HttpRequest, introduction: Introduction, message: str) -> HttpResponse:
    """No event may be recorded in the introduction's state: a 409 page in events_conflict's
    words."""
    context = {"introduction": introduction, "message": message}
    return render(request, "governance/events/event_conflict.html", context, status=409)


def _detail_url(event: AdverseEvent) -> str:
    return reverse("governance:event_detail", args=[event.pk])


def _say_saved(request: HttpRequest, event: AdverseEvent, what: str) -> None:
    """The banner after saving: whether a Yellow Card is due, and by when."""
    today = timezone.localdate()
    text = f"{what}. {display.card_sentence(event, today)}"
    if event.yellow_card == YellowCard.DUE:
        messages.warning(request, text)
    else:
        messages.success(request, text)


def _cursor(value: str | None) -> tuple[date, int] | None:
    """A keyset cursor `YYYY-MM-DD.id`, or None when there is none or it is not one."""
    try:
        day, pk = (value or "").split(".")
        key = date.fromisoformat(day), int(pk)
    except ValueError:
        return None
    return key if 0 < key[1] <= _BIGGEST_ID else None


@dataclass
class Page:
    rows: list[AdverseEvent]
    newer: str | None  # the cursor of the "Previous" link
    older: str | None  # the cursor of the "Next" link


def keyset_page(
    events: QuerySet[AdverseEvent],
    field: str,
    *,
    descending: bool,
    after: tuple[date, int] | None,
    before: tuple[date, int] | None,
    size: int | None = None,
) -> Page:
    """A page of `events` in the order of (`field`, id), by keyset: `after` walks on, `before`
    back. One query, whatever the page. `field` is a date that is never null in `events`."""
    size = size or PAGE_SIZE

    def key(event: AdverseEvent) -> str:
        return f"{getattr(event, field).isoformat()}.{event.pk}"

    def beyond(cursor: tuple[date, int], onwards: bool) -> Q:
        value, pk = cursor
        op = "lt" if descending == onwards else "gt"
        return Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk})

    forwards = (f"-{field}", "-pk") if descending else (field, "pk")
    backwards = (field, "pk") if descending else (f"-{field}", "-pk")
    if before is not None:
        rows = list(events.filter(beyond(before, False)).order_by(*backwards)[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        return Page(rows, key(rows[0]) if rows and more else None, key(rows[-1]) if rows else None)
    if after is not None:
        events = events.filter(beyond(after, True))
    rows = list(events.order_by(*forwards)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    newer = key(rows[0]) if rows and after is not None else None
    return Page(rows, newer, key(rows[-1]) if rows and more else None)


def _page_url(request: HttpRequest, keep: dict[str, Any], **params: str) -> str:
    query = QueryDict(mutable=True)
    for name, value in {**keep, **params}.items():
        if value not in (None, ""):
            query[name] = str(value)
    return f"{request.path}?{query.urlencode()}" if query else request.path


@dataclass(frozen=True)
class EventRow:
    event: AdverseEvent
    harm: display.Tag
    card: display.Tag


def event_rows(events: list[AdverseEvent], today: date) -> list[EventRow]:
    return [
        EventRow(event, display.harm_tag(event.harm), display.card_tag(event, today))
        for event in events
    ]


# --- logging an event ------------------------------------------------------------------------


def _record(
    request: HttpRequest,
    introduction: Introduction,
    *,
    case=None,
    initial: dict[str, Any],
) -> HttpResponse:
    """The quick form of an event under `introduction` (of `case` when given)."""
    require("governance.record_event", request.user, introduction)
    conflict = events_conflict(introduction)
    if conflict:
        return _conflict_page(request, introduction, conflict)
    form = EventForm(request.POST or None, initial=initial, with_case=case is None)
    if request.method == "POST" and form.is_valid():
        fields = form.event_fields()
        if case is not None:
            fields["case"] = case
        try:
            event = services.adverse_event_record(
                introduction=introduction, actor=request.user, **fields
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Concurrency as error:
            form.add_error(None, error.message)
        except InvalidTransition as error:
            return _conflict_page(request, introduction, error.message)
        else:
            _say_saved(request, event, "Adverse event recorded")
            return redirect_to(request, _detail_url(event))
    context = {
        "introduction": introduction,
        "case": case,
        "form": form,
        "action": request.path,
        "prefilled": bool(initial.get("device_name")),
    }
    return render(request, "governance/events/event_new.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def event_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Log an adverse event under an introduction; the device filled in when it has one."""
    introduction = visible_introduction(request, pk)
    initial: dict[str, Any] = {"occurred_on": timezone.localdate()}
    links = list(introduction.device_links.select_related("device")[:2])
    if len(links) == 1:
        initial.update(device_initial(links[0].device))
    return _record(request, introduction, initial=initial)


@require_http_methods(["GET", "POST"])
@refuses
def event_new_for_case(request: HttpRequest, pk: int) -> HttpResponse:
    """Log an adverse event of a case: the case's device and lot filled in."""
    case = visible_case(request, pk)
    initial: dict[str, Any] = {"occurred_on": timezone.localdate()}
    if case.device_id:
        initial.update(device_initial(case.device, case.device_lot))
    elif case.device_lot:
        initial["device_lot_number"] = case.device_lot
    return _record(request, case.introduction, case=case, initial=initial)


# --- the event page ------------------------------------------------------------------------


@dataclass(frozen=True)
class CardAction:
    label: str
    url: str
    hidden: str  # what the label means, for screen readers


def card_actions(event: AdverseEvent) -> list[CardAction]:
    """What a lead can do with the card from where it is (yellow_card_set allows the rest but
    nobody needs them: a card is reopened before it is decided again)."""
    status = event.yellow_card

    def action(label: str, name: str) -> CardAction:
        url = reverse(f"governance:{name}", args=[event.pk])
        return CardAction(label, url, f" of adverse event {event.pk}")

    actions = []
    if status in (YellowCard.DUE, YellowCard.NOT_REQUIRED, YellowCard.NOT_REPORTABLE):
        actions.append(action("Mark as submitted", "yellow_card_submitted"))
    if status == YellowCard.DUE:
        actions.append(action("Mark as not reportable", "yellow_card_not_reportable"))
    if status in (YellowCard.SUBMITTED, YellowCard.NOT_REPORTABLE):
        actions.append(action("Reopen", "yellow_card_reopen"))
    if status == YellowCard.NOT_REQUIRED:
        actions.append(action("Make a Yellow Card due", "yellow_card_reopen"))
    return actions


def event_history(event: AdverseEvent) -> tuple[list[display.HistoryEntry], bool]:
    """The event's history, newest first (one query), and whether there is more of it."""
    rows = list(
        event.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : HISTORY_LIMIT + 1
        ]
    )
    entries = display.history_entries(rows, event.history.model.tracked_fields)
    return entries[:HISTORY_LIMIT], len(rows) > HISTORY_LIMIT


@require_GET
@refuses
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = visible_event(request, pk)
    user = request.user
    today = timezone.localdate()
    can_set_card = may(user, "governance.set_yellow_card", event)
    history, more_history = [], False
    can_read_history = may(user, "governance.read_history", event)
    if can_read_history:
        history, more_history = event_history(event)
    context = {
        "event": event,
        "introduction": event.introduction,
        "harm": display.harm_tag(event.harm),
        "card": display.card_tag(event, today),
        "card_sentence": display.card_sentence(event, today),
        "overdue": event.is_overdue(today),
        "kept": display.kept_for_investigation(event),
        "can_change": may(user, "governance.record_event", event.introduction),
        "card_actions": card_actions(event) if can_set_card else [],
        "can_read_history": can_read_history,
        "history": history,
        "more_history": more_history,
    }
    return render(request, "governance/events/event_detail.html", context)


@require_http_methods(["GET", "POST"])
@refuses
def event_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the event's answers, with a reason; its card follows unless a lead decided it."""
    event = visible_event(request, pk)
    require("governance.record_event", request.user, event.introduction)
    form = EventChangeForm(request.POST or None, initial=event_initial(event))
    if request.method == "POST" and form.is_valid():
        try:
            event = services.adverse_event_update(
                event=event,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                **form.event_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Concurrency as error:
            form.add_error(None, error.message)
        else:
            _say_saved(request, event, "Adverse event changed")
            return redirect_to(request, _detail_url(event))
    context = {"event": event, "introduction": event.introduction, "form": form}
    return render(request, "governance/events/event_change.html", context)


# --- the Yellow Card: a lead's decisions -----------------------------------------------------

# (page heading, button, what the service is asked, the reason form's words or None)
CARD_PAGES: dict[str, dict[str, Any]] = {
    "submitted": {
        "title": "Mark the Yellow Card as submitted",
        "button": "Mark as submitted",
        "status": YellowCard.SUBMITTED,
    },
    "not_reportable": {
        "title": "Mark the Yellow Card as not reportable",
        "button": "Mark as not reportable",
        "status": YellowCard.NOT_REPORTABLE,
        "reason": {
            "label": "Why is the event not reportable to the MHRA?",
            "hint": "For example, the device was not a suspected cause: the dural tear happened "
            "before it was inserted. It is kept in the event's history.",
            "required": "Say why the event is not reportable",
        },
        "done": "The Yellow Card is marked as not reportable",
    },
    "reopen": {
        "title": "Reopen the Yellow Card",
        "button": "Reopen the Yellow Card",
        "status": YellowCard.DUE,
        "reason": {
            "label": "Why is the Yellow Card reopened?",
            "hint": "For example, the manufacturer's investigation found the device at fault. "
            "It is kept in the event's history.",
            "required": "Say why the Yellow Card is reopened",
        },
        "done": "The Yellow Card is due again",
    },
}


def _card_page(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    event = visible_event(request, pk)
    require("governance.set_yellow_card", request.user, event)
    page = CARD_PAGES[which]
    if which == "reopen" and event.yellow_card == YellowCard.NOT_REQUIRED:
        page = {**page, "title": "Make a Yellow Card due", "button": "Make a Yellow Card due"}
    data = request.POST or None
    if "reason" in page:
        form = ReasonForm(data, **page["reason"])
    else:
        form = SubmittedForm(
            data,
            initial={
                "reference": event.yellow_card_reference,
                "submitted_on": event.yellow_card_submitted_on or timezone.localdate(),
            },
        )
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.yellow_card_set(
                event=event,
                actor=request.user,
                status=page["status"],
                reference=data.get("reference", ""),
                submitted_on=data.get("submitted_on"),
                reason=data.get("reason", ""),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except (Concurrency, InvalidTransition) as error:
            conflict = error.message
        else:
            if page["status"] == YellowCard.SUBMITTED:
                reference = event.yellow_card_reference
                done = f"The Yellow Card is marked as submitted, reference {reference}"
            else:
                done = page["done"]
            if event.yellow_card == YellowCard.DUE:
                done += f": due by {display.day(event.yellow_card_due_by)}"
            messages.success(request, done)
            return redirect_to(request, _detail_url(event) + "#yellow-card")
    context = {
        "event": event,
        "introduction": event.introduction,
        "form": form,
        "page": page,
        "conflict": conflict,
        "card_sentence": display.card_sentence(event, timezone.localdate()),
    }
    return render(
        request, "governance/events/yellow_card_set.html", context, status=409 if conflict else 200
    )


@require_http_methods(["GET", "POST"])
@refuses
def yellow_card_submitted(request: HttpRequest, pk: int) -> HttpResponse:
    """A lead marks the card submitted to the MHRA, with its reference and date."""
    return _card_page(request, pk, "submitted")


@require_http_methods(["GET", "POST"])
@refuses
def yellow_card_not_reportable(request: HttpRequest, pk: int) -> HttpResponse:
    """A lead marks the card not reportable, with the reason."""
    return _card_page(request, pk, "not_reportable")


@require_http_methods(["GET", "POST"])
@refuses
def yellow_card_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """A lead reopens a decided card (or makes one due), with the reason."""
    return _card_page(request, pk, "reopen")


# --- the list of events ----------------------------------------------------------------------


def _caption(count: int, filtered: bool) -> str:
    events = f"{count} adverse event{'' if count == 1 else 's'}"
    if filtered:
        return f"{events} {'matches' if count == 1 else 'match'} these filters"
    return events


def _card_filter(card: str, today: date) -> Q:
    if card == "overdue":
        return Q(yellow_card=YellowCard.DUE, yellow_card_due_by__lt=today)
    return Q(yellow_card=card)


@require_GET
@refuses
def event_list(request: HttpRequest) -> HttpResponse:
    """The events of the user's organisations, newest first, filtered and paged by cursor."""
    require("governance.use", request.user)
    user = request.user
    today = timezone.localdate()
    introductions = list(
        Introduction.objects.visible_to(user)
        .filter(status__in=workflow.APPROVED_ONCE)
        .order_by("title", "pk")
        .values_list("pk", "title")
    )
    form = EventFilterForm(request.GET, introductions=introductions)
    filters = form.filters()
    events = visible_events(user)
    if "harm" in filters:
        events = events.filter(harm=filters["harm"])
    if "card" in filters:
        events = events.filter(_card_filter(filters["card"], today))
    if "introduction" in filters:
        events = events.filter(introduction_id=filters["introduction"])
    count = events.count()
    page = keyset_page(
        events.select_related("introduction", "case"),
        "detected_on",
        descending=True,
        after=_cursor(request.GET.get("after")),
        before=_cursor(request.GET.get("before")),
    )
    log_under = []  # where the user may log an event: the form of each introduction
    if roles.is_clinical(user):
        log_under = [
            (title, reverse("governance:event_new", args=[pk])) for pk, title in introductions
        ]
    keep = {name: request.GET.get(name, "") for name in ("harm", "card", "introduction")}
    keep = {name: value for name, value in keep.items() if name in filters}
    context = {
        "form": form,
        "rows": event_rows(page.rows, today),
        "caption": _caption(count, bool(filters)),
        "filtered": bool(filters),
        "previous_url": _page_url(request, keep, before=page.newer) if page.newer else None,
        "next_url": _page_url(request, keep, after=page.older) if page.older else None,
        "paged": bool(request.GET.get("after") or request.GET.get("before")),
        "first_url": _page_url(request, keep),
        "is_lead": roles.is_lead(user),
        "log_under": log_under,
    }
    return render(request, "governance/events/event_list.html", context)


# --- the Yellow Card queue -------------------------------------------------------------------

# The queue's tabs: (value of ?card=, label, order field, newest first?). Due cards come by their
# date, the earliest (the overdue) first; decided ones newest first.
QUEUE_TABS = [
    ("due", "Due", "yellow_card_due_by", False),
    ("overdue", "Overdue", "yellow_card_due_by", False),
    ("submitted", "Submitted", "yellow_card_submitted_on", True),
    ("not_reportable", "Not reportable", "detected_on", True),
]
QUEUE_CARDS = {value: label for value, label in CARD_FILTERS}


@require_GET
@refuses
def yellow_card_queue(request: HttpRequest) -> HttpResponse:
    """The Yellow Cards of the user's organisations by state, overdue first."""
    require("governance.use", request.user)
    user = request.user
    today = timezone.localdate()
    card = request.GET.get("card", "due")
    tab = next((t for t in QUEUE_TABS if t[0] == card), QUEUE_TABS[0])
    card, label, field, descending = tab
    events = visible_events(user)
    counts = events.aggregate(
        **{value: Count("pk", filter=_card_filter(value, today)) for value, *_ in QUEUE_TABS}
    )
    page = keyset_page(
        events.filter(_card_filter(card, today)).select_related("introduction", "case"),
        field,
        descending=descending,
        after=_cursor(request.GET.get("after")),
        before=_cursor(request.GET.get("before")),
    )
    keep = {"card": card} if card != "due" else {}
    tabs = [
        {
            "label": tab_label,
            "count": counts[value],
            "url": request.path + (f"?card={value}" if value != "due" else ""),
            "current": value == card,
        }
        for value, tab_label, *_ in QUEUE_TABS
    ]
    lead = roles.is_lead(user)
    rows = [
        (row, card_actions(row.event)[:1] if lead else []) for row in event_rows(page.rows, today)
    ]
    context = {
        "tabs": tabs,
        "card": card,
        "label": label,
        "count": counts[card],
        "rows": rows,
        "previous_url": _page_url(request, keep, before=page.newer) if page.newer else None,
        "next_url": _page_url(request, keep, after=page.older) if page.older else None,
        "paged": bool(request.GET.get("after") or request.GET.get("before")),
        "first_url": _page_url(request, keep),
    }
    return render(request, "governance/events/yellow_card_queue.html", context)


# --- the Yellow Card report ------------------------------------------------------------------


def _reported_event(request: HttpRequest, pk: int) -> AdverseEvent:
    """The event with what its report reads, if the user's organisations hold it; 404
    otherwise."""
    visible = Introduction.objects.visible_to(request.user)
    return get_object_or_404(
        AdverseEvent.objects.filter(introduction__in=visible).select_related(
            "introduction__organisation", "reporter", "case"
        ),
        pk=pk,
    )


def _report_context(event: AdverseEvent) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "event": event,
        "introduction": event.introduction,
        "sections": exports.yellow_card_report(event, today=today),
        "overdue": event.is_overdue(today),
        "today": today,
    }


@require_GET
@refuses
def yellow_card_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The Yellow Card-ready report: every answer of the MHRA device form in its order, to copy
    in or to print; the same as the API's and the PDF's."""
    event = _reported_event(request, pk)
    return render(request, "governance/events/yellow_card_report.html", _report_context(event))


@require_GET
@refuses
def yellow_card_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a PDF, numbered and dated on every page."""
    event = _reported_event(request, pk)
    pdf = render_pdf(
        "governance/events/yellow_card_report_pdf.html",
        _report_context(event),
        base_url=request.build_absolute_uri("/"),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="yellow-card-event-{event.pk}.pdf"'
    return response
