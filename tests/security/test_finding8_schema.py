"""Finding 8: the OpenAPI schema did not match the answers. `signed_off_at` and `updated_at`
were declared non-null and came back null; 400 and 404 answers were undocumented; `limit` and
`page_size` had no bounds (and a page size out of bounds was silently replaced); nested
payloads were offered as form and multipart bodies, which cannot express them.

What a client generated from /api/schema/ relies on, checked against the answers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import IntroductionFactory

pytestmark = pytest.mark.django_db

SCHEMA = "/api/schema/"
JSON = "application/json"
MULTIPART = "multipart/form-data"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def schema(api_as, applicant) -> dict[str, Any]:
    return api_as(applicant).get(SCHEMA, {"format": "json"}).json()


def _operations(schema: dict[str, Any]):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _component(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _response_schema(schema, path: str, method: str, code: str) -> dict[str, Any]:
    found = schema["paths"][path][method]["responses"][code]["content"][JSON]["schema"]
    return _component(schema, found["$ref"]) if "$ref" in found else found


# --- nullable -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["equality-assessment", "sustainability-assessment"])
def test_what_an_assessment_answers_as_null_the_schema_declares_nullable(
    api_as, applicant, schema, kind
):
    introduction = IntroductionFactory(applicant=applicant)  # no assessment begun
    path = f"/api/v1/introductions/{{id}}/{kind}/"

    answer = api_as(applicant).get(f"/api/v1/introductions/{introduction.pk}/{kind}/").json()

    declared = _response_schema(schema, path, "get", "200")["properties"]
    nulls = [name for name, value in answer.items() if value is None]
    assert {"signed_off_at", "updated_at"} <= set(nulls)
    for name in nulls:
        assert declared[name].get("nullable") is True, name


# --- errors ---------------------------------------------------------------------------------


def test_every_operation_documents_its_error_answers_with_their_bodies(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        where = f"{method.upper()} {path}"
        if path != "/api/v1/auth/token/":  # the only door open without signing in
            assert {"401", "403"} <= set(responses), where
        if "{" in path:
            assert "404" in responses, where
        has_query = any(p["in"] == "query" for p in operation.get("parameters", []))
        if "requestBody" in operation or has_query:
            assert "400" in responses, where
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                assert JSON in response.get("content", {}), f"{where} {code}"


def test_a_workflow_conflict_is_documented_as_detail_and_unmet(schema):
    conflict = _response_schema(schema, "/api/v1/introductions/{id}/transitions/", "post", "409")

    assert set(conflict["properties"]) == {"detail", "unmet"}
    assert conflict["properties"]["unmet"]["type"] == "array"


# --- paging ---------------------------------------------------------------------------------


def _parameter(schema, path: str, name: str) -> dict[str, Any]:
    parameters = schema["paths"][path]["get"]["parameters"]
    return next(p for p in parameters if p["name"] == name)["schema"]


@pytest.mark.parametrize(
    ("path", "name", "maximum"),
    [
        ("/api/v1/adverse-events/", "page_size", 200),
        ("/api/v1/introductions/{id}/cases/", "page_size", 200),
        ("/api/v1/cases/{id}/outcomes/", "page_size", 200),
        ("/api/v1/reconciliations/{id}/findings/", "page_size", 200),
        ("/api/v1/history/", "limit", 500),
        ("/api/v1/introductions/{id}/history/", "limit", 500),
        ("/api/v1/introductions/", "page", None),
    ],
)
def test_page_sizes_and_numbers_have_their_bounds_in_the_schema(schema, path, name, maximum):
    bounds = _parameter(schema, path, name)

    assert bounds["minimum"] == 1
    assert bounds.get("maximum") == maximum


@pytest.mark.parametrize("page_size", ["0", "-1", "201", "ten", "1.5", "\uff19"])
def test_a_page_size_out_of_bounds_is_a_400_naming_it(api_as, applicant, page_size):
    response = api_as(applicant).get("/api/v1/adverse-events/", {"page_size": page_size})

    assert response.status_code == 400
    assert response.json() == {"page_size": ["Give a whole number from 1 to 200."]}


def test_the_largest_page_size_is_taken(api_as, applicant):
    response = api_as(applicant).get("/api/v1/adverse-events/", {"page_size": "200"})

    assert response.status_code == 200


def test_a_cursor_that_is_not_one_is_a_400_naming_it(api_as, applicant):
    response = api_as(applicant).get("/api/v1/adverse-events/", {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


@pytest.mark.parametrize("page", ["0", "two", "99"])
def test_a_page_number_that_is_not_a_page_is_a_400_naming_it(api_as, applicant, page):
    IntroductionFactory(applicant=applicant)

    response = api_as(applicant).get("/api/v1/introductions/", {"page": page})

    assert response.status_code == 400
    assert list(response.json()) == ["page"]


# --- request bodies -------------------------------------------------------------------------


def test_request_bodies_are_json_only_except_the_file_upload(schema):
    for path, method, operation in _operations(schema):
        body = operation.get("requestBody")
        if body is None:
            continue
        media_types = list(body["content"])
        if path == "/api/v1/reconciliations/":  # the one real file upload
            assert media_types == [MULTIPART]
            properties = _component(schema, body["content"][MULTIPART]["schema"]["$ref"])
            assert properties["properties"]["file"]["format"] == "binary"
        else:
            assert media_types == [JSON], f"{method.upper()} {path}"


def test_input_bodies_declare_that_unknown_keys_are_refused(schema):
    body = schema["paths"]["/api/v1/introductions/{id}/"]["patch"]["requestBody"]
    component = _component(schema, body["content"][JSON]["schema"]["$ref"])

    assert component["additionalProperties"] is False
    assert "status" not in component["properties"]
