"""POST /api/v1/conditions/{id}/meet/ and POST /api/v1/reviews/{id}/complete/."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def condition(approved):
    return approved.conditions.create(text="A mentor attends the first five cases")


def test_a_lead_records_a_condition_met(api_as, condition, other_lead):
    response = api_as(other_lead).post(
        f"/api/v1/conditions/{condition.pk}/meet/", {"evidence": "Mentor log"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["met_by"]) == ("met", "other_lead")
    condition.refresh_from_db()
    assert condition.evidence == "Mentor log"


@pytest.mark.parametrize(("persona", "code"), [("applicant", 403), ("admin_user", 403)])
def test_others_may_not_record_a_condition_met(request, api_as, condition, persona, code):
    response = api_as(request.getfixturevalue(persona)).post(
        f"/api/v1/conditions/{condition.pk}/meet/", {"evidence": "Log"}, format="json"
    )

    assert response.status_code == code
    condition.refresh_from_db()
    assert condition.status == "open"


def test_a_condition_without_evidence_is_400_and_met_twice_409(api_as, condition, lead):
    url = f"/api/v1/conditions/{condition.pk}/meet/"
    client = api_as(lead)

    assert client.post(url, {"evidence": ""}, format="json").status_code == 400
    assert client.post(url, {"evidence": "Log"}, format="json").status_code == 200
    assert client.post(url, {"evidence": "Log"}, format="json").status_code == 409


def test_another_organisations_condition_and_review_are_404(api_as, condition, other_org_lead):
    client = api_as(other_org_lead)
    review = condition.introduction.reviews.first()

    assert client.get(f"/api/v1/conditions/{condition.pk}/").status_code == 404
    assert (
        client.post(
            f"/api/v1/conditions/{condition.pk}/meet/", {"evidence": "x"}, format="json"
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/reviews/{review.pk}/").status_code == 404


def test_a_lead_completes_a_review_with_an_outcome(api_as, approved, lead):
    review = approved.reviews.get(kind="periodic")

    response = api_as(lead).post(
        f"/api/v1/reviews/{review.pk}/complete/",
        {"outcome": "continue", "notes": "As expected"},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["outcome"]) == ("completed", "continue")


def test_a_review_adopting_with_open_conditions_is_409_naming_them(api_as, condition, lead):
    review = condition.introduction.reviews.get(kind="first_cases")

    response = api_as(lead).post(
        f"/api/v1/reviews/{review.pk}/complete/", {"outcome": "adopt"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["unmet"] == ["conditions-met"]
    review.refresh_from_db()
    assert review.status == "scheduled"


@pytest.mark.parametrize(
    "body", [{}, {"outcome": "later"}, {"outcome": "continue_with_conditions"}]
)
def test_a_malformed_review_outcome_is_400(api_as, approved, lead, body):
    review = approved.reviews.first()

    response = api_as(lead).post(f"/api/v1/reviews/{review.pk}/complete/", body, format="json")

    assert response.status_code == 400
