"""The case pages: the introduction's case list, the quick form with its coding check, the case
page with its suggestion, failure flags and outcomes; who may see and do what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from governance.cases import services, views
from governance.cases.models import Case, Outcome
from governance.errors import Concurrency
from tests.factories import ConditionFactory, DeviceFactory

from .conftest import INVALID, TODAY, VALID
from .pages import case_form, date_fields, url

pytestmark = pytest.mark.django_db


def record(case, actor, timepoint, **values):
    values.setdefault("collected_on", TODAY)
    return services.outcome_record(case=case, actor=actor, timepoint=timepoint, **values)


def rows(html: str) -> list[int]:
    """The case ids of the case table's rows, in order."""
    return [int(pk) for pk in re.findall(r'role="row" data-case="(\d+)"', html)]


# --- the case list -------------------------------------------------------------------------


def test_the_case_list_shows_the_cases_newest_first_with_their_tags(client, applicant, log_case):
    older = log_case(days_ago=10, codes=INVALID)
    newer = log_case(days_ago=1, device_failure=True)
    client.force_login(applicant)

    response = client.get(url("case_list", older.introduction_id))

    assert response.status_code == 200
    assert rows(response.text) == [newer.pk, older.pk]
    html = response.text
    row = html.split(f'data-case="{older.pk}"')[1].split("</tr>")[0]
    assert "Needs attention" in row and ">Failure<" not in row
    row = html.split(f'data-case="{newer.pk}"')[1].split("</tr>")[0]
    assert ">Valid<" in row and ">Failure<" in row
    assert "2 cases" in html
    assert f'href="{url("case_new", older.introduction_id)}"' in html


@pytest.mark.parametrize(
    ("show", "expected"),
    [("attention", ["invalid"]), ("failed", ["failed"]), ("follow_up", ["old"]), ("", None)],
)
def test_the_case_list_filters_by_coding_failure_and_follow_up(
    client, applicant, log_case, show, expected
):
    made = {
        "invalid": log_case(days_ago=1, codes=INVALID),
        "failed": log_case(days_ago=2, major_complication=True),
        "old": log_case(days_ago=50),  # its 6 weeks follow-up is due
    }
    client.force_login(applicant)

    response = client.get(url("case_list", made["old"].introduction_id), {"show": show})

    wanted = expected or ["invalid", "failed", "old"]
    assert rows(response.text) == [made[name].pk for name in wanted]
    assert 'aria-current="page"' in response.text


def test_the_follow_up_filter_leaves_out_cases_whose_follow_up_is_recorded(
    client, applicant, log_case
):
    done = log_case(days_ago=50)
    record(done, applicant, "6w", collected_on=TODAY - timedelta(days=5))
    due = log_case(days_ago=49)
    client.force_login(applicant)

    response = client.get(url("case_list", due.introduction_id), {"show": "follow_up"})

    assert rows(response.text) == [due.pk]
    assert "Follow-up due or overdue (1)" in response.text


def test_the_case_list_pages_by_cursor_both_ways(client, applicant, log_case, monkeypatch):
    monkeypatch.setattr(views, "CASE_PAGE_SIZE", 2)
    cases = [log_case(days_ago=days) for days in (1, 2, 2, 3, 4)]  # two on one day
    newest_first = sorted(cases, key=lambda c: (c.performed_on, c.pk), reverse=True)
    client.force_login(applicant)
    first = client.get(url("case_list", cases[0].introduction_id))
    assert rows(first.text) == [c.pk for c in newest_first[:2]]
    assert 'rel="prev"' not in first.text

    second = client.get(first.context["next_url"])
    third = client.get(second.context["next_url"])
    back = client.get(third.context["previous_url"])

    assert rows(second.text) == [c.pk for c in newest_first[2:4]]
    assert rows(third.text) == [newest_first[4].pk]
    assert third.context["next_url"] is None
    assert rows(back.text) == rows(second.text)
    assert rows(client.get(back.context["previous_url"]).text) == rows(first.text)


@pytest.mark.parametrize(
    "cursor", ["nonsense", "2026-13-40.1", "2026-01-01.99999999999999999999999", "2026-01-01.-4"]
)
def test_a_cursor_that_is_not_one_shows_the_first_page(client, applicant, log_case, cursor):
    case = log_case()
    client.force_login(applicant)

    response = client.get(url("case_list", case.introduction_id), {"after": cursor})

    assert response.status_code == 200
    assert rows(response.text) == [case.pk]


def test_a_suspended_introduction_says_so_instead_of_offering_a_case(client, applicant, live):
    live.status = "suspended"
    live.save()
    client.force_login(applicant)

    response = client.get(url("case_list", live.pk))

    assert "Log a case" not in response.text
    assert (
        "Cases can be logged only under an approved or adopted introduction; this one is "
        "suspended." in response.text
    )


def test_an_administrator_reads_the_cases_but_is_offered_no_case_to_log(
    client, admin_user, log_case
):
    case = log_case()
    client.force_login(admin_user)

    listed = client.get(url("case_list", case.introduction_id))
    new = client.get(url("case_new", case.introduction_id))

    assert rows(listed.text) == [case.pk]
    assert "Log a case" not in listed.text and "cases-conflict" not in listed.text
    assert new.status_code == 403
    assert "Only a clinician or governance lead may log cases" in new.text


@pytest.mark.parametrize(
    "page", ["case_list", "case_new", "operator_list", "case_detail", "case_change", "outcome_new"]
)
def test_another_trust_finds_nothing(client, other_org_lead, log_case, page):
    case = log_case()
    client.force_login(other_org_lead)
    on_case = page in ("case_detail", "case_change", "outcome_new")

    response = client.get(url(page, case.pk if on_case else case.introduction_id))

    assert response.status_code == 404


def test_another_trust_cannot_check_or_apply_coding(client, other_org_lead, log_case):
    case = log_case(codes=INVALID)
    client.force_login(other_org_lead)

    check = client.post(url("case_check", case.introduction_id), {"codes": "V40.1"})
    apply = client.post(url("case_apply_suggestion", case.pk), {"codes": " ".join(VALID)})

    assert check.status_code == apply.status_code == 404
    case.refresh_from_db()
    assert case.coding_valid is False


# --- the quick form ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_quick_form_is_refused_under_a_suspended_introduction_naming_the_state(
    client, applicant, live, method
):
    live.status = "suspended"
    live.save()
    client.force_login(applicant)

    response = getattr(client, method)(url("case_new", live.pk), case_form(applicant))

    assert response.status_code == 409
    assert (
        "Cases can be logged only under an approved or adopted introduction; this one is "
        "suspended." in response.text
    )
    assert not Case.objects.exists()


def test_the_quick_form_defaults_to_today_and_the_clinician_themselves(client, applicant, live):
    client.force_login(applicant)

    form = client.get(url("case_new", live.pk)).context["form"]

    assert form.initial["performed_on"] == TODAY
    assert form.initial["operator"] == str(applicant.pk)
    assert "codes" not in form.initial
    assert "mentor" not in form.fields  # no condition asks for one


def test_the_quick_form_takes_the_rest_from_the_clinicians_last_case(
    client, applicant, clinician, live, log_case, device
):
    log_case(days_ago=3, codes=INVALID, levels=2)
    log_case(days_ago=5, device=device, device_lot="LOT-7", operator=clinician, levels=1,
             image_guidance="ultrasound", codes=["V40.1", "V55.1", "Y53.2", "Z67.6"],
             nhs_number="9434765919", local_reference="H1")  # fmt: skip
    log_case(days_ago=1, actor=clinician, codes=["V40.1"])  # someone else's: not a default
    client.force_login(applicant)

    response = client.get(url("case_new", live.pk))

    initial = response.context["form"].initial
    assert initial["performed_on"] == TODAY  # the date is today's, not the last case's
    assert initial["operator"] == str(clinician.pk)
    assert initial["device"] == str(device.pk) and initial["device_lot"] == "LOT-7"
    assert (initial["approach"], initial["image_guidance"], initial["levels"]) == (
        "percutaneous",
        "ultrasound",
        1,
    )
    assert initial["codes"] == "V40.1 V55.1 Y53.2 Z67.6"
    assert "nhs_number" not in initial and "local_reference" not in initial
    assert 'data-testid="coding-verdict">Valid' in response.text  # the prefilled codes, checked


def test_the_device_choices_are_the_introductions_devices_only(client, applicant, live, device):
    DeviceFactory(name="Another system")
    client.force_login(applicant)

    form = client.get(url("case_new", live.pk)).context["form"]

    assert [value for value, _ in form.fields["device"].choices] == ["", str(device.pk)]


def test_the_mentor_field_is_shown_with_its_hint_when_a_condition_asks(client, applicant, live):
    ConditionFactory(introduction=live, text="A mentor attends the first 5 cases.")
    client.force_login(applicant)

    response = client.get(url("case_new", live.pk))

    assert "mentor" in response.context["form"].fields
    assert "asks for a mentor at the first 5 cases" in response.text


def test_saving_the_quick_form_logs_the_case_and_opens_it_with_a_banner(client, applicant, live):
    client.force_login(applicant)

    response = client.post(
        url("case_new", live.pk), case_form(applicant, nhs_number="943 476 5919"), follow=True
    )

    case = Case.objects.get()
    assert response.redirect_chain == [(url("case_detail", case.pk), 302)]
    assert "Case logged. Its OPCS-4 coding is valid." in response.text
    assert case.nhs_number == "9434765919" and case.local_reference == "H100200"
    assert case.coding.codes == VALID and case.logged_by == applicant


def test_invalid_coding_is_saved_and_the_banner_says_it_needs_attention(client, applicant, live):
    client.force_login(applicant)

    response = client.post(
        url("case_new", live.pk), case_form(applicant, codes=INVALID), follow=True
    )

    case = Case.objects.get()
    assert case.coding_valid is False
    assert "Case logged, but its OPCS-4 coding needs attention" in response.text
    assert "Apply the suggested coding" in response.text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"levels": "99999999999999999999999"}, "levels", "99 or fewer"),
        ({"levels": "two"}, "levels", "whole number"),
        (date_fields("performed_on", (1, 1, "0001")), "performed_on", "1990 or later"),
        (date_fields("performed_on", (10**20, 1, 2026)), "performed_on", "must be a real date"),
        (date_fields("performed_on", TODAY + timedelta(days=1)), "performed_on", "future"),
        ({"local_reference": "x" * 5000}, "local_reference", "must be 50 characters or fewer"),
        ({"device_lot": "x" * 5000}, "device_lot", "must be 100 characters or fewer"),
        ({"nhs_number": "943 476 5918"}, "nhs_number", "check digit is wrong"),
        ({"nhs_number": "9" * 5000}, "nhs_number", "10 digits"),
        ({"codes": "V40.1 " * 25}, "codes", "24 codes or fewer"),
        ({"codes": "V" * 5000}, "codes", "500 characters or fewer"),
        ({"codes": "  "}, "codes", "Enter the OPCS-4 codes"),
        ({"operator": "99999999999999999999"}, "operator", "Choose an operator from the list"),
        ({"device": "12345"}, "device", "devices approved for this introduction"),
    ],
)
def test_bad_input_is_a_form_error_naming_the_field_and_nothing_typed_is_lost(
    client, applicant, live, fields, field, message
):
    client.force_login(applicant)
    data = case_form(applicant, local_reference="H555", device_lot="LOT-1")
    data.update(fields)

    response = client.post(url("case_new", live.pk), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert f'href="#id_{field}"' in response.text  # the error summary links to the field
    assert not Case.objects.exists()
    for name in ("local_reference", "device_lot", "codes"):
        if name not in fields:
            assert form[name].value() == data[name]


def test_the_check_answers_the_coding_result_with_the_suggestion_one_click_away(
    client, applicant, live
):
    client.force_login(applicant)

    response = client.post(
        url("case_check", live.pk),
        {"codes": "v40.1, Z67.6", "approach": "percutaneous", "image_guidance": "fluoroscopy",
         "levels": "1", "performed_on_day": "", "nhs_number": "not read"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'data-testid="coding-verdict">Not valid' in response.text
    assert "levels-missing" in response.text and "approach-missing" in response.text
    assert 'data-fill-codes="V40.1 V55.1 Y53.4 Z67.6"' in response.text
    assert "Use the suggested coding" in response.text


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"codes": ""}, "Type the codes to check them against"),
        ({"codes": "V40.1 " * 25}, "Enter 24 codes or fewer"),
        ({"codes": "V40.1", "levels": "0"}, "Spinal levels treated must be 1 or more"),
    ],
)
def test_the_check_says_what_it_cannot_check(client, applicant, live, data, text):
    client.force_login(applicant)

    response = client.post(url("case_check", live.pk), data, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert text in response.text


def test_an_administrator_may_not_use_the_check(client, admin_user, live):
    client.force_login(admin_user)

    assert client.post(url("case_check", live.pk), {"codes": "V40.1"}).status_code == 403


def test_without_javascript_the_suggestion_fills_the_codes_and_saves_nothing(
    client, applicant, live
):
    client.force_login(applicant)
    data = case_form(applicant, codes=INVALID, local_reference="H777")
    data["use_suggested"] = " ".join(VALID)

    response = client.post(url("case_new", live.pk), data)

    assert not Case.objects.exists()
    form = response.context["form"]
    assert form["codes"].value() == " ".join(VALID)
    assert form["local_reference"].value() == "H777"
    assert 'data-testid="coding-verdict">Valid' in response.text


# --- the case page -------------------------------------------------------------------------


def test_the_case_page_shows_the_nhs_number_in_full_to_the_clinical_team(
    client, applicant, admin_user, log_case
):
    case = log_case(nhs_number="9434765919")

    client.force_login(applicant)
    assert "943 476 5919" in client.get(url("case_detail", case.pk)).text
    client.force_login(admin_user)
    page = client.get(url("case_detail", case.pk)).text
    assert "943 476 5919" not in page and "*** *** 5919" in page
    assert "Apply the suggested coding" not in page and "Record an outcome" not in page


def test_the_case_page_shows_the_coding_issues_and_the_suggestion(client, applicant, log_case):
    case = log_case(codes=INVALID)
    client.force_login(applicant)

    html = client.get(url("case_detail", case.pk)).text

    assert 'data-testid="case-coding">Needs attention' in html
    assert "levels-missing" in html
    assert 'name="codes" value="V40.1 V55.1 Y53.4 Z67.6"' in html


def test_the_suggestion_is_applied_through_case_update_and_the_history_says_so(
    client, applicant, log_case
):
    case = log_case(codes=INVALID)
    client.force_login(applicant)

    response = client.post(
        url("case_apply_suggestion", case.pk), {"codes": " ".join(VALID)}, follow=True
    )

    case.refresh_from_db()
    assert case.coding.codes == VALID and case.coding_valid is True
    assert case.history.latest("history_id").history_change_reason == "Suggested coding applied"
    assert "The suggested coding has been applied. The coding is valid." in response.text
    assert 'data-testid="case-coding">Valid' in response.text


def test_a_suggestion_no_longer_shown_is_not_applied(client, applicant, log_case):
    case = log_case(codes=INVALID)
    client.force_login(applicant)

    response = client.post(
        url("case_apply_suggestion", case.pk), {"codes": "V40.1 V55.9 Z67.6"}, follow=True
    )

    case.refresh_from_db()
    assert case.coding.codes == INVALID
    assert "The coding changed since the page was opened" in response.text


def test_a_lead_sees_what_needs_attention_and_a_clinician_does_not(
    client, applicant, lead, log_case
):
    case = log_case(codes=INVALID)

    client.force_login(lead)
    lead_page = client.get(url("case_detail", case.pk)).text
    client.force_login(applicant)
    clinician_page = client.get(url("case_detail", case.pk)).text

    assert "is not an approved operator of this introduction" in lead_page
    assert 'data-testid="attention"' not in clinician_page


def test_the_failure_form_records_a_reoperation_and_a_device_failure(client, applicant, log_case):
    case = log_case(days_ago=30)
    client.force_login(applicant)
    data = {
        **date_fields("reoperation_on", TODAY - timedelta(days=2)),
        "failures": ["device_failure"],
    }

    response = client.post(url("case_failure", case.pk), data, follow=True)

    case.refresh_from_db()
    assert case.reoperation_on == TODAY - timedelta(days=2)
    assert case.device_failure is True and case.major_complication is False
    assert case.history.latest("history_id").history_change_reason == "Failure flags changed"
    assert 'data-testid="case-failure">Failure' in response.text


def test_a_reoperation_before_the_procedure_is_an_error_on_its_field(client, applicant, log_case):
    case = log_case(days_ago=3)
    client.force_login(applicant)

    response = client.post(
        url("case_failure", case.pk), date_fields("reoperation_on", TODAY - timedelta(days=10))
    )

    assert "cannot be before the procedure" in " ".join(
        response.context["form"].errors["reoperation_on"]
    )


def test_changing_a_case_needs_a_reason_and_keeps_it(client, applicant, log_case):
    case = log_case(device_lot="LOT-1")
    client.force_login(applicant)
    data = case_form(applicant, device_lot="LOT-2", local_reference="")

    refused = client.post(url("case_change", case.pk), data)
    data["reason"] = "Lot number mistyped"
    client.post(url("case_change", case.pk), data)

    assert "Enter why you are changing the case" in refused.text
    case.refresh_from_db()
    assert case.device_lot == "LOT-2"
    assert case.history.latest("history_id").history_change_reason == "Lot number mistyped"


def test_the_change_form_opens_filled_in_with_the_case(client, applicant, log_case):
    case = log_case(nhs_number="9434765919", codes=INVALID)
    client.force_login(applicant)

    form = client.get(url("case_change", case.pk)).context["form"]

    assert form.initial["nhs_number"] == "943 476 5919"
    assert form.initial["codes"] == " ".join(INVALID)


# --- outcomes ------------------------------------------------------------------------------


def test_the_outcome_form_offers_the_time_point_due_now(client, applicant, log_case):
    case = log_case(days_ago=90)  # 3 months: due now; 6 weeks overdue
    record(case, applicant, "baseline", collected_on=TODAY - timedelta(days=91))
    client.force_login(applicant)

    form = client.get(url("outcome_new", case.pk)).context["form"]

    assert form.initial["timepoint"] == "3m"
    assert [value for value, _ in form.fields["timepoint"].choices] == [
        "6w", "3m", "6m", "12m", "24m"
    ]  # fmt: skip


def test_the_outcome_form_offers_the_baseline_of_a_new_case(client, applicant, log_case):
    case = log_case(days_ago=0)
    client.force_login(applicant)

    assert (
        client.get(url("outcome_new", case.pk)).context["form"].initial["timepoint"] == "baseline"
    )


def test_an_outcome_is_recorded_and_shown_on_the_case(client, applicant, log_case):
    case = log_case(days_ago=45)
    client.force_login(applicant)
    data = {"timepoint": "6w", **date_fields("collected_on", TODAY), "odi": "32",
            "back_pain": "3", "leg_pain": "2", "eq5d_index": "0.725"}  # fmt: skip

    response = client.post(url("outcome_new", case.pk), data, follow=True)

    outcome = Outcome.objects.get()
    assert (outcome.timepoint, outcome.odi, str(outcome.eq5d_index)) == ("6w", 32, "0.725")
    assert "The 6 weeks outcome has been recorded" in response.text
    row = response.text.split('data-timepoint="6w"')[1].split("</tr>")[0]
    assert ">Done<" in row and "32" in row


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"odi": "101"}, "odi", "100 or less"),
        ({"odi": "9" * 40}, "odi", "100 or less"),
        ({"back_pain": "-1"}, "back_pain", "0 or more"),
        ({"leg_pain": "eleven"}, "leg_pain", "whole number"),
        ({"eq5d_index": "2"}, "eq5d_index", "1 or less"),
        ({"eq5d_index": "0.12345"}, "eq5d_index", "3 decimal places"),
        ({"eq5d_index": "1e999999"}, "eq5d_index", ""),
        ({"timepoint": ""}, "timepoint", "Choose the time point"),
        (date_fields("collected_on", TODAY + timedelta(days=3)), "collected_on", "future"),
        (date_fields("collected_on", (1, 1, "0001")), "collected_on", "1990 or later"),
        (date_fields("collected_on", TODAY - timedelta(days=40)), "collected_on",
         "collected after the procedure"),
    ],
)  # fmt: skip
def test_outcome_errors_name_their_field(client, applicant, log_case, fields, field, message):
    case = log_case(days_ago=30)
    client.force_login(applicant)
    data = {"timepoint": "6w", **date_fields("collected_on", TODAY), "odi": "40"}
    data.update(fields)

    response = client.post(url("outcome_new", case.pk), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert f'href="#id_{field}' in response.text
    assert not Outcome.objects.exists()


def test_a_time_point_already_recorded_is_not_offered_again(client, applicant, log_case):
    case = log_case(days_ago=45)
    record(case, applicant, "6w")
    client.force_login(applicant)

    response = client.post(
        url("outcome_new", case.pk), {"timepoint": "6w", **date_fields("collected_on", TODAY)}
    )

    assert "Choose a time point not yet recorded" in response.text
    assert Outcome.objects.count() == 1


def test_outcomes_are_recorded_under_a_suspended_introduction(client, applicant, log_case, live):
    case = log_case(days_ago=45)
    live.status = "suspended"
    live.save()
    client.force_login(applicant)

    client.post(
        url("outcome_new", case.pk), {"timepoint": "6w", **date_fields("collected_on", TODAY)}
    )

    assert Outcome.objects.filter(case=case).exists()


def test_the_introduction_page_shows_its_cases(client, applicant, log_case, live):
    log_case(days_ago=2, codes=INVALID)
    log_case(days_ago=1, reoperation_on=TODAY)
    client.force_login(applicant)

    html = client.get(reverse("governance:introduction_detail", args=[live.pk])).text

    section = html.split('data-testid="introduction-cases"')[1].split("</section>")[0]
    assert 'data-testid="cases-count">2<' in section
    assert "?show=failed" in section and "?show=attention" in section
    assert len(rows(section)) == 2
    assert "Log a case" in section and "Approved operators" in section


def test_the_introduction_page_has_no_cases_section_before_approval(
    client, applicant, make_introduction
):
    introduction = make_introduction("submitted")
    client.force_login(applicant)

    html = client.get(reverse("governance:introduction_detail", args=[introduction.pk])).text

    assert 'data-testid="introduction-cases"' not in html


def test_a_lock_held_too_long_comes_back_on_the_form_with_nothing_lost(
    client, applicant, live, monkeypatch
):
    def busy(**kwargs):
        raise Concurrency("Another change to this introduction is being saved: try again.")

    monkeypatch.setattr(services, "case_log", busy)
    client.force_login(applicant)

    response = client.post(url("case_new", live.pk), case_form(applicant, local_reference="H9"))

    assert "Another change to this introduction is being saved" in response.text
    assert response.context["form"]["local_reference"].value() == "H9"
