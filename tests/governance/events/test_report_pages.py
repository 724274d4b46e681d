"""The printable Yellow Card report and its PDF (/adverse-events/{id}/yellow-card/ and
.../yellow-card.pdf): the form's answers in its order for anyone of the event's organisation,
a 404 for anyone else, and a PDF whose text holds the device, its lot and the description,
numbered and dated on every page, without the NHS number."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from governance.events.serializers import LONG_TEXT

from .conftest import TODAY

pytestmark = pytest.mark.django_db

NHS_NUMBER = "9434765919"


@pytest.fixture
def event(record, log_case, device):
    case = log_case(days_ago=10, device=device, device_lot="LOT-42", nhs_number=NHS_NUMBER)
    return record(
        case=case,
        occurred_on=TODAY - timedelta(days=3),
        description="The cord pulled out of the upper screw head.\nRevision booked.",
        harm="severe",
        category="device_failure",
        device_involved=True,
        device_serial_number="SN-118204",
        device_available=True,
        device_kept_at="Theatre store",
        local_reference="W-24017",
    )


def page_url(event) -> str:
    return f"/adverse-events/{event.pk}/yellow-card/"


def pdf_url(event) -> str:
    return f"/adverse-events/{event.pk}/yellow-card.pdf"


def pdf_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_the_page_shows_each_section_in_the_forms_order_and_links_the_pdf(client, applicant, event):
    client.force_login(applicant)

    response = client.get(page_url(event))

    assert response.status_code == 200
    html = response.content.decode()
    headings = ["Reporter", "Device", "Incident", "Patient", "Yellow Card</h2>"]
    positions = [html.index(f'app-report__section">{heading}') for heading in headings]
    assert positions == sorted(positions)
    assert "LOT-42" in html and "SN-118204" in html and "Theatre store" in html
    assert "The cord pulled out of the upper screw head.<br>Revision booked." in html
    assert f'href="{pdf_url(event)}"' in html
    assert "yellow-card-print.css" in html and 'media="print"' in html
    assert NHS_NUMBER not in html and "5919" not in html


def test_the_pdf_holds_the_device_its_lot_and_the_description_on_numbered_dated_pages(
    client, applicant, event
):
    client.force_login(applicant)

    response = client.get(pdf_url(event))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="yellow-card-event-{event.pk}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    pages = pdf_text(response.content)
    text = "\n".join(pages)
    for expected in (
        "Dynamic stabilisation system",
        "DS-40",
        "SN-118204",
        "LOT-42",
        "The cord pulled out of the upper screw head.",
        "Theatre store",
        "W-24017",
    ):
        assert expected in text, expected
    today = timezone.localdate()
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in page
        assert f"Printed {today.day} {today:%B %Y}" in page
    assert NHS_NUMBER not in text


def test_the_longest_description_runs_over_pages_each_numbered_in_good_time(
    client, applicant, record
):
    # As long as the API takes (LONG_TEXT). A table cell that wraps `anywhere` took WeasyPrint
    # minutes to lay out at a fifth of this: the stylesheet wraps long words otherwise.
    text = " ".join(f"Line {n} of the account." for n in range(800))[:LONG_TEXT]
    long = record(description=text)
    client.force_login(applicant)

    started = time.monotonic()
    pages = pdf_text(client.get(pdf_url(long)).content)

    assert time.monotonic() - started < 30
    assert len(pages) > 1
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    assert "Line 799 of the account." in "".join(pages).replace("\n", " ")


def test_an_administrator_reads_the_report_too(client, admin_user, event):
    client.force_login(admin_user)

    assert client.get(page_url(event)).status_code == 200
    assert client.get(pdf_url(event)).status_code == 200


def test_another_organisation_gets_404(client, other_org_lead, event):
    client.force_login(other_org_lead)

    assert client.get(page_url(event)).status_code == 404
    assert client.get(pdf_url(event)).status_code == 404


def test_signed_out_the_report_asks_to_sign_in(client, event):
    for url in (page_url(event), pdf_url(event)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/sign-in/" in response["Location"]


def test_the_report_page_costs_the_same_among_2_or_30_events(client, applicant, event, record):
    def queries() -> int:
        client.force_login(get_user_model().objects.get(pk=applicant.pk))  # nothing cached
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(event)).status_code == 200
        return len(captured)

    record()
    few = queries()
    for _ in range(28):
        record()

    assert queries() == few
