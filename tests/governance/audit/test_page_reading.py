"""The audit page as a person reads it: a line per changed field, under the field's label, the
record named by what people know (the introduction's title), one date format, and the whole
record folded away until asked for; at the same number of queries for few or many entries."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.introductions import services
from governance.introductions.models import Introduction
from tests.factories import GuidanceFactory

pytestmark = pytest.mark.django_db

URL = reverse("governance:audit_history")
MONTHS = [date(2026, month, 1).strftime("%B") for month in range(1, 13)]


def text(fragment: str) -> str:
    """The words of some HTML as a person reads them (tags gone, entities decoded)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def rows(page: str) -> list[str]:
    table = page.split('data-testid="history"')[1].split("<tbody")[1].split("</tbody>")[0]
    return table.split('<tr class="nhsuk-table__row" role="row">')[1:]


def cells(row: str) -> dict[str, str]:
    """When, Who, Record and Change of one row, as read (without the full record)."""
    found = {}
    for cell in row.split("<td")[1:]:
        heading = text(cell.split('aria-hidden="true">')[1].split("</span>")[0])
        body = cell.split("</span>", 1)[1].split("<details")[0]
        found[heading] = text(body)
    return found


def changed_fields(row: str) -> list[str]:
    if 'data-testid="changed-fields"' not in row:
        return []
    listed = row.split('data-testid="changed-fields"')[1].split("</ul>")[0]
    return [text(item) for item in listed.split("<li>")[1:]]


def full_record(row: str) -> dict[str, str]:
    """The record folded in the row's details: label -> value."""
    if 'data-testid="full-record"' not in row:
        return {}
    folded = row.split('data-testid="full-record"')[1].split("</details>")[0]
    keys = re.findall(r'<dt class="nhsuk-summary-list__key">(.*?)</dt>', folded, re.S)
    values = re.findall(r'<dd class="nhsuk-summary-list__value">(.*?)</dd>', folded, re.S)
    return {text(k): text(v) for k, v in zip(keys, values, strict=True)}


def nhs_style(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} at {local:%H:%M}"


@pytest.fixture
def introduction(applicant, organisation):
    """An application started, then its department and monitoring plan changed."""
    started = services.introduction_create(
        actor=applicant,
        organisation=organisation,
        guidance=GuidanceFactory(),
        title="Dynamic stabilisation",
        department="Orthopaedics",
    )
    return services.introduction_update(
        introduction=started,
        actor=applicant,
        reason="Monitoring plan agreed",
        department="Spinal surgery",
        cusum_p0=0.1,
    )


def test_a_change_is_one_line_per_changed_field_and_nothing_else(client, lead, introduction):
    client.force_login(lead)

    changed, created, *_joined = rows(client.get(URL).text)

    assert changed_fields(changed) == [
        "Department: changed from Orthopaedics → to Spinal surgery",
        "Acceptable failure rate (CUSUM p0): changed from (empty) → to 0.1",
    ]
    assert cells(changed)["Change"].startswith("Changed: Monitoring plan agreed")
    assert "Title" not in cells(changed)["Change"]
    assert changed_fields(created) == []  # a creation is not a list of every field
    assert cells(created)["Change"] == "Created: Application started"


def test_the_whole_record_is_there_on_demand(client, lead, applicant, introduction):
    client.force_login(lead)

    changed, created, *_joined = rows(client.get(URL).text)

    assert "<summary" in created and "The record as created" in created
    as_created = full_record(created)
    assert as_created["Title"] == "Dynamic stabilisation"
    assert as_created["Department"] == "Orthopaedics"
    assert as_created["Status"] == "Draft"
    assert as_created["Acceptable failure rate (CUSUM p0)"] == "Not given"
    after = full_record(changed)
    assert after["Department"] == "Spinal surgery"
    assert after["Acceptable failure rate (CUSUM p0)"] == "0.1"
    assert after["Applicant"] == applicant.get_full_name()  # named, not an id


def test_fields_are_labelled_in_words_not_column_names(client, lead, introduction):
    client.force_login(lead)

    page = client.get(URL).text

    history = page.split('data-testid="history"')[1]
    assert "cusum_p0" not in history
    assert "Cusum p0" not in text(history)
    assert "CUSUM p0:" not in text(history)
    assert "Alarm threshold (CUSUM h)" in text(history)  # in the full record


def test_the_record_is_named_by_the_introductions_title(client, lead, introduction):
    client.force_login(lead)

    changed, created, *_joined = rows(client.get(URL).text)

    assert cells(changed)["Record"] == "Dynamic stabilisation"
    assert cells(created)["Record"] == "Dynamic stabilisation"
    # A draft is its applicant's own: the lead reads its history but is not sent to its page.
    detail = reverse("governance:introduction_detail", args=[introduction.pk])
    assert f'href="{detail}"' not in changed
    services.introduction_transition(
        introduction=introduction, action="submit", actor=introduction.applicant
    )
    submitted, *_ = rows(client.get(URL).text)
    assert f'href="{detail}"' in submitted


def test_cases_and_events_are_named_with_their_introduction(
    client,
    lead,
    live,
    log_case,
    record,
):
    case = log_case()
    event = record(case=case)
    client.force_login(lead)

    cases = rows(client.get(URL, {"model": "case"}).text)
    events = rows(client.get(URL, {"model": "adverseevent"}).text)

    assert cells(cases[0])["Record"] == f"Case {case.pk} of {live.title}"
    assert f'href="{reverse("governance:case_detail", args=[case.pk])}"' in cases[0]
    assert cells(events[0])["Record"] == f"Adverse event {event.pk} ({live.title})"
    assert f'href="{reverse("governance:event_detail", args=[event.pk])}"' in events[0]
    assert full_record(events[0])["Case"].startswith(f"Case {case.pk} on ")


def test_a_changed_case_and_event_are_named_by_their_own_number_not_their_history_rows(
    client, lead, applicant, live, log_case, record
):
    from governance.cases.services import case_update
    from governance.events.services import adverse_event_update

    case = log_case()
    event = record(case=case)
    case_update(case=case, actor=applicant, reason="Lot corrected", device_lot="L-2")
    adverse_event_update(event=event, actor=applicant, reason="Worded", description="Wound ooze.")
    client.force_login(lead)

    cases = rows(client.get(URL, {"model": "case"}).text)
    events = rows(client.get(URL, {"model": "adverseevent"}).text)

    assert {cells(row)["Record"] for row in cases} == {f"Case {case.pk} of {live.title}"}
    assert {cells(row)["Record"] for row in events} == {f"Adverse event {event.pk} ({live.title})"}


def test_every_moment_on_the_page_reads_the_nhs_way(client, lead, introduction):
    client.force_login(lead)

    page = client.get(URL).text

    moments = [h.history_date for h in Introduction.history.order_by("-history_date")]
    changed, created, *_ = rows(page)
    assert cells(changed)["When"] == nhs_style(moments[0])
    assert cells(created)["When"] == nhs_style(moments[1])
    history = text(page.split('data-testid="history"')[1])
    other_formats = r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}|\b\d{1,2} [A-Z][a-z]{2} \d{4}"
    assert not re.search(other_formats, history)


def test_the_page_costs_the_same_queries_for_a_few_or_many_cases_and_events(
    client,
    lead,
    live,
    log_case,
    record,
    django_assert_max_num_queries,
):
    record(case=log_case())
    client.force_login(lead)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        before = client.get(URL)
    for days_ago in range(1, 12):
        record(case=log_case(days_ago=days_ago), harm="moderate")

    with django_assert_max_num_queries(len(few)):
        response = client.get(URL)

    assert len(rows(response.text)) == len(rows(before.text)) + 11 * 2  # a case, an event
