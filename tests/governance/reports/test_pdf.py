"""The committee report as a PDF (/introductions/{id}/report.pdf), made by WeasyPrint from the
page's templates: its text holds the title, the summary's CUSUM figures, the events and the
decisions; every page says which paper it is, when it was prepared and its number of the
whole; the contents give each section's page; and no NHS number is in it."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from governance.reports.content import SECTIONS

from .conftest import FINAL_S, NHS_NUMBER, TITLE, pdf_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdf(client, lead, committee):
    client.force_login(lead)
    response = client.get(pdf_url(committee.introduction))
    assert response.status_code == 200
    return response


def pages_of(response) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def test_it_is_a_pdf_named_after_the_paper(pdf, committee):
    assert pdf["Content-Type"] == "application/pdf"
    reference = f"IPG366-DEFAULT-{committee.introduction.pk}"
    assert pdf["Content-Disposition"] == f'inline; filename="committee-report-{reference}.pdf"'
    assert pdf.content.startswith(b"%PDF-")


def test_its_text_holds_the_title_the_cusum_figures_the_events_and_the_decisions(pdf, committee):
    text = "\n".join(pages_of(pdf))
    flat = re.sub(r"\s+", " ", text)

    assert TITLE in flat
    assert f"p0 = 0.1, p1 = 0.2, h = 1; latest S = {FINAL_S}" in flat
    assert "Yes: S reached h at case no. 2" in flat
    assert "0.693" in flat and "1.386" in flat and "1.269" in flat  # S after each case
    assert "CUSUM of failures" in flat and "VLAD" in flat  # the charts, drawn in the PDF
    for event in committee.events.values():
        assert f"Event {event.pk}" in flat
    assert "The cord pulled out of the upper screw head." in flat
    assert "Overdue" in flat and "reference 2026/004512" in flat
    assert "Approved at the committee of 4 March." in flat
    assert "Say who mentors the first cases." in flat


def test_every_page_is_numbered_and_dated_as_the_paper(pdf, committee):
    pages = pages_of(pdf)

    today = timezone.localdate()
    footer = (
        f"Paper IPG366-DEFAULT-{committee.introduction.pk}. "
        f"Paper prepared {today.day} {today:%B %Y}."
    )
    assert len(pages) > 1
    assert "Page 1 of" in pages[0]
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in page
        assert footer in page


def test_the_contents_give_the_page_each_section_starts_on(pdf):
    pages = pages_of(pdf)

    contents = pages[0]  # the sections start after it, on a page of their own
    for number, section in enumerate(SECTIONS, 1):
        heading = f"{number}. {section.title}"
        listed = re.search(rf"{re.escape(heading)}[ .]*(\d+)\n", contents)
        assert listed, heading
        page = int(listed.group(1))
        assert page > 1
        assert heading in [line.strip() for line in pages[page - 1].splitlines()], heading


def test_no_nhs_number_is_in_the_pdf(pdf):
    text = "\n".join(pages_of(pdf))

    assert NHS_NUMBER not in text and "5919" not in text


def test_the_file_name_keeps_to_safe_characters_whatever_the_guidance_reference(
    client, lead, make_introduction
):
    introduction = make_introduction("submitted", guidance__reference='IPG 9"9;x')
    client.force_login(lead)

    response = client.get(pdf_url(introduction))

    assert response["Content-Disposition"] == (
        f'inline; filename="committee-report-IPG-9-9-x-DEFAULT-{introduction.pk}.pdf"'
    )
