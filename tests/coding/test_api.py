"""The coding API: validate (400 naming the field for bad input, never 500), rule sets and
the catalogue, read only, for signed-in users with a role."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding import services
from tests.coding.conftest import TRUD_SAMPLE

pytestmark = pytest.mark.django_db

VALIDATE = "/api/v1/coding/validate/"


def body(**overrides):
    return {"ruleset": "IPG366", "codes": ["V40.1", "Z67.6"], "context": {}, **overrides}


def test_validate_returns_the_result_object(api_as, applicant, ipg366):
    response = api_as(applicant).post(VALIDATE, body(), format="json")

    assert response.status_code == 200
    assert response.json() == services.coding_validate(
        ruleset_name="IPG366", codes=["V40.1", "Z67.6"], context={}
    )
    assert response.json()["issues"][0]["rule"] == "levels-missing"


def test_validate_applies_the_context(api_as, lead, ipg366):
    context = {"approach": "percutaneous", "image_guidance": "ultrasound", "levels": 1}

    response = api_as(lead).post(
        VALIDATE, body(codes=["V40.1", "V55.1", "Z67.6"], context=context), format="json"
    )

    assert response.json()["suggested"] == ["V40.1", "V55.1", "Y53.2", "Z67.6"]


def test_validate_works_without_a_context(api_as, admin_user, ipg366):
    response = api_as(admin_user).post(
        VALIDATE, {"ruleset": "ipg366", "codes": ["V40.1"]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["ruleset"] == "IPG366"


NOT_A_CHOICE = "is not a valid choice."
MALFORMED = [
    (
        body(codes=["V40.1"] * 25),
        {"codes": ["25 codes, more than the 24 an episode holds (OPERTN_01 to OPERTN_24)."]},
    ),
    (body(codes="V40.1 Z67.6"), {"codes": ['Expected a list of items but got type "str".']}),
    (body(codes=[]), {"codes": ["This list may not be empty."]}),
    (
        body(codes=["V40.1", 401]),
        {"codes": {"1": ['Each code must be a string, such as "V40.1".']}},
    ),
    (body(ruleset="IPG000"), {"ruleset": ["Unknown rule set 'IPG000'. Rule sets: IPG366."]}),
    (
        body(context={"approach": "keyhole"}),
        {"context": {"approach": [f'"keyhole" {NOT_A_CHOICE}']}},
    ),
    (
        body(context={"image_guidance": "x-ray"}),
        {"context": {"image_guidance": [f'"x-ray" {NOT_A_CHOICE}']}},
    ),
    (
        body(context={"levels": 0}),
        {"context": {"levels": ["Ensure this value is greater than or equal to 1."]}},
    ),
    (body(context={"levels": True}), {"context": {"levels": ["A valid integer is required."]}}),
    (
        body(context="percutaneous"),
        {"context": {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}},
    ),
]


@pytest.mark.parametrize(("payload", "errors"), MALFORMED)
def test_a_malformed_request_is_a_400_naming_the_field(api_as, applicant, ipg366, payload, errors):
    response = api_as(applicant).post(VALIDATE, payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors


def test_a_body_that_is_not_json_is_a_400(api_as, applicant, ipg366):
    response = api_as(applicant).post(VALIDATE, "{not json", content_type="application/json")

    assert response.status_code == 400


def test_anonymous_callers_are_refused(api_client, ipg366):
    response = api_client.post(VALIDATE, body(), format="json")

    assert response.status_code in (401, 403)


def test_signed_in_users_without_a_role_are_refused(api_as, outsider, ipg366):
    assert api_as(outsider).post(VALIDATE, body(), format="json").status_code == 403
    assert api_as(outsider).get("/api/v1/coding/rulesets/").status_code == 403
    assert api_as(outsider).get("/api/v1/coding/codes/").status_code == 403


def test_a_token_authenticates_the_caller(client, applicant, ipg366):
    token = client.post(
        "/api/v1/auth/token/",
        {"username": "applicant", "password": "correct-horse-battery"},
        content_type="application/json",
    ).json()["token"]

    response = client.post(
        VALIDATE, body(), content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
    )

    assert response.status_code == 200


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
code_like = st.sampled_from(["V40.1", "v401", "V55.-", "Z67.6", "Y53.4", "", " ", "X", "V55.9"])
bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "ruleset": st.sampled_from(["IPG366", "ipg366", "", "IPG0"]) | json_values,
            "codes": st.lists(code_like | json_values, max_size=30) | json_values,
            "context": st.fixed_dictionaries(
                {},
                optional={
                    "approach": st.sampled_from(["open", "percutaneous", "", None]) | json_values,
                    "image_guidance": st.sampled_from(["ct", "none", None]) | json_values,
                    "levels": st.integers() | json_values,
                },
            )
            | json_values,
        },
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=bodies)
def test_no_json_body_gets_a_500(api_as, applicant, ipg366, payload):
    response = api_as(applicant).post(VALIDATE, payload, format="json")

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert set(response.json()) == {
            "valid", "codes", "issues", "suggested", "ruleset", "ruleset_version",
        }  # fmt: skip


# Rule sets ------------------------------------------------------------------------------------


def test_rule_sets_are_listed_with_their_version_and_link(api_as, applicant, ipg366):
    response = api_as(applicant).get("/api/v1/coding/rulesets/")

    assert response.status_code == 200
    [listed] = response.json()
    assert (listed["name"], listed["version"]) == ("IPG366", 1)
    assert listed["url"].endswith("/api/v1/coding/rulesets/IPG366/")


def test_a_rule_set_is_read_with_its_definition(api_as, applicant, ipg366):
    response = api_as(applicant).get("/api/v1/coding/rulesets/ipg366/")

    assert response.status_code == 200
    assert response.json()["definition"] == ipg366.definition
    assert response.json()["version"] == 1


def test_a_rule_sets_history_says_who_changed_what_and_why(api_as, lead, admin_user, ipg366):
    definition = {**ipg366.definition, "approach_map": {"fluoroscopy": "Y53.4"}}
    services.ruleset_update(
        ruleset=ipg366, definition=definition, actor=admin_user, reason="No ultrasound"
    )

    history = api_as(lead).get("/api/v1/coding/rulesets/IPG366/history/").json()

    assert [(v["version"], v["reason"]) for v in history] == [
        (2, "No ultrasound"),
        (1, "Seeded on install"),
    ]
    assert history[0]["changes"][0]["field"] == "approach_map"
    assert history[0]["user"] == admin_user.get_full_name()


def test_an_unknown_rule_set_is_a_404(api_as, applicant, ipg366):
    assert api_as(applicant).get("/api/v1/coding/rulesets/IPG000/").status_code == 404


def test_rule_sets_cannot_be_written_through_the_api(api_as, admin_user, ipg366):
    client = api_as(admin_user)

    assert client.put("/api/v1/coding/rulesets/IPG366/", {}, format="json").status_code == 405
    assert client.delete("/api/v1/coding/rulesets/IPG366/").status_code == 405


# Catalogue ------------------------------------------------------------------------------------


def test_the_catalogue_lists_codes_and_says_it_is_partial(api_as, applicant):
    data = api_as(applicant).get("/api/v1/coding/codes/").json()

    assert data["catalogue"]["full"] is False
    assert data["catalogue"]["latest_release"]["full"] is False
    assert data["count"] == data["catalogue"]["code_count"] == 18
    assert data["results"][0] == {
        "code": "V28.1",
        "title": "Primary insertion of lumbar interspinous process spacer",
        "source": "NICE IPG365 coding recommendations",
        "is_category": False,
    }


@pytest.mark.parametrize(
    ("q", "codes"),
    [("v401", ["V40.1"]), ("V55", ["V55", "V55.1", "V55.9"]), ("lumbosacral", ["Z67.6"])],
)
def test_the_catalogue_is_searched_by_code_in_any_spelling_or_by_title(api_as, applicant, q, codes):
    data = api_as(applicant).get("/api/v1/coding/codes/", {"q": q}).json()

    assert [c["code"] for c in data["results"]] == codes


def test_the_catalogue_is_full_once_a_release_is_loaded(api_as, applicant):
    services.catalogue_load(path=TRUD_SAMPLE, name="OPCS-4.10")

    data = api_as(applicant).get("/api/v1/coding/codes/").json()

    assert data["catalogue"]["full"] is True
    assert data["catalogue"]["latest_release"]["name"] == "OPCS-4.10"


def test_the_catalogue_is_paginated_in_a_fixed_number_of_queries(
    api_as, applicant, django_assert_num_queries
):
    services.catalogue_load(path=TRUD_SAMPLE)
    client = api_as(applicant)
    client.get("/api/v1/coding/codes/")  # the forced user keeps its roles from here on

    # count, page of codes, latest release, code count: however many codes there are
    with django_assert_num_queries(4):
        data = client.get("/api/v1/coding/codes/", {"page": 1}).json()

    assert len(data["results"]) == 22
    assert data["next"] is None


def test_the_schema_describes_the_coding_endpoints(api_as, applicant):
    schema = api_as(applicant).get("/api/schema/", {"format": "json"}).json()

    paths = schema["paths"]
    assert "/api/v1/coding/validate/" in paths
    assert paths["/api/v1/coding/validate/"]["post"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"] == {"$ref": "#/components/schemas/Result"}
    assert "/api/v1/coding/rulesets/{name}/" in paths
    assert "catalogue" in schema["components"]["schemas"]["CodePage"]["properties"]
