"""GET /api/v1/guidance/ and /api/v1/guidance/{reference}/."""

from __future__ import annotations

import pytest

from tests.factories import GuidanceFactory, coding_ruleset

pytestmark = pytest.mark.django_db


def test_guidance_is_listed_and_read_by_reference(api_as, applicant):
    GuidanceFactory(
        reference="IPG366",
        title="Non-rigid stabilisation techniques for the treatment of low back pain",
        recommendation="special",
        supersedes="IPG183",
        ruleset=coding_ruleset("IPG366"),
    )
    GuidanceFactory(reference="IPG100", recommendation=None, ruleset=None)
    client = api_as(applicant)

    listed = client.get("/api/v1/guidance/").json()["results"]
    one = client.get("/api/v1/guidance/ipg366/")

    assert [g["reference"] for g in listed] == ["IPG100", "IPG366"]
    assert listed[0]["recommendation"] is None
    assert listed[0]["ruleset"] is None
    assert one.status_code == 200
    assert {k: one.json()[k] for k in ("reference", "recommendation", "supersedes", "ruleset")} == {
        "reference": "IPG366",
        "recommendation": "special",
        "supersedes": "IPG183",
        "ruleset": "IPG366",
    }


def test_unknown_guidance_is_404(api_as, applicant):
    assert api_as(applicant).get("/api/v1/guidance/IPG1/").status_code == 404


def test_guidance_is_read_only(api_as, admin_user):
    response = api_as(admin_user).post("/api/v1/guidance/", {"reference": "IPG1"}, format="json")

    assert response.status_code == 405


def test_people_without_a_role_cannot_read_guidance(api_as, outsider):
    assert api_as(outsider).get("/api/v1/guidance/").status_code == 403


def test_the_schema_documents_the_governance_api(client, lead):
    client.force_login(lead)

    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    for path in (
        "/api/v1/guidance/",
        "/api/v1/guidance/{reference}/",
        "/api/v1/introductions/",
        "/api/v1/introductions/{id}/",
        "/api/v1/introductions/{id}/transitions/",
        "/api/v1/introductions/{id}/history/",
        "/api/v1/conditions/{id}/meet/",
        "/api/v1/reviews/{id}/complete/",
    ):
        assert path in paths
    assert set(paths["/api/v1/introductions/{id}/transitions/"]) >= {"get", "post"}
