"""The committee report page (/introductions/{id}/report/) as a lead reads it: numbered as a
committee paper, its summary box, every section in order with the CUSUM figures, the events
with their Yellow Card, the decisions with their reasons and dates, and no NHS number."""

from __future__ import annotations

import base64
import html
import re

import pytest
from django.utils import timezone

from governance.reports.content import SECTIONS

from .conftest import FINAL_S, NHS_NUMBER, TITLE, report_url

pytestmark = pytest.mark.django_db


def read(client, user, introduction) -> str:
    client.force_login(user)
    response = client.get(report_url(introduction))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


DASH = "\N{EN DASH}"  # a score not recorded


def _words(fragment: str) -> str:
    """Text as it reads on the screen: without what only screen readers hear; inline tags
    join their words, the others part them."""
    text = re.sub(r'<span class="nhsuk-u-visually-hidden">[^<]*</span>', "", fragment)
    text = re.sub(r"</?(?:strong|a|em|b|time)\b[^>]*>", "", text)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()


def element(page: str, testid: str) -> str:
    """The HTML of the element with that data-testid, from its opening tag to its closing one."""
    start = page.rindex("<", 0, page.index(f'data-testid="{testid}"'))
    tag = re.match(r"<(\w+)", page[start:]).group(1)
    depth, position = 0, start
    for match in re.finditer(rf"<(/?){tag}\b", page[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            position = start + match.end()
            break
    return page[start : page.index(">", position) + 1]


def text_of(page: str, testid: str) -> str:
    """The words of the element with that data-testid, as a person reads them."""
    return _words(element(page, testid))


def rows_of(page: str, testid: str) -> list[str]:
    """The words of each body row of the table with that data-testid."""
    body = element(page, testid).split("<tbody", 1)[1]
    return [_words(row) for row in re.findall(r"<tr\b.*?</tr>", body, re.S)]


def test_it_is_dated_and_numbered_as_a_committee_paper(client, lead, committee):
    page = read(client, lead, committee.introduction)

    today = timezone.localdate()
    reference = f"IPG366-DEFAULT-{committee.introduction.pk}"
    assert f"Paper {reference}. Paper prepared {today.day} {today:%B %Y}." in page
    assert f"<title>Committee report: {TITLE}" in page
    assert "Committee report: Default organisation" in page


def test_the_sections_come_in_order_each_listed_in_the_contents(client, lead, committee):
    page = read(client, lead, committee.introduction)

    headings = [
        page.index(f'id="{section.anchor}">{number}. {section.title}</h2>')
        for number, section in enumerate(SECTIONS, 1)
    ]
    assert headings == sorted(headings)
    contents = page[page.index('data-testid="report-contents"') : headings[0]]
    for number, section in enumerate(SECTIONS, 1):
        assert f'href="#{section.anchor}">{number}. {section.title}</a>' in contents
    assert page.index('data-testid="report-summary"') < headings[0]


def test_the_summary_box_says_where_the_introduction_stands(client, lead, committee):
    page = read(client, lead, committee.introduction)

    today = timezone.localdate()
    assert "Approved" in text_of(page, "summary-status")
    assert f"{today.day} {today:%B %Y}" in page[page.index("Approved on") :][:200]
    assert text_of(page, "summary-conditions") == "1 met, 1 not met"
    assert text_of(page, "summary-cases") == "3 cases, 2 failures (67%)"
    cusum = text_of(page, "summary-cusum")
    assert cusum.startswith("Yes: S reached h at case no. 2")
    assert f"p0 = 0.1, p1 = 0.2, h = 1; latest S = {FINAL_S}" in cusum
    assert text_of(page, "summary-reviews") == "0 due, 0 overdue; 2 more scheduled"
    assert text_of(page, "summary-cards") == "1 open, 1 overdue"


def test_the_monitoring_section_holds_both_charts_with_their_figures(client, lead, committee):
    page = read(client, lead, committee.introduction)

    section = page[page.index('id="monitoring"') : page.index('id="cases"')]
    charts = [
        base64.b64decode(data).decode()
        for data in re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', section)
    ]
    assert len(charts) == 2  # drawn into the page itself: nothing to fetch, in print too
    assert "CUSUM of failures" in charts[0] and "h = 1" in charts[0]
    assert ">VLAD<" in charts[1]
    assert "threshold h = 1" in section
    assert f"S = {FINAL_S} after the latest case" in section
    assert text_of(page, "report-signal") == "Signal: S reached h at case no. 2."


def test_each_case_is_listed_by_its_number_and_reference_with_its_failure_and_s(
    client, lead, committee
):
    page = read(client, lead, committee.introduction)

    first, second, third = rows_of(page, "report-cases-table")
    operator = committee.cases[0].operator.get_full_name()
    pks = [case.pk for case in committee.cases]
    assert first.startswith(f"1 Case {pks[0]} Ref. H-2041 ")
    assert first.endswith(
        f"{operator} Mentor: Mr Okafor Valid Failure: Device failure 48 to 22 (6 weeks) 0.693"
    )
    event = committee.events["severe"].pk
    assert second.startswith(f"2 Case {pks[1]} Ref. H-2077 ")
    assert second.endswith(
        f"Failure: Adverse event {event}: severe harm, device failure None recorded 1.386"
    )
    assert third.startswith(f"3 Case {pks[2]} Ref. H-2102 ")
    assert third.endswith(f"{operator} Valid No None recorded 1.269")
    outcomes = rows_of(page, "report-outcomes-table")
    assert outcomes[:3] == [
        f"Baseline 1 48.0 7.0 6.0 {DASH}",
        f"6 weeks 1 22.0 3.0 {DASH} {DASH}",
        f"3 months 0 {DASH} {DASH} {DASH} {DASH}",
    ]


def test_events_show_their_harm_and_yellow_card_status(client, lead, committee):
    page = read(client, lead, committee.introduction)

    severe = text_of(page, f"report-event-{committee.events['severe'].pk}")
    assert "Device failure Severe harm" in severe
    assert "The cord pulled out of the upper screw head." in severe
    assert "Overdue A Yellow Card report to the MHRA is overdue" in severe
    submitted = text_of(page, f"report-event-{committee.events['submitted'].pk}")
    assert "Submitted" in submitted and "reference 2026/004512" in submitted
    wound = text_of(page, f"report-event-{committee.events['wound'].pk}")
    assert "Not required No Yellow Card is needed: no device was involved." in wound


def test_conditions_show_what_is_met_and_with_what_evidence(client, lead, committee):
    page = read(client, lead, committee.introduction)

    met, not_met = rows_of(page, "report-conditions-table")
    assert met.startswith("1 A mentor attends the first 2 cases Met ")
    assert met.endswith(f"{lead.get_full_name()} Mentor's attendance log signed.")
    assert not_met == "2 Outcomes reported at 12 months Not met None yet"
    assert "Review after the first 3 cases" in text_of(page, "report-reviews-table")


def test_the_decisions_are_numbered_with_who_when_and_why(client, lead, applicant, committee):
    page = read(client, lead, committee.introduction)

    rows = rows_of(page, "report-decisions-table")
    lead_name, applicant_name = lead.get_full_name(), applicant.get_full_name()
    day = r"\d{1,2} \w{3} \d{4}, \d\d:\d\d"
    expected = [
        f"Start review Submitted to Under review {lead_name} None given",
        f"Request changes Under review to Changes requested {lead_name} "
        "Say who mentors the first cases.",
        f"Resubmit Changes requested to Submitted {applicant_name} "
        "Mr Okafor from the regional centre mentors them.",
        f"Start review Submitted to Under review {lead_name} None given",
        f"Approve Under review to Approved {lead_name} Approved at the committee of 4 March.",
    ]
    assert len(rows) == len(expected)
    for number, (row, words) in enumerate(zip(rows, expected, strict=True), 1):
        assert re.fullmatch(rf"{number} {day} {re.escape(words)}", row), row
    latest = text_of(page, "latest-decision")
    assert latest.startswith(f"Latest decision: Approve, by {lead_name} on")
    assert "Reason: Approved at the committee of 4 March." in latest


def test_the_assessments_are_there_with_their_sign_off(client, lead, committee):
    page = read(client, lead, committee.introduction)

    section = page[page.index('id="assessments"') : page.index('id="conditions"')]
    assert section.count(f"Signed off by {lead.get_full_name()}") == 2
    assert "Protected characteristics" in section
    assert "Reusable instrument trays; video follow-up." in section


def test_no_nhs_number_is_anywhere_in_the_paper(client, lead, committee):
    page = read(client, lead, committee.introduction)

    assert NHS_NUMBER not in page
    assert "943 476 5919" not in page and "5919" not in page


def test_an_application_not_yet_decided_has_a_paper_that_says_so(client, lead, make_introduction):
    draft = make_introduction("submitted", cusum_p0=None)

    page = read(client, lead, draft)

    assert text_of(page, "summary-status") == "Submitted"
    assert "Not approved" in page
    assert "No monitoring plan" in text_of(page, "summary-cusum")
    assert "No decision has been made on the application yet." in page
    assert "No case has been logged." in page
    assert "No adverse event has been recorded." in page
    assert "No decision has been made yet." in page
    assert "Nobody has started it yet." in page  # the assessments


def test_the_introduction_and_monitoring_pages_link_the_report_and_its_pdf(
    client, applicant, committee
):
    client.force_login(applicant)
    pk = committee.introduction.pk

    for url in (f"/introductions/{pk}/", f"/introductions/{pk}/monitoring/"):
        page = client.get(url).content.decode()
        links = page[page.index('data-testid="report-links"') :][:1200]
        assert f'href="{report_url(committee.introduction)}"' in links, url
        assert f'href="/introductions/{pk}/report.pdf"' in links, url
