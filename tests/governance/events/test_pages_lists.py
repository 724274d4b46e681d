"""The list of adverse events (filters, cursor) and the lead's Yellow Card queue (its tabs,
overdue first, its actions); another trust's events never appear."""

from __future__ import annotations

from datetime import timedelta

import pytest

from governance.events import services, views
from tests.factories import IntroductionFactory

from .conftest import TODAY
from .pages import rows, url

pytestmark = pytest.mark.django_db

DEVICE = {"category": "device_failure", "device_involved": True, "device_name": "DS"}


def days_ago(days: int) -> dict:
    return {"occurred_on": TODAY - timedelta(days=days)}


@pytest.fixture
def cards(record, lead):
    """One event in each Yellow Card state, found on different days."""
    made = {
        "overdue": record(harm="severe", **DEVICE, **days_ago(30)),
        "due": record(harm="severe", **DEVICE, **days_ago(1)),
        "due_later": record(harm="moderate", might_have_led_to_serious=True, **DEVICE),
        "submitted": record(harm="fatal", **DEVICE, **days_ago(5)),
        "not_reportable": record(harm="severe", **DEVICE, **days_ago(4)),
        "not_required": record(harm="low", **days_ago(2)),
    }
    services.yellow_card_set(
        event=made["submitted"], actor=lead, status="submitted", reference="R-1", submitted_on=TODAY
    )
    services.yellow_card_set(
        event=made["not_reportable"], actor=lead, status="not_reportable", reason="Not the device."
    )
    return made


# --- the list of events --------------------------------------------------------------------------


def test_the_list_shows_the_events_found_most_recently_first(client, applicant, cards):
    client.force_login(applicant)

    response = client.get(url("event_list"))

    by_found = sorted(cards.values(), key=lambda e: (e.detected_on, e.pk), reverse=True)
    assert rows(response.text) == [e.pk for e in by_found]
    assert "6 adverse events" in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"harm": "severe"}, ["due", "not_reportable", "overdue"]),
        ({"card": "due"}, ["due_later", "due", "overdue"]),
        ({"card": "overdue"}, ["overdue"]),
        ({"card": "submitted"}, ["submitted"]),
        ({"card": "not_reportable"}, ["not_reportable"]),
        ({"card": "not_required"}, ["not_required"]),
        ({"harm": "severe", "card": "overdue"}, ["overdue"]),
    ],
)
def test_the_list_filters_by_harm_and_yellow_card(client, applicant, cards, query, expected):
    client.force_login(applicant)

    response = client.get(url("event_list"), query)

    assert rows(response.text) == [cards[name].pk for name in expected]
    assert "match these filters" in response.text or "matches these filters" in response.text


def test_the_list_filters_by_introduction(client, applicant, record, live, ipg366):
    other = IntroductionFactory(status="approved", applicant=applicant, guidance__ruleset=ipg366)
    here = record()
    there = record(introduction=other)
    client.force_login(applicant)

    response = client.get(url("event_list"), {"introduction": other.pk})

    assert rows(response.text) == [there.pk]
    assert here.pk not in rows(response.text)
    assert f'<option value="{other.pk}" selected>' in response.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"harm": "catastrophic"}, "Choose a grade of harm from the list"),
        ({"card": "lost"}, "Choose a Yellow Card state from the list"),
        ({"introduction": "99999999999999999999999"}, "Choose an introduction from the list"),
        ({"introduction": "x\x00"}, "Choose an introduction from the list"),
    ],
)
def test_a_filter_that_is_not_one_is_named_and_filters_nothing(
    client, applicant, record, query, message
):
    event = record()
    client.force_login(applicant)

    response = client.get(url("event_list"), query)

    assert response.status_code == 200
    assert message in response.text
    assert rows(response.text) == [event.pk]


def test_the_list_offers_a_clinician_the_form_of_each_introduction(
    client, applicant, admin_user, live, ipg366
):
    client.force_login(applicant)
    only = client.get(url("event_list")).text
    assert f'href="{url("event_new", live.pk)}"' in only  # one introduction: the button
    other = IntroductionFactory(status="suspended", applicant=applicant, guidance__ruleset=ipg366)
    IntroductionFactory(status="draft", applicant=applicant, guidance__ruleset=ipg366)

    several = client.get(url("event_list")).text

    chooser = several.split('data-testid="log-under"')[1].split("</details>")[0]
    assert f'href="{url("event_new", live.pk)}"' in chooser
    assert f'href="{url("event_new", other.pk)}"' in chooser  # an event found after suspension
    assert chooser.count("<li>") == 2
    client.force_login(admin_user)
    assert "Log an adverse event" not in client.get(url("event_list")).text


def test_another_trusts_introduction_cannot_be_chosen_or_seen(client, other_org_lead, record, live):
    record()
    client.force_login(other_org_lead)

    response = client.get(url("event_list"), {"introduction": live.pk})

    assert rows(response.text) == []
    assert "Choose an introduction from the list" in response.text
    assert rows(client.get(url("event_list")).text) == []
    assert rows(client.get(url("yellow_card_queue")).text) == []


def test_the_list_pages_by_cursor_both_ways(client, applicant, record, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    events = [record(**days_ago(days)) for days in (1, 2, 2, 3, 4)]  # two found on one day
    newest_first = sorted(events, key=lambda e: (e.detected_on, e.pk), reverse=True)
    client.force_login(applicant)

    first = client.get(url("event_list"), {"harm": "low"})
    second = client.get(first.context["next_url"])
    third = client.get(second.context["next_url"])
    back = client.get(third.context["previous_url"])

    assert rows(first.text) == [e.pk for e in newest_first[:2]]
    assert "harm=low" in first.context["next_url"]
    assert rows(second.text) == [e.pk for e in newest_first[2:4]]
    assert rows(third.text) == [newest_first[4].pk]
    assert third.context["next_url"] is None
    assert rows(back.text) == rows(second.text)
    assert rows(client.get(back.context["previous_url"]).text) == rows(first.text)


@pytest.mark.parametrize(
    "cursor", ["nonsense", "2026-13-40.1", "2026-01-01.9" + "9" * 30, "0001-01-01.-4"]
)
def test_a_cursor_that_is_not_one_shows_the_first_page(client, applicant, record, cursor):
    event = record()
    client.force_login(applicant)

    for name in ("event_list", "yellow_card_queue"):
        response = client.get(url(name), {"after": cursor, "before": cursor})
        assert response.status_code == 200
    assert rows(client.get(url("event_list"), {"after": cursor}).text) == [event.pk]


# --- the Yellow Card queue -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        (None, ["overdue", "due", "due_later"]),
        ("overdue", ["overdue"]),
        ("submitted", ["submitted"]),
        ("not_reportable", ["not_reportable"]),
        ("nonsense", ["overdue", "due", "due_later"]),
    ],
)
def test_the_queue_shows_each_state_the_overdue_first(client, lead, cards, card, expected):
    client.force_login(lead)

    response = client.get(url("yellow_card_queue"), {"card": card} if card else {})

    assert rows(response.text) == [cards[name].pk for name in expected]
    html = response.text
    for label, count in [("Due", 3), ("Overdue", 1), ("Submitted", 1), ("Not reportable", 1)]:
        assert f"{label} ({count})" in html
    assert html.count('aria-current="page"') >= 1


def test_the_queue_offers_a_lead_the_next_action_of_each_card(client, lead, cards):
    client.force_login(lead)

    due = client.get(url("yellow_card_queue")).text
    submitted = client.get(url("yellow_card_queue"), {"card": "submitted"}).text

    assert f'href="{url("yellow_card_submitted", cards["overdue"].pk)}"' in due
    assert f'href="{url("yellow_card_reopen", cards["submitted"].pk)}"' in submitted
    assert "Ref R-1" in submitted


def test_a_clinician_reads_the_queue_without_actions(client, applicant, cards):
    client.force_login(applicant)

    response = client.get(url("yellow_card_queue"))

    assert rows(response.text) == [cards[n].pk for n in ("overdue", "due", "due_later")]
    assert "Mark as submitted" not in response.text


def test_the_queue_pages_by_cursor_in_due_date_order(client, lead, record, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    events = [record(harm="severe", **DEVICE, **days_ago(days)) for days in (9, 1, 5, 5, 3)]
    by_due = sorted(events, key=lambda e: (e.yellow_card_due_by, e.pk))
    client.force_login(lead)

    first = client.get(url("yellow_card_queue"))
    second = client.get(first.context["next_url"])
    third = client.get(second.context["next_url"])
    back = client.get(third.context["previous_url"])

    assert rows(first.text) == [e.pk for e in by_due[:2]]
    assert rows(second.text) == [e.pk for e in by_due[2:4]]
    assert rows(third.text) == [by_due[4].pk]
    assert rows(back.text) == rows(second.text)
