"""Finding 4: page forms answered 500 to numbers too large (`planned_start_day=10**20`,
`devices=10**20`), took 2,000,000 characters where the API caps at 20,000, and took the year
0001 as a planned start. Each page must answer 200 with an error naming the field, and lose
nothing already saved.
"""

from __future__ import annotations

from datetime import date

import pytest

from config.limits import LONG_TEXT
from tests.factories import DeviceFactory, IntroductionFactory, signed_off_assessments
from tests.governance.cases.conftest import device, live  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

HUGE = "9" * 20  # 99999999999999999999: past any 64-bit integer
NOVEL = "x" * 2_000_000


def day_month_year(name: str, day: str = "1", month: str = "1", year: str = "0001") -> dict:
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


def assert_refused(response, field: str, message: str) -> None:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert "There is a problem" in html
    assert f'href="#id_{field}' in html, f"no error linked to {field}"
    assert message in html, message


@pytest.fixture
def draft(applicant):
    """A draft with every section saved: what a refused post must leave as it was."""
    introduction = IntroductionFactory(
        applicant=applicant, planned_start=date(2027, 3, 15), first_review_after_cases=5
    )
    introduction.device_links.create(device=DeviceFactory())
    return introduction


def saved(introduction) -> tuple:
    introduction.refresh_from_db()
    return (
        introduction.title,
        introduction.rationale,
        introduction.consent_arrangements,
        introduction.planned_start,
        introduction.first_review_after_cases,
        introduction.review_interval_months,
        sorted(link.device_id for link in introduction.device_links.all()),
    )


@pytest.mark.parametrize(
    ("section", "data", "field", "message"),
    [
        ("devices", {"devices": HUGE}, "devices", "Select a valid choice"),
        ("devices", {"devices": ["1", "-" + HUGE]}, "devices", "Select a valid choice"),
        ("procedure", {"guidance": HUGE, "title": "T"}, "guidance", "Select a valid choice"),
        (
            "start",
            day_month_year("planned_start", day=HUGE, year="2027"),
            "planned_start",
            "Planned start date must be a real date",
        ),
        (
            "start",
            day_month_year("planned_start"),
            "planned_start",
            "Planned start date must be in 1990 or later",
        ),
        (
            "start",
            day_month_year("planned_start", year="9999"),
            "planned_start",
            "Planned start date must be before 2100",
        ),
        (
            "monitoring",
            {"first_review_after_cases": HUGE},
            "first_review_after_cases",
            "Cases before the first review must be 100000 or less",
        ),
        (
            "monitoring",
            {"review_interval_months": HUGE},
            "review_interval_months",
            "Months between reviews must be 120 or less",
        ),
        (
            "case",
            {"rationale": NOVEL},
            "rationale",
            f"The rationale must be {LONG_TEXT} characters or fewer",
        ),
        (
            "case",
            {"patient_selection": NOVEL},
            "patient_selection",
            f"The patient selection must be {LONG_TEXT} characters or fewer",
        ),
        (
            "arrangements",
            {"consent_arrangements": NOVEL},
            "consent_arrangements",
            f"The consent arrangements must be {LONG_TEXT} characters or fewer",
        ),
        (
            "arrangements",
            {"audit_plan": NOVEL},
            "audit_plan",
            f"The audit plan must be {LONG_TEXT} characters or fewer",
        ),
    ],
)
def test_an_application_section_refuses_what_the_api_refuses_and_keeps_what_was_saved(
    client, applicant, draft, section, data, field, message
):
    before = saved(draft)
    client.force_login(applicant)
    response = client.post(f"/introductions/{draft.pk}/edit/{section}/", data)
    assert_refused(response, field, message)
    assert saved(draft) == before


def test_approval_refuses_two_million_characters_of_conditions(client, applicant, lead):
    introduction = IntroductionFactory(status="under_review", applicant=applicant)
    signed_off_assessments(introduction, by=lead)
    client.force_login(lead)
    response = client.post(
        f"/introductions/{introduction.pk}/actions/approve/",
        {"reason": "Approved at committee", "conditions": NOVEL},
    )
    assert_refused(response, "conditions", "The conditions must be")
    introduction.refresh_from_db()
    assert introduction.status == "under_review"
    assert not introduction.conditions.exists()


def test_a_case_dated_in_the_year_0001_is_refused_on_the_page(client, applicant, live):  # noqa: F811
    client.force_login(applicant)
    data = {**day_month_year("performed_on"), "codes": "V40.1 V55.1 Y53.4 Z67.6"}
    response = client.post(f"/introductions/{live.pk}/cases/new/", data)
    assert_refused(response, "performed_on", "must be in 1990 or later")
    assert not live.cases.exists()


def test_an_adverse_event_with_a_case_number_past_any_id_is_refused(client, applicant, live):  # noqa: F811
    client.force_login(applicant)
    data = {
        **day_month_year("occurred_on", year="2024"),
        "description": "Wound ooze",
        "harm": "low",
        "category": "wound",
        "case": HUGE,
    }
    response = client.post(f"/introductions/{live.pk}/adverse-events/new/", data)
    assert response.status_code == 200
    assert 'href="#id_case' in response.content.decode()
    assert not live.adverse_events.exists()


def test_the_coding_check_refuses_two_million_characters(client, applicant, ipg366):
    client.force_login(applicant)
    response = client.post("/coding/check/", {"ruleset": "IPG366", "codes": NOVEL})
    assert_refused(response, "codes", "Enter the codes in 500 characters or fewer")


def test_adding_a_member_to_an_organisation_past_any_id_is_refused(client, admin_user, outsider):
    before = list(outsider.organisations.all())
    client.force_login(admin_user)
    response = client.post(
        f"/administration/users/{outsider.pk}/organisations/add/",
        {"organisation": HUGE, "reason": "Joined the trust"},
    )
    assert_refused(response, "organisation", "Select a valid choice")
    assert list(outsider.organisations.all()) == before
