"""Who may fill in and sign off the assessments: one rule, the same words on page and API."""

from __future__ import annotations

import html

import pytest

pytestmark = pytest.mark.django_db


def forbidden_reason(response) -> str:
    assert response.status_code == 403
    text = response.content.decode()
    start = text.index('data-testid="forbidden-reason">') + len('data-testid="forbidden-reason">')
    return html.unescape(text[start : text.index("</p>", start)]).strip()


def test_another_clinician_may_not_fill_in_the_assessments_and_both_say_why(
    make_introduction, clinician, client, api_as
):
    introduction = make_introduction("submitted")
    message = (
        "Only the applicant or a governance lead may fill in the assessments of an introduction."
    )

    api = api_as(clinician).put(
        f"/api/v1/introductions/{introduction.pk}/sustainability-assessment/",
        {"waste": "Some"},
        format="json",
    )
    client.force_login(clinician)
    page = client.get(f"/introductions/{introduction.pk}/assessments/sustainability/")

    assert api.status_code == 403
    assert api.json()["detail"] == message
    assert forbidden_reason(page) == message


@pytest.mark.parametrize(
    ("kind", "label"),
    [("equality", "equality impact assessment"), ("sustainability", "sustainability assessment")],
)
def test_a_lead_may_not_sign_off_their_own_application_and_both_say_why(
    kind, label, make_introduction, lead_applicant, client, api_as
):
    introduction = make_introduction("under_review", applicant=lead_applicant)
    message = (
        f"You cannot sign off the {label} of your own application: another governance lead must."
    )

    api = api_as(lead_applicant).post(
        f"/api/v1/introductions/{introduction.pk}/{kind}-assessment/sign-off/", {}, format="json"
    )
    client.force_login(lead_applicant)
    page = client.post(f"/introductions/{introduction.pk}/assessments/{kind}/sign-off/")

    assert api.status_code == 403
    assert api.json()["detail"] == message
    assert forbidden_reason(page) == message


def test_a_clinician_may_not_sign_off_and_both_say_why(
    make_introduction, clinician, client, api_as
):
    introduction = make_introduction("under_review")
    message = "Only a governance lead may sign off the equality impact assessment."

    api = api_as(clinician).post(
        f"/api/v1/introductions/{introduction.pk}/equality-assessment/sign-off/", {}, format="json"
    )
    client.force_login(clinician)
    page = client.get(f"/introductions/{introduction.pk}/assessments/equality/sign-off/")

    assert api.status_code == 403
    assert api.json()["detail"] == message
    assert forbidden_reason(page) == message
