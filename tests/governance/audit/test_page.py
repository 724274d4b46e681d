"""The audit history page: readable before/after, filters, cursor pages and the CSV export.

It reads governance/audit.py (tested on its own in test_audit_history.py); these tests are
about the page: who may see it, what it shows, and that it stays fast and read-only.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.introductions import services
from tests.factories import GuidanceFactory

pytestmark = pytest.mark.django_db

URL = reverse("governance:audit_history")
CSV_URL = reverse("governance:audit_history_csv")


def start(applicant, organisation, title: str = "Dynamic stabilisation"):
    return services.introduction_create(
        actor=applicant,
        organisation=organisation,
        guidance=GuidanceFactory(),
        title=title,
        department="Orthopaedics",
    )


@pytest.fixture
def story(applicant, lead, organisation):
    """An application started, its department corrected, submitted and under review."""
    introduction = start(applicant, organisation)
    services.introduction_update(
        introduction=introduction,
        actor=applicant,
        reason="Wrong department",
        department="Spinal surgery",
    )
    for action, actor in [("submit", applicant), ("start_review", lead)]:
        services.introduction_transition(introduction=introduction, action=action, actor=actor)
    return introduction


def rows(html: str) -> list[str]:
    table = html.split('data-testid="history"')[1].split("<tbody")[1].split("</tbody>")[0]
    return table.split('<tr class="nhsuk-table__row" role="row">')[1:]


def test_a_clinician_is_refused_the_audit_history(client, applicant, story):
    client.force_login(applicant)

    page = client.get(URL)
    export = client.get(CSV_URL)

    assert page.status_code == 403
    assert "Only governance leads and administrators" in page.text
    assert export.status_code == 403


def test_a_lead_sees_each_change_as_a_readable_before_and_after(client, lead, story):
    client.force_login(lead)

    response = client.get(URL)

    assert response.status_code == 200
    entries = rows(response.text)
    assert len(entries) == 4 + 2  # and, before the story, the applicant and lead joining
    newest, _submitted, edited, created, *joined = entries
    assert all("Member added</strong>: Joined the only organisation" in row for row in joined)
    assert "Changed</strong>: Start review" in newest
    assert '<span class="app-history__label">Status:</span>' in newest
    assert '<del class="app-changes__old">Submitted</del>' in newest
    assert '<ins class="app-changes__new">Under review</ins>' in newest
    assert "Wrong department" in edited
    assert '<del class="app-changes__old">Orthopaedics</del>' in edited
    assert '<ins class="app-changes__new">Spinal surgery</ins>' in edited
    assert "Created</strong>: Application started" in created
    assert '<dt class="nhsuk-summary-list__key">Title</dt>' in created


def test_an_administrator_reads_the_audit_history(client, admin_user, story):
    client.force_login(admin_user)

    response = client.get(URL)

    assert response.status_code == 200
    assert len(rows(response.text)) == 4 + 3  # and the three personas joining


def test_the_history_is_filtered_by_who_made_the_change(client, lead, story):
    client.force_login(lead)

    response = client.get(URL, {"user": "lead"})

    entries = rows(response.text)
    assert len(entries) == 1
    assert "Start review" in entries[0]


def test_the_history_is_filtered_by_record_type_and_introduction(
    client, lead, applicant, organisation, story
):
    start(applicant, organisation, title="Another procedure")
    client.force_login(lead)

    everything = client.get(URL, {"model": "introduction"})
    one = client.get(URL, {"model": "introduction", "introduction": story.pk})

    assert len(rows(everything.text)) == 5
    assert len(rows(one.text)) == 4
    assert "Another procedure" not in one.text.split('data-testid="history"')[1]


def test_the_history_is_filtered_by_dates(client, lead, story):
    today = timezone.localdate()
    client.force_login(lead)

    today_only = client.get(
        URL,
        {
            "since_day": today.day,
            "since_month": today.month,
            "since_year": today.year,
            "until_day": today.day,
            "until_month": today.month,
            "until_year": today.year,
        },
    )
    before = client.get(URL, {"until_day": 1, "until_month": 1, "until_year": 2000})

    assert len(rows(today_only.text)) == 4 + 2  # and the applicant and lead joining
    assert 'data-testid="no-history"' in before.text


def test_a_bad_date_is_reported_on_its_field(client, lead, story):
    client.force_login(lead)

    response = client.get(URL, {"since_day": "31", "since_month": "2", "since_year": "2026"})

    assert '<a href="#id_since">From must be a real date</a>' in response.text
    assert 'data-testid="history"' not in response.text


def test_a_date_range_that_ends_before_it_starts_is_refused(client, lead, story):
    client.force_login(lead)

    response = client.get(
        URL,
        {
            "since_day": "2",
            "since_month": "1",
            "since_year": "2026",
            "until_day": "1",
            "until_month": "1",
            "until_year": "2026",
        },
    )

    assert '<a href="#id_until">To must be the same as or after From</a>' in response.text


def link(html: str, rel: str) -> str | None:
    marker = f'rel="{rel}"'
    if marker not in html:
        return None
    anchor = html.split(marker)[0].rsplit("<a ", 1)[1]
    return anchor.split('href="')[1].split('"')[0].replace("&amp;", "&")


def test_older_and_newer_walk_the_history_with_a_cursor(client, lead, story, monkeypatch):
    monkeypatch.setattr("governance.audit.views.HISTORY_PAGE_SIZE", 2)
    client.force_login(lead)

    first = client.get(URL, {"model": "introduction"})
    second = client.get(link(first.text, "next"))
    back = client.get(link(second.text, "prev"))

    assert link(first.text, "prev") is None
    assert "Start review" in rows(first.text)[0]
    assert "Wrong department" in rows(second.text)[0]
    assert link(second.text, "next") is None
    assert parse_qs(urlsplit(link(first.text, "next")).query)["model"] == ["introduction"]
    assert rows(back.text) == rows(first.text)


def test_a_cursor_that_does_not_decode_is_explained(client, lead, story):
    client.force_login(lead)

    response = client.get(URL, {"cursor": "not-a-cursor"})

    assert response.status_code == 200
    assert "This page of the history no longer exists" in response.text


def test_the_csv_export_streams_the_filtered_history(client, lead, story):
    client.force_login(lead)

    response = client.get(CSV_URL, {"user": "applicant"})

    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    assert 'attachment; filename="audit-history-all-' in response["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {line["user"] for line in lines} == {"applicant"}
    assert {"field": "department", "old": "Orthopaedics", "new": "Spinal surgery"}.items() <= (
        next(line for line in lines if line["reason"] == "Wrong department").items()
    )


def test_the_page_links_the_csv_export_with_the_same_filters(client, lead, story):
    client.force_login(lead)

    response = client.get(URL, {"user": "lead", "model": "introduction"})

    assert f'href="{CSV_URL}?user=lead&amp;model=introduction"' in response.text


def test_another_organisations_changes_are_not_shown(client, other_org_lead, story):
    client.force_login(other_org_lead)

    response = client.get(URL)
    by_id = client.get(URL, {"introduction": story.pk})

    assert 'data-testid="no-history"' in response.text
    assert "Dynamic stabilisation" not in response.text
    assert "Select a valid choice" in by_id.text


def test_the_history_cannot_be_changed_through_the_page(client, lead, story):
    client.force_login(lead)

    assert client.post(URL, {}).status_code == 405
    assert client.post(CSV_URL, {}).status_code == 405
    assert story.history.count() == 4


def test_the_audit_pages_queries_do_not_grow_with_the_rows(
    client, lead, applicant, organisation, django_assert_max_num_queries
):
    def write_rows(count: int) -> None:
        for n in range(count):
            introduction = start(applicant, organisation, title=f"Procedure {n}")
            services.introduction_update(
                introduction=introduction, actor=applicant, department="Spinal surgery"
            )

    write_rows(1)
    client.force_login(lead)
    client.get(URL)
    with CaptureQueriesContext(connection) as one_row:
        client.get(URL)
    write_rows(9)

    with django_assert_max_num_queries(len(one_row)):
        response = client.get(URL)

    assert len(rows(response.text)) == 20 + 2  # and the applicant and lead joining
