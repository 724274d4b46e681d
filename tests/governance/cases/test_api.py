"""The cases API (SPEC.md sections 4 and 5): log, read and change a case; its shape, who may,
in which state, and the errors by field."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from django.core.management import call_command

from governance import roles
from governance.cases import services
from governance.cases.models import Case
from governance.permissions import NO_ROLE
from tests.factories import ConditionFactory, DeviceFactory, IntroductionFactory, UserFactory

from .conftest import CONTEXT, INVALID, TODAY, VALID

pytestmark = pytest.mark.django_db

LOG_REFUSAL = "Only a clinician or governance lead may log cases, outcomes and adverse events."


def cases_url(introduction) -> str:
    return f"/api/v1/introductions/{introduction.pk}/cases/"


def case_url(case) -> str:
    return f"/api/v1/cases/{case.pk}/"


def body(**overrides):
    data = {
        "performed_on": (TODAY - timedelta(days=3)).isoformat(),
        "nhs_number": "943 476 5919",
        "local_reference": "H123456",
        "codes": VALID,
        **CONTEXT,
    }
    data.update(overrides)
    return data


def test_a_clinician_logs_a_case_and_gets_201_with_its_id_and_the_coding_result(
    api_as, applicant, live, ipg366
):
    response = api_as(applicant).post(cases_url(live), body(), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    case = Case.objects.get(pk=data["id"])
    assert data["coding"] == {
        "valid": True,
        "codes": VALID,
        "issues": [],
        "suggested": VALID,
        "ruleset": "IPG366",
        "ruleset_version": ipg366.version,
    }
    assert (data["operator"], data["logged_by"], data["introduction"]) == (
        "applicant",
        "applicant",
        live.pk,
    )
    assert (data["nhs_number"], data["nhs_number_masked"]) == ("9434765919", "*** *** 5919")
    assert (case.operator, case.nhs_number, case.coding_valid) == (applicant, "9434765919", True)
    assert case.history.get().history_change_reason == "Case logged"


def test_the_case_shows_its_failure_follow_up_and_what_needs_attention(api_as, applicant, live):
    response = api_as(applicant).post(
        cases_url(live),
        body(performed_on=(TODAY - timedelta(days=42)).isoformat(), major_complication=True),
        format="json",
    )

    data = response.json()
    assert (data["failed"], data["failure_flags"]) == (True, ["Major complication"])
    assert data["follow_up"] == {
        "6w": "due",
        "3m": "not_yet",
        "6m": "not_yet",
        "12m": "not_yet",
        "24m": "not_yet",
    }
    assert data["attention"] == [
        f"{applicant.get_full_name()} is not an approved operator of this introduction."
    ]
    assert set(data) >= {
        "id",
        "performed_on",
        "local_reference",
        "mentor",
        "approach",
        "image_guidance",
        "levels",
        "device",
        "device_lot",
        "codes",
        "reoperation_on",
        "device_failure",
        "major_complication",
    }


def test_invalid_coding_is_saved_with_201_and_flagged(api_as, applicant, live):
    response = api_as(applicant).post(cases_url(live), body(codes=INVALID), format="json")

    assert response.status_code == 201
    data = response.json()
    assert data["coding"]["valid"] is False
    assert data["coding"]["suggested"] == VALID
    assert {issue["rule"] for issue in data["coding"]["issues"]} >= {"levels-missing"}
    assert "The OPCS-4 coding has errors." in data["attention"]
    assert Case.objects.get(pk=data["id"]).coding_valid is False


def test_the_operator_is_given_by_username_and_the_device_by_id(
    api_as, applicant, lead, live, device
):
    response = api_as(applicant).post(
        cases_url(live),
        body(operator="lead", device=device.pk, device_lot="LOT-7", mentor="Ms A Surgeon"),
        format="json",
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["operator"], data["logged_by"], data["device"], data["device_lot"]) == (
        "lead",
        "applicant",
        device.pk,
        "LOT-7",
    )


def test_an_operator_whose_username_is_all_digits_is_found_by_username(
    api_as, applicant, organisation, live
):
    digits = UserFactory(username="1234567", roles=[roles.CLINICIAN])
    organisation.members.add(digits)

    response = api_as(applicant).post(cases_url(live), body(operator="1234567"), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["operator"] == "1234567"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"nhs_number": "943 476 5918"},
            "nhs_number",
            "This is not a valid NHS number: its check digit is wrong.",
        ),
        (
            {"nhs_number": "12345"},
            "nhs_number",
            "Enter the NHS number as 10 digits, such as 943 476 5919.",
        ),
        (
            {"performed_on": (TODAY + timedelta(days=1)).isoformat()},
            "performed_on",
            "The date of the procedure cannot be in the future.",
        ),
        (
            {"operator": "nobody"},
            "operator",
            "Choose an operator who belongs to the introduction's organisation.",
        ),
        (
            {"operator": "other_org_lead"},
            "operator",
            "Choose an operator who belongs to the introduction's organisation.",
        ),
        (
            {"device": 999999},
            "device",
            "Choose one of the devices approved for this introduction.",
        ),
        (
            {"reoperation_on": "2000-01-01"},
            "reoperation_on",
            "The reoperation cannot be before the procedure.",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(
    api_as, applicant, live, other_org_lead, overrides, field, message
):
    response = api_as(applicant).post(cases_url(live), body(**overrides), format="json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not Case.objects.exists()


def test_more_than_24_codes_is_a_400_on_codes(api_as, applicant, live):
    response = api_as(applicant).post(cases_url(live), body(codes=["V40.1"] * 25), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["codes"]


def test_a_device_not_approved_for_the_introduction_is_a_400_on_device(api_as, applicant, live):
    elsewhere = DeviceFactory(name="Another system")

    response = api_as(applicant).post(cases_url(live), body(device=elsewhere.pk), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["device"]


@pytest.mark.parametrize("status", ["draft", "submitted", "suspended", "withdrawn"])
def test_no_case_is_logged_unless_approved_or_adopted_409_naming_the_state(
    api_as, applicant, live, status
):
    live.status = status
    live.save()

    response = api_as(applicant).post(cases_url(live), {"codes": "garbage"}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Cases can be logged only under an approved or adopted introduction; "
        f"this one is {status}.",
        "unmet": [],
    }
    assert not Case.objects.exists()


def test_an_adopted_introduction_takes_cases(api_as, applicant, live):
    live.status = "adopted"
    live.save()

    assert api_as(applicant).post(cases_url(live), body(), format="json").status_code == 201


def test_an_administrator_reads_cases_but_may_not_log_one(api_as, admin_user, live, log_case):
    case = log_case(nhs_number="9434765919")
    client = api_as(admin_user)

    refused = client.post(cases_url(live), body(), format="json")
    listed = client.get(cases_url(live))
    read = client.get(case_url(case))

    assert refused.status_code == 403
    assert refused.json() == {"detail": LOG_REFUSAL}
    assert listed.status_code == 200
    assert read.status_code == 200
    # The NHS number is the clinical team's: an administrator sees it masked.
    assert listed.json()["results"][0]["nhs_number"] == "*** *** 5919"
    assert read.json()["nhs_number"] == "*** *** 5919"
    assert Case.objects.count() == 1


def test_the_clinical_team_sees_the_nhs_number_in_full(api_as, lead, log_case):
    case = log_case(nhs_number="9434765919")

    data = api_as(lead).get(case_url(case)).json()

    assert (data["nhs_number"], data["nhs_number_masked"]) == ("9434765919", "*** *** 5919")


def test_a_user_without_a_role_is_refused_with_403(api_as, outsider, organisation, live, log_case):
    organisation.members.add(outsider)
    case = log_case()
    client = api_as(outsider)

    for response in (
        client.get(cases_url(live)),
        client.post(cases_url(live), body(), format="json"),
        client.get(case_url(case)),
        client.patch(case_url(case), {"mentor": "x"}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json() == {"detail": NO_ROLE}


def test_anonymous_callers_are_refused(api_client, live, log_case):
    case = log_case()

    assert api_client.get(cases_url(live)).status_code in (401, 403)
    assert api_client.get(case_url(case)).status_code in (401, 403)


def test_another_organisations_introduction_and_cases_are_404(
    api_as, other_org_lead, live, log_case
):
    case = log_case()
    client = api_as(other_org_lead)

    assert client.get(cases_url(live)).status_code == 404
    assert client.post(cases_url(live), body(), format="json").status_code == 404
    assert client.get(case_url(case)).status_code == 404
    assert client.patch(case_url(case), {"device_failure": True}, format="json").status_code == 404
    assert client.get(f"/api/v1/cases/{case.pk}/outcomes/").status_code == 404
    assert Case.objects.get(pk=case.pk).device_failure is False


def test_an_unknown_introduction_or_case_is_404(api_as, applicant, live):
    client = api_as(applicant)

    assert client.get("/api/v1/introductions/999999/cases/").status_code == 404
    assert client.get("/api/v1/cases/999999/").status_code == 404


def test_the_list_flags_each_first_case_a_condition_wants_a_mentor_at(api_as, lead, live, log_case):
    ConditionFactory(introduction=live, text="A mentor attends the first 2 cases.")
    services.operator_add(
        introduction=live, user=lead, evidence="Course", approved_on=TODAY, actor=lead
    )
    first = log_case(days_ago=5, operator=lead)
    second = log_case(days_ago=4, operator=lead, mentor="Ms A Surgeon")
    third = log_case(days_ago=3, operator=lead)

    rows = api_as(lead).get(cases_url(live)).json()["results"]

    assert {row["id"]: row["attention"] for row in rows} == {
        first.pk: ["A condition asks for a mentor at the first 2 cases; none is recorded."],
        second.pk: [],
        third.pk: [],
    }


# --- changing a case -------------------------------------------------------------------------


def test_a_case_is_changed_with_its_failure_flags_and_the_reason_goes_into_its_history(
    api_as, applicant, log_case
):
    case = log_case(days_ago=10)

    response = api_as(applicant).patch(
        case_url(case),
        {
            "reoperation_on": (TODAY - timedelta(days=2)).isoformat(),
            "device_failure": True,
            "reason": "Reoperated for a loose screw",
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["failed"] is True
    assert data["failure_flags"] == [
        f"Reoperation on {TODAY - timedelta(days=2):%-d %B %Y}",
        "Device failure",
    ]
    case.refresh_from_db()
    assert case.device_failure is True
    assert case.history.order_by("-history_id").first().history_change_reason == (
        "Reoperated for a loose screw"
    )


def test_new_codes_are_validated_again(api_as, applicant, log_case):
    case = log_case(codes=INVALID)

    response = api_as(applicant).patch(case_url(case), {"codes": VALID}, format="json")

    assert response.status_code == 200
    assert response.json()["coding"]["valid"] is True
    assert response.json()["codes"] == VALID
    case.refresh_from_db()
    assert (case.coding_valid, case.coding.codes) == (True, VALID)


def test_a_change_without_a_reason_is_recorded_as_a_case_change(api_as, applicant, log_case):
    case = log_case()

    api_as(applicant).patch(case_url(case), {"mentor": "Mr B Mentor"}, format="json")

    case.refresh_from_db()
    assert case.mentor == "Mr B Mentor"
    assert case.history.order_by("-history_id").first().history_change_reason == "Case changed"


def test_a_case_may_be_changed_after_the_introduction_is_suspended(api_as, lead, live, log_case):
    case = log_case()
    live.status = "suspended"
    live.save()

    response = api_as(lead).patch(case_url(case), {"major_complication": True}, format="json")

    assert response.status_code == 200
    assert response.json()["failed"] is True


def test_a_bad_change_is_a_400_naming_the_field(api_as, applicant, log_case):
    case = log_case(days_ago=10)

    response = api_as(applicant).patch(
        case_url(case), {"performed_on": (TODAY + timedelta(days=5)).isoformat()}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "performed_on": ["The date of the procedure cannot be in the future."]
    }


def test_an_administrator_may_not_change_a_case(api_as, admin_user, log_case):
    case = log_case()

    response = api_as(admin_user).patch(case_url(case), {"device_failure": True}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": LOG_REFUSAL}
    assert Case.objects.get(pk=case.pk).device_failure is False


def test_a_case_of_another_introduction_of_ours_is_read_at_its_own_address(
    api_as, applicant, log_case, ipg366
):
    other = IntroductionFactory(status="adopted", applicant=applicant, guidance__ruleset=ipg366)
    case = log_case(introduction=other)

    data = api_as(applicant).get(case_url(case)).json()

    assert data["introduction"] == other.pk


def test_the_schema_describes_the_cases_api(tmp_path):
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    assert set(paths["/api/v1/introductions/{id}/cases/"]) == {"get", "post"}
    assert set(paths["/api/v1/cases/{id}/"]) == {"get", "patch"}
    assert set(paths["/api/v1/cases/{id}/outcomes/"]) == {"get", "post"}
    assert set(paths["/api/v1/introductions/{id}/operators/"]) == {"get", "post"}
    assert set(paths["/api/v1/introductions/{id}/monitoring/"]) == {"get"}
    listed = schema["components"]["schemas"]["PaginatedCaseList"]["properties"]
    assert set(listed) == {"next", "previous", "results"}
    listing = paths["/api/v1/introductions/{id}/cases/"]["get"]
    parameters = {parameter["name"] for parameter in listing["parameters"]}
    assert parameters >= {"coding", "failed", "follow_up", "cursor", "page_size"}
