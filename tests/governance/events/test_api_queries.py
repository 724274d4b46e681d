"""The adverse events API costs the same queries for 2 events as for 30: the list (filtered
too), an event, its Yellow Card report and its FHIR resource (events on cases and on none,
with and without a device, cards in every state: everything a representation reads)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.events import services

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def grow(live, lead, applicant, device, log_case, record) -> Callable[[int], None]:
    """`grow(n)`: n more events, a mix of everything an event shows."""
    cases = [log_case(days_ago=60 + i, device=device, device_lot=f"LOT-{i}") for i in range(3)]

    def more(n: int) -> None:
        for i in range(n):
            day = TODAY - timedelta(days=i % 25)
            event = record(
                actor=lead if i % 4 == 0 else applicant,
                case=cases[i % 3] if i % 2 else None,
                occurred_on=day,
                detected_on=day,
                harm=("none", "low", "moderate", "severe", "fatal")[i % 5],
                device_involved=i % 3 != 0,
                device_name="" if i % 2 else "System",
                might_have_led_to_serious=i % 7 == 0,
            )
            if i % 6 == 1 and event.yellow_card == "due":
                services.yellow_card_set(
                    event=event, actor=lead, status="submitted", reference="YC", submitted_on=TODAY
                )

    return more


@pytest.fixture
def fresh_client(api_as, applicant) -> Callable[[], object]:
    """A client as the applicant, read afresh, so that nothing cached on the user from an
    earlier request hides a query."""

    def client():
        return api_as(get_user_model().objects.get(pk=applicant.pk))

    return client


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(captured)


@pytest.mark.parametrize(
    "url", ["/api/v1/adverse-events/", "/api/v1/adverse-events/?yellow_card=due&harm=severe"]
)
def test_the_event_list_costs_the_same_for_2_or_30_events(
    grow, fresh_client, django_assert_num_queries, url
):
    grow(2)
    few = queries(fresh_client(), url)
    grow(28)

    client = fresh_client()
    with django_assert_num_queries(few):
        response = client.get(url)

    assert len(response.json()["results"]) >= (30 if "?" not in url else 1)
    assert few <= 4


@pytest.mark.parametrize("tail", ["", "yellow-card/", "fhir/"])
def test_an_event_costs_the_same_among_2_or_30_events(
    grow, live, fresh_client, django_assert_num_queries, tail
):
    grow(2)
    url = f"/api/v1/adverse-events/{live.adverse_events.order_by('id').last().pk}/{tail}"
    few = queries(fresh_client(), url)
    grow(28)

    client = fresh_client()
    with django_assert_num_queries(few):
        client.get(url)

    assert few <= 4
