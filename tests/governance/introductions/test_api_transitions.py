"""POST/GET /api/v1/introductions/{id}/transitions/: status codes for every role and state."""

from __future__ import annotations

import pytest

from governance.introductions import workflow
from governance.models import Transition
from tests.governance.introductions.test_workflow_transitions import (
    ACTIONS,
    APPLICANT_ACTIONS,
    FIRST_EDGE,
)

pytestmark = pytest.mark.django_db

# (persona, may take applicant actions, may take reviewer actions)
PERSONAS = [
    ("applicant", True, False),
    ("lead", False, True),
    ("clinician", False, False),
    ("admin_user", False, False),
    ("outsider", False, False),
]


def _url(introduction) -> str:
    return f"/api/v1/introductions/{introduction.pk}/transitions/"


def _expected(persona: str, allowed: bool, source: str) -> int:
    if allowed:
        return 200
    if source == "draft" and persona != "outsider":
        return 404  # a draft is its applicant's own: nobody else is told it exists
    return 403  # a wrong role; outsiders have no role at all


@pytest.mark.parametrize(
    ("action", "persona", "allowed"),
    [
        (action, persona, apply if action in APPLICANT_ACTIONS else review)
        for action in ACTIONS
        for persona, apply, review in PERSONAS
    ],
)
def test_every_action_answers_200_for_its_role_and_403_for_the_others(
    request, api_as, make_introduction, lead, action, persona, allowed
):
    source, target = FIRST_EDGE[action]
    introduction = make_introduction(source, assessments_signed_off_by=lead)

    response = api_as(request.getfixturevalue(persona)).post(
        _url(introduction), {"action": action, "reason": "r"}, format="json"
    )

    assert response.status_code == _expected(persona, allowed, source), response.json()
    introduction.refresh_from_db()
    if allowed:
        assert response.json()["status"] == target
        assert introduction.status == target
    else:
        assert introduction.status == source
        assert not Transition.objects.exists()


def test_another_organisations_lead_gets_404(api_as, make_introduction, other_org_lead):
    introduction = make_introduction("submitted")

    response = api_as(other_org_lead).post(
        _url(introduction), {"action": "start_review"}, format="json"
    )

    assert response.status_code == 404


def test_an_action_from_the_wrong_state_is_409(api_as, make_introduction, lead):
    introduction = make_introduction("changes_requested")

    response = api_as(lead).post(_url(introduction), {"action": "approve"}, format="json")

    assert response.status_code == 409
    assert response.json()["unmet"] == []


def test_approval_with_unmet_guards_is_409_listing_them(api_as, make_introduction, lead):
    introduction = make_introduction("under_review", cusum_h=None)

    response = api_as(lead).post(_url(introduction), {"action": "approve"}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail", "unmet"}
    assert body["unmet"] == ["equality-assessment", "sustainability-assessment", "monitoring-plan"]
    assert workflow.GUARD_TEXT["monitoring-plan"] in body["detail"]


def test_a_lead_cannot_approve_their_own_application_403(
    api_as, make_introduction, lead_applicant, lead
):
    introduction = make_introduction(
        "under_review", applicant=lead_applicant, assessments_signed_off_by=lead
    )

    response = api_as(lead_applicant).post(_url(introduction), {"action": "approve"}, format="json")

    assert response.status_code == 403
    assert "own application" in response.json()["detail"]


def test_approval_with_conditions_returns_the_introduction_with_them(
    api_as, make_introduction, lead
):
    introduction = make_introduction("under_review", assessments_signed_off_by=lead)

    response = api_as(lead).post(
        _url(introduction),
        {"action": "approve", "reason": "Committee", "conditions": ["Mentor for 5 cases"]},
        format="json",
    )

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "approved"
    assert [c["text"] for c in data["conditions"]] == ["Mentor for 5 cases"]
    assert {r["kind"] for r in data["reviews"]} == {"first_cases", "periodic"}
    assert data["allowed_actions"] == ["suspend", "withdraw", "adopt"]


@pytest.mark.parametrize(
    "body",
    [{}, {"action": "bless"}, {"action": None}, {"action": "approve", "conditions": "x" * 3000}],
)
def test_a_malformed_request_is_400(api_as, make_introduction, lead, body):
    introduction = make_introduction("under_review")

    response = api_as(lead).post(_url(introduction), body, format="json")

    assert response.status_code == 400


def test_conditions_on_another_action_are_400_on_conditions(api_as, make_introduction, lead):
    introduction = make_introduction("under_review")

    response = api_as(lead).post(
        _url(introduction), {"action": "reject", "conditions": ["x"]}, format="json"
    )

    assert response.status_code == 400
    assert "conditions" in response.json()


def test_the_transitions_list_is_the_decision_history(api_as, make_introduction, applicant, lead):
    introduction = make_introduction("draft")
    api_as(applicant).post(_url(introduction), {"action": "submit"}, format="json")
    api_as(lead).post(
        _url(introduction), {"action": "start_review", "reason": "Committee 3 May"}, format="json"
    )

    response = api_as(applicant).get(_url(introduction))

    assert response.status_code == 200
    rows = response.json()
    assert [{k: v for k, v in row.items() if k != "at"} for row in rows] == [
        {
            "action": "submit",
            "from": "draft",
            "to": "submitted",
            "actor": "applicant",
            "reason": "",
        },
        {
            "action": "start_review",
            "from": "submitted",
            "to": "under_review",
            "actor": "lead",
            "reason": "Committee 3 May",
        },
    ]
    assert all(row["at"] for row in rows)
