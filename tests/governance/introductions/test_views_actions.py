"""Decisions on the introduction page: workflow actions with a reason, conditions, reviews.

Each goes through the same service as the API; the pages turn its refusals into words.
"""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from governance.introductions import workflow
from governance.introductions.views import missing_items
from governance.models import Condition, Review, Transition
from tests.factories import ConditionFactory

pytestmark = pytest.mark.django_db


def action_url(introduction, action: str) -> str:
    return reverse("governance:introduction_action", args=[introduction.pk, action])


def detail_url(introduction) -> str:
    return reverse("governance:introduction_detail", args=[introduction.pk])


def test_the_applicant_submits_with_a_reason(client, applicant, make_introduction):
    introduction = make_introduction()
    client.force_login(applicant)

    response = client.post(action_url(introduction, "submit"), {"reason": "Ready for committee"})

    introduction.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == detail_url(introduction)
    assert introduction.status == "submitted"
    transition = Transition.objects.get()
    assert (transition.action, transition.actor, transition.reason) == (
        "submit",
        applicant,
        "Ready for committee",
    )


def test_a_lead_starts_the_review_and_sees_the_banner(client, lead, make_introduction):
    introduction = make_introduction("submitted")
    client.force_login(lead)

    response = client.post(action_url(introduction, "start_review"), {"reason": ""}, follow=True)

    introduction.refresh_from_db()
    assert introduction.status == "under_review"
    assert "You have started the review" in response.text


def test_requesting_changes_asks_what_needs_to_change(client, lead, make_introduction):
    introduction = make_introduction("under_review")
    client.force_login(lead)

    response = client.post(action_url(introduction, "request_changes"), {"reason": " "})

    introduction.refresh_from_db()
    assert response.status_code == 200
    assert '<a href="#id_reason">Enter what needs to change</a>' in response.text
    assert introduction.status == "under_review"
    assert not Transition.objects.exists()


def test_the_action_page_asks_for_conditions_only_on_approval(client, lead, make_introduction):
    introduction = make_introduction("under_review", assessments_signed_off_by=lead)
    client.force_login(lead)

    approve = client.get(action_url(introduction, "approve"))
    reject = client.get(action_url(introduction, "reject"))

    assert 'name="conditions"' in approve.text
    assert "One condition a line" in approve.text
    assert 'name="conditions"' not in reject.text


def test_a_lead_approves_with_conditions_one_a_line(client, lead, make_introduction):
    introduction = make_introduction("under_review", assessments_signed_off_by=lead)
    client.force_login(lead)

    client.post(
        action_url(introduction, "approve"),
        {
            "reason": "Committee, 3 March",
            "conditions": "A mentor attends the first 5 cases\n\n  Report after 10 cases  \n",
        },
    )

    introduction.refresh_from_db()
    assert introduction.status == "approved"
    assert list(introduction.conditions.values_list("text", flat=True)) == [
        "A mentor attends the first 5 cases",
        "Report after 10 cases",
    ]


def test_approval_blocked_is_shown_with_each_missing_item_and_where_to_fix_it(
    client, lead, make_introduction
):
    introduction = make_introduction("under_review", cusum_h=None)
    client.force_login(lead)

    response = client.get(detail_url(introduction))

    blocked = response.text.split('data-testid="blocked-approve"')[1].split("</ul>")[0]
    assert "You cannot approve this yet" in response.text
    assert workflow.GUARD_TEXT["monitoring-plan"] in blocked
    for label in ("equality impact assessment", "sustainability assessment"):
        assert f"The {label} is not started: it must be completed, then signed off" in blocked
        assert f"Fill in the {label}" in blocked
    assert f"{detail_url(introduction)}#section-monitoring" in blocked
    assert reverse("governance:equality_assessment_edit", args=[introduction.pk]) in blocked
    assert action_url(introduction, "approve") not in response.text
    assert action_url(introduction, "request_changes") in response.text


def test_the_approve_page_says_what_is_missing_instead_of_asking_for_a_reason(
    client, lead, make_introduction
):
    introduction = make_introduction("under_review")
    client.force_login(lead)

    response = client.get(action_url(introduction, "approve"))

    assert "You cannot approve this yet" in response.text
    assert "The sustainability assessment is not started" in response.text
    assert 'name="reason"' not in response.text
    assert "nhsuk-error-summary" not in response.text


def test_the_applicant_is_sent_to_the_section_that_fixes_a_missing_item(
    applicant, make_introduction
):
    introduction = make_introduction("changes_requested", cusum_h=None)
    missing = workflow.unmet(workflow.TRANSITIONS["approve"], introduction)

    items = missing_items(introduction, missing, applicant)

    monitoring = next(item for item in items if item.code == "monitoring-plan")
    assert monitoring.url == reverse(
        "governance:introduction_section", args=[introduction.pk, "monitoring"]
    )


def test_posting_an_approval_with_unmet_preconditions_lists_them_and_changes_nothing(
    client, lead, make_introduction
):
    introduction = make_introduction("under_review")
    client.force_login(lead)

    response = client.post(
        action_url(introduction, "approve"),
        {"reason": "Committee, 3 March", "conditions": "A mentor attends"},
    )

    introduction.refresh_from_db()
    assert response.status_code == 200
    summary = response.text.split('class="nhsuk-error-summary"')[1].split("</ul>")[0]
    assert "The equality impact assessment is not started" in summary
    assert "Committee, 3 March</textarea>" in response.text
    assert introduction.status == "under_review"
    assert not Transition.objects.exists()
    assert not Condition.objects.exists()


def test_a_clinician_is_refused_a_reviewers_action_in_words(client, clinician, make_introduction):
    introduction = make_introduction("submitted")
    client.force_login(clinician)

    response = client.post(action_url(introduction, "start_review"), {"reason": "Let me"})

    introduction.refresh_from_db()
    assert response.status_code == 403
    assert "Only a governance lead may start the review of an introduction." in response.text
    assert introduction.status == "submitted"


def test_a_lead_cannot_review_their_own_application(client, lead_applicant, make_introduction):
    introduction = make_introduction("submitted", applicant=lead_applicant)
    client.force_login(lead_applicant)

    detail = client.get(detail_url(introduction))
    response = client.post(action_url(introduction, "start_review"), {"reason": ""})

    assert action_url(introduction, "start_review") not in detail.text
    assert response.status_code == 403
    assert "You cannot start the review of your own application" in response.text


def test_an_action_the_state_does_not_allow_is_explained_not_taken(client, lead, make_introduction):
    introduction = make_introduction("changes_requested")
    client.force_login(lead)

    response = client.post(action_url(introduction, "start_review"), {"reason": ""})

    introduction.refresh_from_db()
    assert response.status_code == 200
    assert (
        "You cannot start the review of an introduction that is changes requested." in response.text
    )
    assert introduction.status == "changes_requested"


def test_an_unknown_action_is_not_found(client, lead, make_introduction):
    introduction = make_introduction("submitted")
    client.force_login(lead)

    assert client.get(action_url(introduction, "delete")).status_code == 404


def test_htmx_opens_the_form_in_the_page_and_follows_a_redirect_when_done(
    client, lead, make_introduction
):
    introduction = make_introduction("under_review")
    client.force_login(lead)

    form = client.get(action_url(introduction, "request_changes"), HTTP_HX_REQUEST="true")
    done = client.post(
        action_url(introduction, "request_changes"),
        {"reason": "Add the audit plan"},
        HTTP_HX_REQUEST="true",
    )

    assert "<html" not in form.text
    assert 'hx-post="' + action_url(introduction, "request_changes") in form.text
    assert done.status_code == 200
    assert done["HX-Redirect"] == detail_url(introduction)
    introduction.refresh_from_db()
    assert introduction.status == "changes_requested"


# --- conditions and reviews --------------------------------------------------------------


def meet_url(condition) -> str:
    return reverse("governance:condition_meet", args=[condition.introduction_id, condition.pk])


def test_a_lead_marks_a_condition_met_with_its_evidence(client, lead, approved):
    condition = ConditionFactory(introduction=approved)
    client.force_login(lead)

    response = client.post(meet_url(condition), {"evidence": "Mentor's report, 1 May"})

    condition.refresh_from_db()
    assert response.status_code == 302
    assert condition.is_met
    assert (condition.evidence, condition.met_by) == ("Mentor's report, 1 May", lead)


def test_marking_a_condition_met_needs_evidence(client, lead, approved):
    condition = ConditionFactory(introduction=approved)
    client.force_login(lead)

    response = client.post(meet_url(condition), {"evidence": ""})

    condition.refresh_from_db()
    assert '<a href="#id_evidence">Enter what shows that the condition is met</a>' in (
        response.text
    )
    assert not condition.is_met


def test_the_applicant_cannot_mark_their_own_condition_met(client, applicant, approved):
    condition = ConditionFactory(introduction=approved)
    client.force_login(applicant)

    response = client.post(meet_url(condition), {"evidence": "Trust me"})

    condition.refresh_from_db()
    assert response.status_code == 403
    assert not condition.is_met


def review_url(review) -> str:
    return reverse("governance:review_complete", args=[review.introduction_id, review.pk])


def test_a_lead_completes_a_review_with_its_outcome(client, lead, approved):
    review = approved.reviews.get(kind=Review.Kind.FIRST_CASES)
    client.force_login(lead)

    response = client.post(
        review_url(review), {"outcome": "continue", "notes": "No failures in 5 cases"}
    )

    review.refresh_from_db()
    assert response.status_code == 302
    assert (review.status, review.outcome, review.completed_by) == ("completed", "continue", lead)


def test_a_review_continuing_with_conditions_needs_them(client, lead, approved):
    review = approved.reviews.get(kind=Review.Kind.FIRST_CASES)
    client.force_login(lead)

    response = client.post(
        review_url(review), {"outcome": "continue_with_conditions", "conditions": ""}
    )

    review.refresh_from_db()
    assert '<a href="#id_conditions">Give the conditions' in response.text
    assert review.is_scheduled


def test_a_review_outcome_blocked_by_open_conditions_lists_them(client, lead, approved):
    ConditionFactory(introduction=approved)
    review = approved.reviews.get(kind=Review.Kind.FIRST_CASES)
    client.force_login(lead)

    response = client.post(review_url(review), {"outcome": "adopt"})

    approved.refresh_from_db()
    assert workflow.GUARD_TEXT["conditions-met"] in response.text
    assert approved.status == "approved"


def test_a_lead_blocked_from_adopting_is_told_what_adopting_means_and_what_it_needs(
    client, lead, approved
):
    client.force_login(lead)

    response = client.get(detail_url(approved))

    blocked = html.unescape(response.text.split('data-testid="blocked-adopt"')[1].split("</ul>")[0])
    assert "You cannot adopt this yet" in blocked
    assert "Adopting moves the procedure into routine practice" in blocked
    assert "The Adopt button appears here once these are done" in blocked
    assert workflow.GUARD_TEXT["reviews-complete"] in blocked
