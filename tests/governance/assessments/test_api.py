"""The assessments' API (SPEC section 4): PUT and GET each assessment, sign each off, and the
approval that reads them; field-named 400s, 403, 404 and 409 with `unmet`; never a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.assessments.models import Characteristic, EqualityAssessment
from governance.introductions.workflow import Status

pytestmark = pytest.mark.django_db

CHARACTERISTICS = Characteristic.values


def impacts(**overrides: dict) -> list[dict]:
    """All nine, neutral with evidence; `overrides` by characteristic."""
    return [
        {
            "characteristic": c,
            "impact": "neutral",
            "evidence": "Local audit of the last 200 referrals.",
            "mitigation": "",
        }
        | overrides.get(c, {})
        for c in CHARACTERISTICS
    ]


def equality_body(**fields) -> dict:
    return {
        "impacts": impacts(),
        "health_inequalities": "Referral rates by deprivation quintile are monitored.",
        "accessible_information": "Leaflets in easy read and the five commonest languages.",
        "psed_aims": "Equal access, monitored uptake, patient panel engagement.",
        "conclusion": "no_change",
    } | fields


def sustainability_body(**fields) -> dict:
    return {
        "single_use_items": "One implant kit a case.",
        "reusable_items": "Two instrument trays.",
        "decontamination": "Two extra trays through sterile services a case.",
        "waste": "Packaging, mostly recyclable.",
        "energy": "Fluoroscopy for about two minutes.",
        "theatre_time_and_stay": "90 minutes against 150 for fusion; one night fewer.",
        "travel": "Follow-up at 3 months by video.",
        "supplier_carbon_plan": True,
        "kgco2e_per_case": 182.5,
        "rating": "neutral",
        "mitigations": "Reusable trays; video follow-up.",
    } | fields


def url(introduction, kind: str, sign_off: bool = False) -> str:
    path = f"/api/v1/introductions/{introduction.pk}/{kind}-assessment/"
    return path + "sign-off/" if sign_off else path


@pytest.fixture
def introduction(make_introduction):
    return make_introduction("under_review")


def fill_both(client, introduction) -> None:
    for kind, body in (("equality", equality_body()), ("sustainability", sustainability_body())):
        response = client.put(url(introduction, kind), body, format="json")
        assert response.status_code == 200, response.json()


# --- reading and filling in -------------------------------------------------------------


def test_an_assessment_nobody_started_reads_as_not_started(api_as, applicant, introduction):
    response = api_as(applicant).get(url(introduction, "equality"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "not_started"
    assert body["introduction"] == introduction.pk
    assert [item["characteristic"] for item in body["impacts"]] == CHARACTERISTICS
    assert body["impacts"][0]["impact"] is None
    assert "psed_aims" in body["missing"]
    assert body["signed_off_by"] is None


def test_the_applicant_puts_a_complete_equality_assessment(api_as, applicant, introduction):
    body = equality_body(
        impacts=impacts(
            religion_belief={"impact": "negative", "mitigation": "Cell salvage offered."},
            race={
                "impact": "unknown",
                "action": "Audit the ethnicity of patients offered the procedure.",
                "action_owner": "Dr A Patel",
                "action_due": "2026-09-30",
            },
        ),
        consent_capacity="Two-stage consent; capacity assessed.",
    )

    response = api_as(applicant).put(url(introduction, "equality"), body, format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "completed"
    assert data["missing"] == []
    race = data["impacts"][CHARACTERISTICS.index("race")]
    assert race == {
        "characteristic": "race",
        "impact": "unknown",
        "evidence": "Local audit of the last 200 referrals.",
        "mitigation": "",
        "action": "Audit the ethnicity of patients offered the procedure.",
        "action_owner": "Dr A Patel",
        "action_due": "2026-09-30",
    }
    saved = EqualityAssessment.objects.get(introduction=introduction)
    assert saved.religion_belief_mitigation == "Cell salvage offered."
    assert saved.history.get().history_user == applicant


def test_the_impacts_may_come_in_any_order(api_as, applicant, introduction):
    body = equality_body(impacts=list(reversed(impacts())))

    response = api_as(applicant).put(url(introduction, "equality"), body, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "completed"


def test_a_put_with_unanswered_impacts_is_saved_in_progress(api_as, applicant, introduction):
    body = equality_body(impacts=impacts(sex={"impact": None, "evidence": ""}))

    response = api_as(applicant).put(url(introduction, "equality"), body, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    assert response.json()["missing"] == ["impacts.sex.impact", "impacts.sex.evidence"]


def test_the_applicant_puts_the_sustainability_assessment(api_as, applicant, introduction):
    response = api_as(applicant).put(
        url(introduction, "sustainability"), sustainability_body(), format="json"
    )

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "completed"
    assert data["kgco2e_per_case"] == 182.5
    assert data["supplier_carbon_plan"] is True
    assert api_as(applicant).get(url(introduction, "sustainability")).json() == data


# --- 400s that name the field -----------------------------------------------------------


def test_a_negative_impact_without_mitigation_is_a_400_naming_the_characteristic(
    api_as, applicant, introduction
):
    body = equality_body(impacts=impacts(marriage_civil_partnership={"impact": "negative"}))

    response = api_as(applicant).put(url(introduction, "equality"), body, format="json")

    assert response.status_code == 400
    # DRF's shape for a list: the failing items' errors by index (marriage is the fourth).
    assert response.json() == {
        "impacts": {
            "3": {
                "mitigation": [
                    "Marriage and civil partnership: enter how the negative impact will be "
                    "mitigated."
                ]
            }
        }
    }
    assert not EqualityAssessment.objects.exists()


def test_an_unknown_impact_without_its_action_is_a_400_on_each_missing_part(
    api_as, applicant, introduction
):
    body = equality_body(impacts=impacts(age={"impact": "unknown", "action": "An audit."}))

    response = api_as(applicant).put(url(introduction, "equality"), body, format="json")

    assert response.status_code == 400
    assert sorted(response.json()["impacts"]["0"]) == ["action_due", "action_owner"]
    assert response.json()["impacts"]["0"]["action_owner"] == [
        "Age: enter who will find out the impact."
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (equality_body(impacts=impacts()[:8]), "impacts"),
        (equality_body(impacts=[*impacts(), impacts()[0]]), "impacts"),
        (equality_body(impacts=[]), "impacts"),
        (equality_body(impacts="all neutral"), "impacts"),
        (equality_body(conclusion="carry on"), "conclusion"),
        (equality_body(conclusion="continue"), "justification"),
        (equality_body(psed_aims="x" * 20_001), "psed_aims"),
        (equality_body(psed_aims="\x00"), "psed_aims"),
        ({k: v for k, v in equality_body().items() if k != "impacts"}, "impacts"),
    ],
)
def test_a_malformed_equality_body_is_a_400_naming_the_field(
    api_as, applicant, introduction, body, field
):
    response = api_as(applicant).put(url(introduction, "equality"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_text_with_a_lone_surrogate_is_a_400_not_a_500(api_as, applicant, introduction):
    raw = json.dumps(equality_body(psed_aims="\ud800"))  # json.dumps escapes it: ASCII

    response = api_as(applicant).put(
        url(introduction, "equality"), raw, content_type="application/json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["psed_aims"]


def test_a_missing_characteristic_is_named(api_as, applicant, introduction):
    body = equality_body(impacts=[i for i in impacts() if i["characteristic"] != "sex"])

    response = api_as(applicant).put(url(introduction, "equality"), body, format="json")

    assert "missing: sex" in response.json()["impacts"][0]


def test_an_impact_item_with_a_bad_value_is_a_400_at_its_index(api_as, applicant, introduction):
    body = equality_body(impacts=impacts(disability={"impact": "awful", "action_due": "soon"}))

    response = api_as(applicant).put(url(introduction, "equality"), body, format="json")

    assert sorted(response.json()["impacts"]["1"]) == ["action_due", "impact"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kgco2e_per_case": -1}, "kgco2e_per_case"),
        ({"kgco2e_per_case": "1e999"}, "kgco2e_per_case"),
        ({"kgco2e_per_case": "NaN"}, "kgco2e_per_case"),
        ({"rating": "negative", "mitigations": ""}, "mitigations"),
        ({"rating": "terrible"}, "rating"),
        ({"supplier_carbon_plan": "perhaps"}, "supplier_carbon_plan"),
    ],
)
def test_a_malformed_sustainability_body_is_a_400_naming_the_field(
    api_as, applicant, introduction, fields, field
):
    body = sustainability_body(**fields)

    response = api_as(applicant).put(url(introduction, "sustainability"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()


# --- who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["clinician", "admin_user"])
def test_other_members_read_but_do_not_fill_in(api_as, introduction, request, who):
    client = api_as(request.getfixturevalue(who))

    assert client.get(url(introduction, "equality")).status_code == 200
    response = client.put(url(introduction, "equality"), equality_body(), format="json")
    assert response.status_code == 403
    assert not EqualityAssessment.objects.exists()


def test_another_organisation_sees_nothing(api_as, other_org_lead, introduction):
    client = api_as(other_org_lead)

    assert client.get(url(introduction, "equality")).status_code == 404
    assert (
        client.put(url(introduction, "equality"), equality_body(), format="json").status_code == 404
    )
    assert client.post(url(introduction, "equality", sign_off=True)).status_code == 404


def test_without_signing_in_nothing_is_answered(api_client, introduction):
    assert api_client.get(url(introduction, "equality")).status_code in (401, 403)
    assert api_client.post(url(introduction, "sustainability", sign_off=True)).status_code in (
        401,
        403,
    )


def test_filling_in_a_decided_introduction_is_a_409(api_as, lead, make_introduction):
    decided = make_introduction("rejected")

    response = api_as(lead).put(
        url(decided, "sustainability"), sustainability_body(), format="json"
    )

    assert response.status_code == 409
    assert "decided" in response.json()["detail"]


# --- sign-off ---------------------------------------------------------------------------


def test_a_lead_signs_off_each_assessment(api_as, applicant, lead, introduction):
    fill_both(api_as(applicant), introduction)
    client = api_as(lead)

    for kind in ("equality", "sustainability"):
        response = client.post(url(introduction, kind, sign_off=True), {}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "signed_off"
        assert response.json()["signed_off_by"] == "lead"
        assert response.json()["signed_off_at"]


def test_a_lead_cannot_sign_off_their_own_application(api_as, make_introduction, lead_applicant):
    own = make_introduction("under_review", applicant=lead_applicant)
    client = api_as(lead_applicant)
    fill_both(client, own)

    response = client.post(url(own, "equality", sign_off=True))

    assert response.status_code == 403
    assert "your own application" in response.json()["detail"]


@pytest.mark.parametrize("who", ["applicant", "clinician", "admin_user"])
def test_only_a_governance_lead_signs_off(api_as, applicant, introduction, request, who):
    fill_both(api_as(applicant), introduction)

    response = api_as(request.getfixturevalue(who)).post(
        url(introduction, "sustainability", sign_off=True)
    )

    assert response.status_code == 403


def test_signing_off_an_incomplete_assessment_is_a_409_listing_what_is_missing(
    api_as, applicant, lead, introduction
):
    api_as(applicant).put(
        url(introduction, "equality"), equality_body(accessible_information=""), format="json"
    )

    response = api_as(lead).post(url(introduction, "equality", sign_off=True))

    assert response.status_code == 409
    assert response.json()["unmet"] == ["accessible_information"]
    assert "not complete" in response.json()["detail"]


def test_signing_off_twice_is_a_409(api_as, applicant, lead, other_lead, introduction):
    fill_both(api_as(applicant), introduction)
    api_as(lead).post(url(introduction, "equality", sign_off=True))

    response = api_as(other_lead).post(url(introduction, "equality", sign_off=True))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "The equality impact assessment is already signed off.",
        "unmet": [],
    }


def test_a_changed_answer_voids_the_sign_off(api_as, applicant, lead, introduction):
    fill_both(api_as(applicant), introduction)
    api_as(lead).post(url(introduction, "sustainability", sign_off=True))

    response = api_as(applicant).put(
        url(introduction, "sustainability"),
        sustainability_body(travel="More video clinics."),
        format="json",
    )

    assert response.json()["status"] == "completed"
    assert response.json()["signed_off_by"] is None


# --- approval ---------------------------------------------------------------------------


def approve(client, introduction):
    return client.post(
        f"/api/v1/introductions/{introduction.pk}/transitions/",
        {"action": "approve", "reason": "Committee agreed"},
        format="json",
    )


def test_approval_is_a_409_until_both_are_signed_off_then_succeeds(
    api_as, applicant, lead, introduction
):
    fill_both(api_as(applicant), introduction)
    client = api_as(lead)

    response = approve(client, introduction)
    assert response.status_code == 409
    assert response.json()["unmet"] == ["equality-assessment", "sustainability-assessment"]

    client.post(url(introduction, "equality", sign_off=True))
    assert approve(client, introduction).json()["unmet"] == ["sustainability-assessment"]

    client.post(url(introduction, "sustainability", sign_off=True))
    response = approve(client, introduction)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.APPROVED


# --- never a 500 ------------------------------------------------------------------------

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["", "negative", "unknown", "continue", "2026-02-30", "1e999", "NaN"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
impact_items = st.fixed_dictionaries(
    {},
    optional={
        "characteristic": st.sampled_from(CHARACTERISTICS) | json_values,
        "impact": st.sampled_from(["positive", "neutral", "negative", "unknown"]) | json_values,
        "evidence": json_values,
        "mitigation": json_values,
        "action": json_values,
        "action_owner": json_values,
        "action_due": st.dates().map(str) | json_values,
    },
)
equality_bodies = st.fixed_dictionaries(
    {},
    optional={
        "impacts": st.lists(impact_items, max_size=11) | json_values,
        "health_inequalities": json_values,
        "accessible_information": json_values,
        "consent_capacity": json_values,
        "psed_aims": json_values,
        "conclusion": st.sampled_from(["no_change", "adjust", "continue", "stop"]) | json_values,
        "justification": json_values,
    },
)
sustainability_bodies = st.fixed_dictionaries(
    {},
    optional={
        name: json_values
        for name in (
            "single_use_items",
            "reusable_items",
            "decontamination",
            "waste",
            "energy",
            "theatre_time_and_stay",
            "travel",
            "supplier_carbon_plan",
            "kgco2e_per_case",
            "rating",
            "mitigations",
        )
    },
)


@pytest.fixture
def client_and_introduction(api_as, applicant, make_introduction):
    return api_as(applicant), make_introduction("under_review")


@SETTINGS
@given(body=equality_bodies | json_values)
def test_putting_any_equality_body_answers_200_or_400(client_and_introduction, body):
    client, introduction = client_and_introduction

    response = client.put(url(introduction, "equality"), body, format="json")

    assert response.status_code in (200, 400), (body, response.content)


@SETTINGS
@given(body=sustainability_bodies | json_values)
def test_putting_any_sustainability_body_answers_200_or_400(client_and_introduction, body):
    client, introduction = client_and_introduction

    response = client.put(url(introduction, "sustainability"), body, format="json")

    assert response.status_code in (200, 400), (body, response.content)


@SETTINGS
@given(body=json_values)
def test_posting_any_sign_off_body_never_answers_500(api_as, lead, make_introduction, body):
    introduction = make_introduction("under_review")

    response = api_as(lead).post(url(introduction, "equality", sign_off=True), body, format="json")

    assert response.status_code in (400, 409), (body, response.content)
