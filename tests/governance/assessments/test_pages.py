"""The assessment pages: the forms, the printable summary, sign-off, and the status on the
introduction page."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from governance.assessments.models import (
    Characteristic,
    EqualityAssessment,
    SustainabilityAssessment,
    impact_field,
)
from governance.assessments.services import (
    assessment_sign_off,
    equality_assessment_save,
    sustainability_assessment_save,
)
from governance.models import Introduction

pytestmark = pytest.mark.django_db


def equality_form(**fields) -> dict:
    data = {}
    for c in Characteristic.values:
        data[impact_field(c, "impact")] = "neutral"
        data[impact_field(c, "evidence")] = "Local audit of the last 200 referrals."
    data |= {
        "health_inequalities": "Referral rates by deprivation quintile are monitored.",
        "accessible_information": "Leaflets in easy read and the five commonest languages.",
        "psed_aims": "Equal access, monitored uptake, patient panel engagement.",
        "conclusion": "no_change",
    }
    return data | fields


def sustainability_form(**fields) -> dict:
    data = {name: f"An answer about {name}" for name in SustainabilityAssessment.TEXT_FIELDS}
    return data | {"supplier_carbon_plan": "yes", "rating": "neutral"} | fields


def part_page(introduction, part: str) -> str:
    return reverse("governance:equality_assessment_part", args=[introduction.pk, part])


PARTS = [*Characteristic.values, "other"]


def save_equality(client, introduction, data: dict):
    """Every page of the equality assessment's task list saved with `data` (each page takes
    its own questions from it); the last page's answer."""
    for part in PARTS:
        response = client.post(part_page(introduction, part), data)
    return response


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(name: str, introduction, *args) -> str:
    return reverse(f"governance:{name}", args=[introduction.pk, *args])


@pytest.fixture
def introduction(make_introduction):
    return make_introduction("under_review")


def fill_both(introduction, actor) -> None:
    data = {k: v for k, v in equality_form().items()}
    equality_assessment_save(introduction=introduction, actor=actor, data=data)
    sustainability_assessment_save(
        introduction=introduction,
        actor=actor,
        data=sustainability_form(supplier_carbon_plan=True),
    )


# --- the forms --------------------------------------------------------------------------


def test_the_equality_assessment_is_a_task_list_of_the_nine_characteristics_and_the_rest(
    applicant, introduction
):
    response = client_for(applicant).get(page("equality_assessment_edit", introduction))

    assert response.status_code == 200
    html = response.content.decode()
    for part, label in [*Characteristic.choices, ("other", "Health inequalities")]:
        item = html.split(f'data-testid="part-{part}"')[1].split("</li>")[0]
        assert f'href="{part_page(introduction, part)}"' in item
        assert label in item
        assert "Not started" in item


def test_each_characteristic_is_asked_on_its_own_page(applicant, introduction):
    response = client_for(applicant).get(part_page(introduction, "age"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="nhsuk-fieldset__heading">Age</h1>' in html
    assert "Disability" not in html.split("<main")[1]
    # Negative reveals the mitigation; unknown reveals the action, its owner and date.
    assert 'data-aria-controls="conditional-id_age_impact_2"' in html
    assert 'id="conditional-id_age_impact_2"' in html
    assert 'data-aria-controls="conditional-id_age_impact_3"' in html
    assert html.count("nhsuk-radios__conditional--hidden") == 2


def test_saving_a_page_keeps_the_other_answers_and_goes_on_to_the_next(applicant, introduction):
    client = client_for(applicant)
    save_equality(client, introduction, equality_form())

    response = client.post(
        part_page(introduction, "age"),
        {"age_impact": "positive", "age_evidence": "Older patients avoid a fusion."},
    )

    assert response.status_code == 302
    assert response.url == part_page(introduction, "disability")
    saved = EqualityAssessment.objects.get()
    assert (saved.age_impact, saved.disability_impact) == ("positive", "neutral")
    assert saved.psed_aims == equality_form()["psed_aims"]
    listed = client.get(page("equality_assessment_edit", introduction)).content.decode()
    assert listed.count(">Completed<") == 10


def test_the_applicant_saves_the_equality_form_and_lands_on_the_summary(applicant, introduction):
    data = equality_form(
        sex_impact="negative",
        sex_mitigation="Same-sex chaperones offered.",
        race_impact="unknown",
        race_action="Audit the ethnicity of patients offered the procedure.",
        race_action_owner="Dr A Patel",
        race_action_due_day="30",
        race_action_due_month="9",
        race_action_due_year="2026",
    )

    response = save_equality(client_for(applicant), introduction, data)

    assert response.status_code == 302
    assert response.url == page("equality_assessment_edit", introduction)
    saved = EqualityAssessment.objects.get(introduction=introduction)
    assert saved.sex_mitigation == "Same-sex chaperones offered."
    assert str(saved.race_action_due) == "2026-09-30"
    assert saved.is_complete
    assert {entry.history_user for entry in saved.history.all()} == {applicant}


def test_a_negative_impact_without_a_mitigation_comes_back_with_the_error_linked(
    applicant, introduction
):
    data = equality_form(disability_impact="negative")

    response = client_for(applicant).post(part_page(introduction, "disability"), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="#id_disability_mitigation">Disability: enter how the negative' in html
    # The mitigation stays revealed, with the answers typed kept.
    assert 'id="conditional-id_disability_impact_2"' in html
    assert 'class="nhsuk-radios__conditional" id="conditional-id_disability_impact_2"' in html
    assert "Local audit of the last 200 referrals." in html
    assert not EqualityAssessment.objects.exists()


def test_an_answer_left_in_a_hidden_question_is_dropped(applicant, introduction):
    data = equality_form(age_mitigation="Typed, then the impact changed to neutral.")

    client_for(applicant).post(part_page(introduction, "age"), data)

    assert EqualityAssessment.objects.get().age_mitigation == ""


def test_a_half_typed_date_of_a_hidden_question_does_not_block_saving(applicant, introduction):
    data = equality_form(age_action_due_day="31")

    response = client_for(applicant).post(part_page(introduction, "age"), data)

    assert response.status_code == 302


def test_the_sustainability_form_saves_yes_no_and_the_estimate(applicant, introduction):
    data = sustainability_form(supplier_carbon_plan="no", kgco2e_per_case="182.5")

    response = client_for(applicant).post(
        page("sustainability_assessment_edit", introduction), data
    )

    assert response.status_code == 302
    saved = SustainabilityAssessment.objects.get()
    assert (saved.supplier_carbon_plan, str(saved.kgco2e_per_case)) == (False, "182.500")
    form = client_for(applicant).get(page("sustainability_assessment_edit", introduction))
    assert 'value="no" checked' in form.content.decode()


def test_a_negative_estimate_is_refused_on_the_form(applicant, introduction):
    data = sustainability_form(kgco2e_per_case="-3")

    response = client_for(applicant).post(
        page("sustainability_assessment_edit", introduction), data
    )

    assert response.status_code == 200
    assert "The estimate cannot be negative" in response.content.decode()
    assert not SustainabilityAssessment.objects.exists()


def test_editing_a_signed_off_assessment_warns_and_then_says_the_sign_off_is_voided(
    applicant, lead, introduction
):
    fill_both(introduction, applicant)
    assessment_sign_off(introduction=introduction, kind="equality", actor=lead)
    client = client_for(applicant)

    for url in (page("equality_assessment_edit", introduction), part_page(introduction, "other")):
        form = client.get(url)
        assert "If you change an answer, the sign-off is voided" in form.content.decode()

    response = client.post(
        part_page(introduction, "other"),
        equality_form(psed_aims="Reworded after the committee."),
        follow=True,
    )

    assert "Your changes voided its sign-off" in response.content.decode()
    assert EqualityAssessment.objects.get().signed_off_at is None


@pytest.mark.parametrize("who", ["clinician", "admin_user"])
def test_people_who_may_not_fill_in_get_the_403_page(introduction, request, who):
    client = client_for(request.getfixturevalue(who))

    response = client.get(page("equality_assessment_edit", introduction))
    assert response.status_code == 403
    assert "Only the applicant or a governance lead" in response.content.decode()
    response = client.post(page("sustainability_assessment_edit", introduction), {})
    assert response.status_code == 403
    assert not SustainabilityAssessment.objects.exists()


def test_another_organisation_gets_a_404(other_org_lead, introduction):
    response = client_for(other_org_lead).get(page("assessment_summary", introduction))

    assert response.status_code == 404


def test_a_decided_introduction_sends_the_form_back_to_the_summary(applicant, make_introduction):
    decided = make_introduction("approved")

    response = client_for(applicant).get(page("equality_assessment_edit", decided))

    assert response.status_code == 302
    assert response.url == page("assessment_summary", decided) + "#equality"


# --- the summary and sign-off -----------------------------------------------------------


def test_the_summary_shows_every_answer_for_the_committee(applicant, admin_user, introduction):
    equality_assessment_save(
        introduction=introduction,
        actor=applicant,
        data=equality_form(
            pregnancy_maternity_impact="negative",
            pregnancy_maternity_mitigation="Pregnancy test before fluoroscopy.",
        ),
    )

    response = client_for(admin_user).get(page("assessment_summary", introduction))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Pregnancy test before fluoroscopy." in html
    assert "Equal access, monitored uptake, patient panel engagement." in html
    assert "No major change needed" in html
    assert "Waiting for sign-off" in html
    assert "Nobody has started it yet." in html  # the sustainability assessment
    # An administrator only reads.
    assert "/sign-off/" not in html
    assert page("equality_assessment_edit", introduction) not in html


def test_the_summary_offers_a_lead_the_sign_off_of_a_complete_assessment(
    applicant, lead, introduction
):
    fill_both(introduction, applicant)

    html = client_for(lead).get(page("assessment_summary", introduction)).content.decode()

    assert page("assessment_sign_off", introduction, "equality") in html
    assert page("assessment_sign_off", introduction, "sustainability") in html


def test_a_lead_signs_off_through_the_confirmation_page(applicant, lead, introduction):
    fill_both(introduction, applicant)
    client = client_for(lead)
    url = page("assessment_sign_off", introduction, "sustainability")

    assert "By signing off you confirm" in client.get(url).content.decode()
    response = client.post(url, {"reason": "Reviewed at committee on 3 March"})

    assert response.status_code == 302
    assessment = SustainabilityAssessment.objects.get()
    assert assessment.signed_off_by == lead
    assert assessment.history.latest().history_change_reason == "Reviewed at committee on 3 March"


def test_the_sign_off_page_of_an_incomplete_assessment_lists_what_is_missing(
    applicant, lead, introduction
):
    equality_assessment_save(
        introduction=introduction, actor=applicant, data=equality_form(conclusion="")
    )

    response = client_for(lead).get(page("assessment_sign_off", introduction, "equality"))

    html = response.content.decode()
    assert "It cannot be signed off until it is complete" in html
    assert "The conclusion" in html
    assert "By signing off" not in html


def test_a_lead_gets_the_403_page_for_signing_off_their_own(make_introduction, lead_applicant):
    own = make_introduction("under_review", applicant=lead_applicant)
    fill_both(own, lead_applicant)

    response = client_for(lead_applicant).post(page("assessment_sign_off", own, "equality"))

    assert response.status_code == 403
    assert "your own application" in response.content.decode()
    assert EqualityAssessment.objects.get().signed_off_at is None


def test_an_unknown_kind_of_assessment_is_a_404(lead, introduction):
    response = client_for(lead).get(page("assessment_sign_off", introduction, "carbon"))

    assert response.status_code == 404


# --- the status on the introduction page ------------------------------------------------


def _status(introduction_pk: int, user) -> str:
    introduction = Introduction.objects.select_related(
        "equality_assessment", "sustainability_assessment"
    ).get(pk=introduction_pk)
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(
        "governance/introductions/includes/assessments_status.html",
        {"introduction": introduction, "user": user},
        request=request,
    )


def test_the_status_shows_each_assessment_and_the_viewers_next_step(
    applicant, lead, introduction, django_assert_num_queries
):
    equality_assessment_save(introduction=introduction, actor=applicant, data=equality_form())
    sustainability_assessment_save(
        introduction=introduction, actor=applicant, data={"waste": "Packaging"}
    )

    with django_assert_num_queries(3):  # the introduction, then the lead's roles and orgs
        html = _status(introduction.pk, lead)

    assert "Completed" in html and "Next: read it and sign it off" in html
    assert "In progress" in html
    applicants = _status(introduction.pk, applicant)
    assert "Next: a governance lead who is not the applicant signs it off" in applicants
    assert page("sustainability_assessment_edit", introduction) in applicants
    assert "answers to go" in applicants


def test_the_status_of_assessments_nobody_started(applicant, make_introduction):
    html = _status(make_introduction().pk, applicant)

    assert html.count("Not started") == 2
    assert html.count("Next: fill it in") == 2


def test_the_status_of_signed_off_assessments(applicant, lead, introduction):
    fill_both(introduction, applicant)
    for kind in ("equality", "sustainability"):
        assessment_sign_off(introduction=introduction, kind=kind, actor=lead)

    html = _status(introduction.pk, applicant)

    assert html.count("Signed off on") == 2
    assert html.count("nhsuk-tag--green") == 2


def test_each_answer_still_needed_links_to_its_question_on_the_form(applicant, lead, introduction):
    data = equality_form(conclusion="")
    data.pop(impact_field("age", "evidence"))
    equality_assessment_save(introduction=introduction, actor=applicant, data=data)
    age, other = part_page(introduction, "age"), part_page(introduction, "other")

    summary = client_for(lead).get(page("assessment_summary", introduction)).content.decode()
    sign_off = client_for(lead).get(page("assessment_sign_off", introduction, "equality"))

    for html in (summary, sign_off.content.decode()):
        assert f'<a class="nhsuk-link" href="{age}#id_age_evidence">The evidence about age</a>' in (
            html
        )
        assert f'href="{other}#id_conclusion_0">The conclusion</a>' in html
    assert 'id="id_age_evidence"' in client_for(applicant).get(age).content.decode()
    assert 'id="id_conclusion_0"' in client_for(applicant).get(other).content.decode()


def test_an_action_to_find_out_an_unknown_impact_past_its_date_is_flagged_overdue(
    applicant, introduction
):
    overdue = {
        impact_field("race", "impact"): "unknown",
        impact_field("race", "action"): "Audit interpreter use in the first 20 cases",
        impact_field("race", "action_owner"): "Spinal audit lead",
        impact_field("race", "action_due_day"): "1",
        impact_field("race", "action_due_month"): "3",
        impact_field("race", "action_due_year"): "2026",
    }
    response = save_equality(client_for(applicant), introduction, equality_form(**overdue))
    assert response.status_code == 302

    summary = client_for(applicant).get(page("assessment_summary", introduction)).content.decode()

    row = summary.split('data-testid="impact-race"')[1].split("</tr>")[0]
    assert "by 1 March 2026" in row
    assert 'data-testid="action-overdue">Overdue</strong>' in row
    assert 'data-testid="action-overdue"' not in summary.split('data-testid="impact-race"')[0]
