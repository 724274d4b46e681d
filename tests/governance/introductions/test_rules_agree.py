"""Each rule has one home, so the page and the API give the same answer in the same words.

The expected messages are written out here, not read from the code under test: a rule whose
words drift in one place fails here.
"""

from __future__ import annotations

import html

import pytest

from governance.models import Introduction, Organisation, Transition
from tests.factories import (
    ConditionFactory,
    GuidanceFactory,
    OrganisationFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db

# action: (the state it leaves, who takes it, what both say when no reason is given)
REASONS_REQUIRED = {
    "request_changes": ("under_review", "lead", "Enter what needs to change"),
    "resubmit": ("changes_requested", "applicant", "Enter what you have changed"),
    "reject": ("under_review", "lead", "Enter why the application is rejected"),
    "suspend": ("approved", "lead", "Enter why the introduction is suspended"),
    "reinstate": ("suspended", "lead", "Enter why the introduction is reinstated"),
    "withdraw": ("approved", "lead", "Enter why the introduction is withdrawn"),
}
# action: (state, who): a blank reason is accepted, and the page says the reason is optional.
REASONS_OPTIONAL = {
    "submit": ("draft", "applicant"),
    "start_review": ("submitted", "lead"),
    "cancel": ("draft", "applicant"),
}


def forbidden_reason(response) -> str:
    """The reason the 403 page gives, as a person reads it."""
    assert response.status_code == 403
    text = response.content.decode()
    start = text.index('data-testid="forbidden-reason">') + len('data-testid="forbidden-reason">')
    return html.unescape(text[start : text.index("</p>", start)]).strip()


def page_errors(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("action", sorted(REASONS_REQUIRED))
def test_a_decision_that_needs_a_reason_is_refused_alike_by_page_and_api(
    action, make_introduction, request, client, api_as
):
    state, who, message = REASONS_REQUIRED[action]
    actor = request.getfixturevalue(who)
    introduction = make_introduction(state)

    api = api_as(actor).post(
        f"/api/v1/introductions/{introduction.pk}/transitions/",
        {"action": action, "reason": "  "},
        format="json",
    )
    client.force_login(actor)
    page = client.post(f"/introductions/{introduction.pk}/actions/{action}/", {"reason": "  "})

    assert api.status_code == 400
    assert api.json() == {"reason": [message]}
    assert page.status_code == 200
    assert f'<a href="#id_reason">{message}</a>' in page_errors(page)
    introduction.refresh_from_db()
    assert introduction.status == state
    assert not Transition.objects.filter(introduction=introduction).exists()


@pytest.mark.parametrize("action", sorted(REASONS_REQUIRED))
def test_the_page_does_not_call_a_required_reason_optional(
    action, make_introduction, request, client
):
    state, who, _ = REASONS_REQUIRED[action]
    client.force_login(request.getfixturevalue(who))

    page = client.get(f"/introductions/{make_introduction(state).pk}/actions/{action}/")

    assert page.status_code == 200
    assert "(optional)" not in page.content.decode()


@pytest.mark.parametrize("action", sorted(REASONS_OPTIONAL))
def test_a_reason_the_page_calls_optional_may_be_left_blank_in_the_api(
    action, make_introduction, request, client, api_as
):
    state, who = REASONS_OPTIONAL[action]
    actor = request.getfixturevalue(who)
    client.force_login(actor)
    shown = client.get(f"/introductions/{make_introduction(state).pk}/actions/{action}/")
    introduction = make_introduction(state)

    api = api_as(actor).post(
        f"/api/v1/introductions/{introduction.pk}/transitions/",
        {"action": action, "reason": ""},
        format="json",
    )

    assert "(optional)" in shown.content.decode()
    assert api.status_code == 200, api.json()


def test_another_clinician_is_refused_the_edit_in_the_same_words(
    make_introduction, clinician, client, api_as
):
    introduction = make_introduction("changes_requested")
    message = "Only the applicant may change this introduction."

    api = api_as(clinician).patch(
        f"/api/v1/introductions/{introduction.pk}/", {"title": "Mine now"}, format="json"
    )
    client.force_login(clinician)
    task_list = client.get(f"/introductions/{introduction.pk}/edit/")
    section = client.post(f"/introductions/{introduction.pk}/edit/case/", {"rationale": "x"})

    assert api.status_code == 403
    assert api.json()["detail"] == message
    assert forbidden_reason(task_list) == message
    assert forbidden_reason(section) == message
    introduction.refresh_from_db()
    assert introduction.title != "Mine now"


def test_a_submitted_application_is_not_editable_and_both_say_why_in_the_same_words(
    make_introduction, applicant, client, api_as
):
    introduction = make_introduction("submitted")
    message = (
        "An application can be changed only while it is a draft or when changes are "
        "requested; this one is submitted."
    )

    api = api_as(applicant).patch(
        f"/api/v1/introductions/{introduction.pk}/", {"title": "Changed"}, format="json"
    )
    client.force_login(applicant)
    page = client.get(f"/introductions/{introduction.pk}/edit/")

    assert api.status_code == 409
    assert api.json()["detail"] == message
    assert forbidden_reason(page) == message


def test_an_administrator_may_not_apply_and_both_say_so_in_the_same_words(
    admin_user, client, api_as
):
    message = "Only a clinician or governance lead may apply to introduce a procedure."

    api = api_as(admin_user).post(
        "/api/v1/introductions/", {"guidance": "IPG366", "title": "X"}, format="json"
    )
    client.force_login(admin_user)
    page = client.get("/introductions/new/")

    assert api.status_code == 403
    assert api.json()["detail"] == message
    assert forbidden_reason(page) == message


def test_a_new_application_lands_in_the_same_organisation_from_page_and_api(
    applicant, client, api_as
):
    client.force_login(applicant)
    client.post("/introductions/new/", {"guidance": _ipg366_pk(), "title": "From the page"})
    api = api_as(applicant).post(
        "/api/v1/introductions/", {"guidance": "IPG366", "title": "From the API"}, format="json"
    )

    assert api.status_code == 201, api.json()
    organisations = set(
        Introduction.objects.filter(title__startswith="From the").values_list(
            "organisation__ods_code", flat=True
        )
    )
    assert organisations == {Organisation.DEFAULT_ODS_CODE}


def test_a_member_of_two_organisations_gets_the_one_chosen_from_page_and_api(
    applicant, client, api_as
):
    second = OrganisationFactory(name="Second NHS Trust", ods_code="RYY", members=[applicant])

    client.force_login(applicant)
    client.post(
        "/introductions/new/",
        {"organisation": second.pk, "guidance": _ipg366_pk(), "title": "From the page"},
    )
    api = api_as(applicant).post(
        "/api/v1/introductions/",
        {"organisation": "ryy", "guidance": "IPG366", "title": "From the API"},
        format="json",
    )
    unchosen = api_as(applicant).post(
        "/api/v1/introductions/", {"guidance": "IPG366", "title": "Where?"}, format="json"
    )

    assert api.status_code == 201, api.json()
    assert set(
        Introduction.objects.filter(title__startswith="From the").values_list(
            "organisation__ods_code", flat=True
        )
    ) == {"RYY"}
    assert unchosen.status_code == 400
    assert unchosen.json() == {
        "organisation": ["You belong to several organisations: give the ODS code of one."]
    }


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("clinician", "Only a governance lead may record a condition as met on an introduction."),
        (
            "lead_applicant",
            "You cannot record a condition as met on your own application: another "
            "governance lead must.",
        ),
    ],
)
def test_who_may_meet_a_condition_is_one_rule_for_page_and_api(
    who, message, request, lead_applicant, client, api_as
):
    actor = request.getfixturevalue(who)
    condition = ConditionFactory(introduction__applicant=lead_applicant)
    url = f"/introductions/{condition.introduction_id}/conditions/{condition.pk}/meet/"

    api = api_as(actor).post(
        f"/api/v1/conditions/{condition.pk}/meet/", {"evidence": "Report"}, format="json"
    )
    client.force_login(actor)
    page = client.post(url, {"evidence": "Report"})

    assert api.status_code == 403
    assert api.json()["detail"] == message
    assert forbidden_reason(page) == message
    condition.refresh_from_db()
    assert not condition.is_met


def test_who_may_complete_a_review_is_one_rule_for_page_and_api(clinician, client, api_as):
    review = ReviewFactory()
    message = "Only a governance lead may complete a review of an introduction."

    api = api_as(clinician).post(
        f"/api/v1/reviews/{review.pk}/complete/", {"outcome": "continue"}, format="json"
    )
    client.force_login(clinician)
    page = client.post(
        f"/introductions/{review.introduction_id}/reviews/{review.pk}/complete/",
        {"outcome": "continue"},
    )

    assert api.status_code == 403
    assert api.json()["detail"] == message
    assert forbidden_reason(page) == message


def test_a_clinician_is_refused_the_audit_history_in_the_same_words(applicant, client, api_as):
    message = "Only governance leads and administrators may read the audit history."

    api = api_as(applicant).get("/api/v1/history/")
    client.force_login(applicant)
    page = client.get("/audit/")

    assert api.status_code == 403
    assert api.json()["detail"] == message
    assert forbidden_reason(page) == message


def _ipg366_pk() -> int:
    return GuidanceFactory(reference="IPG366").pk  # get_or_create: the seeded one if present
