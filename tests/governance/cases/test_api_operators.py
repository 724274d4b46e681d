"""The approved operators of an introduction (GET, POST /api/v1/introductions/{id}/operators/):
governance leads add them, with the evidence; everybody with a role reads them."""

from __future__ import annotations

import pytest

from governance.cases.models import Operator

from .conftest import TODAY

pytestmark = pytest.mark.django_db

EVIDENCE = "Cadaver course 2026; 10 cases observed; mentor's sign-off"


def operators_url(introduction) -> str:
    return f"/api/v1/introductions/{introduction.pk}/operators/"


def add(client, introduction, **overrides):
    body = {"user": "applicant", "evidence": EVIDENCE, "approved_on": TODAY.isoformat()}
    return client.post(operators_url(introduction), {**body, **overrides}, format="json")


def test_a_lead_approves_an_operator_with_201_and_everybody_reads_the_list(
    api_as, lead, applicant, admin_user, live
):
    response = add(api_as(lead), live)

    assert response.status_code == 201, response.json()
    data = response.json()
    assert {k: v for k, v in data.items() if k not in ("id", "created_at")} == {
        "introduction": live.pk,
        "user": "applicant",
        "evidence": EVIDENCE,
        "approved_on": TODAY.isoformat(),
        "added_by": "lead",
    }
    operator = Operator.objects.get(pk=data["id"])
    assert operator.history.get().history_change_reason == "Operator approved"
    listed = api_as(admin_user).get(operators_url(live))
    assert listed.status_code == 200
    assert [row["user"] for row in listed.json()] == ["applicant"]


def test_an_approved_operator_no_longer_needs_attention(api_as, lead, applicant, live, log_case):
    case = log_case()
    add(api_as(lead), live)

    data = api_as(applicant).get(f"/api/v1/cases/{case.pk}/").json()

    assert data["attention"] == []


@pytest.mark.parametrize("who", ["applicant", "admin_user"])
def test_only_a_governance_lead_approves_operators(api_as, live, lead, who, request):
    response = add(api_as(request.getfixturevalue(who)), live, user="lead")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only a governance lead may approve the operators of an introduction."
    }
    assert not Operator.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"user": "nobody"}, "user"),
        ({"user": "other_org_lead"}, "user"),
        ({"evidence": "  "}, "evidence"),
        ({"approved_on": "2999-01-01"}, "approved_on"),
        ({"approved_on": "soon"}, "approved_on"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    api_as, lead, applicant, other_org_lead, live, overrides, field
):
    response = add(api_as(lead), live, **overrides)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_second_approval_of_the_same_clinician_is_a_400_on_user(api_as, lead, applicant, live):
    add(api_as(lead), live)

    response = add(api_as(lead), live)

    assert response.status_code == 400
    assert response.json() == {"user": ["This clinician is already an approved operator."]}


def test_another_organisations_operators_are_404(api_as, other_org_lead, live):
    client = api_as(other_org_lead)

    assert client.get(operators_url(live)).status_code == 404
    assert add(client, live, user="other_org_lead").status_code == 404
