"""The list of events, the Yellow Card queue, the event page and the pages that show events
(introduction, case, home) run the same number of queries with 2 events as with 30."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.events import services

from .conftest import TODAY
from .pages import url

pytestmark = pytest.mark.django_db

HARMS = ["none", "low", "moderate", "severe", "fatal"]


def record_many(record, lead, case, first: int, last: int) -> None:
    """Events `first`..`last` days ago: every other with the device (most of those due, some
    overdue), every third on the case, every fifth card submitted, every seventh not reportable;
    each changed once, so that the history grows too."""
    for n in range(first, last):
        event = record(
            occurred_on=TODAY - timedelta(days=n),
            harm=HARMS[n % 5],
            category="device_failure" if n % 2 else "wound",
            device_involved=bool(n % 2),
            device_name="Dynamic stabilisation system" if n % 2 else "",
            might_have_led_to_serious=bool(n % 2),
            case=case if n % 3 == 0 else None,
        )
        services.adverse_event_update(
            event=event, actor=lead, reason=f"Checked {n}", action_taken=f"Reviewed {n}"
        )
        if event.yellow_card == "due" and n % 5 == 0:
            services.yellow_card_set(
                event=event, actor=lead, status="submitted", reference=f"R{n}", submitted_on=TODAY
            )
        elif event.yellow_card == "due" and n % 7 == 0:
            services.yellow_card_set(
                event=event, actor=lead, status="not_reportable", reason="Not the device."
            )


def queries(client, path: str) -> int:
    client.get(path)  # the session, the roles and the monitoring's cache, warmed
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["applicant", "lead"])
@pytest.mark.parametrize(
    "page",
    [
        "event_list",
        "event_list_filtered",
        "queue",
        "queue_submitted",
        "event_detail",
        "introduction",
        "case_detail",
        "home",
    ],
)
def test_the_queries_of_a_page_do_not_grow_with_the_events(
    client, request, record, lead, log_case, live, device, persona, page, django_assert_num_queries
):
    case = log_case(days_ago=60, device=device, device_lot="LOT-1")
    record_many(record, lead, case, 1, 3)
    watched = record(case=case, harm="severe", category="device_failure", device_involved=True)
    path = {
        "event_list": url("event_list"),
        "event_list_filtered": url("event_list") + f"?harm=severe&card=due&introduction={live.pk}",
        "queue": url("yellow_card_queue"),
        "queue_submitted": url("yellow_card_queue") + "?card=submitted",
        "event_detail": url("event_detail", watched.pk),
        "introduction": reverse("governance:introduction_detail", args=[live.pk]),
        "case_detail": url("case_detail", case.pk),
        "home": "/",
    }[page]
    client.force_login(request.getfixturevalue(persona))
    with_few = queries(client, path)

    record_many(record, lead, case, 3, 31)
    for n in range(5):  # the watched event's history grows too
        services.adverse_event_update(
            event=watched, actor=lead, reason=f"Again {n}", action_taken=f"Step {n}"
        )
    client.get(path)  # as for the few: the monitoring of the cases now, cached

    with django_assert_num_queries(with_few):
        assert client.get(path).status_code == 200


def test_the_event_page_of_a_lead_reads_the_history_in_one_query(
    client, lead, record, django_assert_max_num_queries
):
    event = record()
    client.force_login(lead)
    client.get(url("event_detail", event.pk))

    # the session, the user, the roles, the memberships, the event, its history
    with django_assert_max_num_queries(7):
        client.get(url("event_detail", event.pk))
