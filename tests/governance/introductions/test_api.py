"""The introductions API (SPEC.md section 4): create, read, edit, scoping and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import Introduction
from tests.factories import DeviceFactory, GuidanceFactory, IntroductionFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/introductions/"


def _body(**overrides):
    body = {
        "guidance": "IPG366",
        "title": "Non-rigid stabilisation for chronic low back pain",
        "department": "Spinal surgery",
        "rationale": "Avoids fusion in selected patients.",
        "consent_arrangements": "NICE leaflet and two-stage consent.",
        "audit_plan": "Every case in the local audit.",
        "research_ethics_reference": "",
        "monitoring": {
            "first_review_after_cases": 10,
            "review_interval_months": 6,
            "cusum_p0": 0.11,
            "cusum_p1": 0.22,
            "cusum_h": 4.0,
        },
    }
    body.update(overrides)
    return body


@pytest.fixture
def ipg366(db):
    return GuidanceFactory(reference="IPG366", recommendation="special")


def test_a_clinician_creates_a_draft_and_gets_201_with_its_id_status_and_applicant(
    api_as, applicant, ipg366, organisation
):
    response = api_as(applicant).post(URL, _body(), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["applicant"], data["organisation"], data["guidance"]) == (
        "draft",
        "applicant",
        organisation.ods_code,
        "IPG366",
    )
    assert data["monitoring"] == _body()["monitoring"]
    assert data["allowed_actions"] == ["submit", "cancel"]
    introduction = Introduction.objects.get(pk=data["id"])
    assert (introduction.applicant, introduction.cusum_p1) == (applicant, 0.22)


def test_the_organisation_may_be_given_by_its_ods_code(api_as, applicant, ipg366, organisation):
    response = api_as(applicant).post(
        URL, _body(organisation=organisation.ods_code.lower()), format="json"
    )

    assert response.status_code == 201


@pytest.mark.parametrize("code", ["RXX", "NOPE1"])
def test_another_or_an_unknown_organisation_is_a_400_on_organisation(
    api_as, applicant, ipg366, other_organisation, code
):
    response = api_as(applicant).post(URL, _body(organisation=code), format="json")

    assert response.status_code == 400
    assert "organisation" in response.json()
    assert not Introduction.objects.exists()


def test_a_member_of_several_organisations_must_say_which(api_as, applicant, ipg366):
    OrganisationFactory(ods_code="RYY").members.add(applicant)

    response = api_as(applicant).post(URL, _body(), format="json")

    assert response.status_code == 400
    assert "organisation" in response.json()


def test_an_unknown_guidance_reference_is_a_400_on_guidance(api_as, applicant):
    response = api_as(applicant).post(URL, _body(guidance="IPG999"), format="json")

    assert response.status_code == 400
    assert "IPG999" in response.json()["guidance"][0]


@pytest.mark.parametrize(
    ("monitoring", "field"),
    [
        ({"cusum_p0": 0.3, "cusum_p1": 0.2}, "cusum_p1"),
        ({"cusum_p0": 1.2}, "cusum_p0"),
        ({"cusum_h": 0}, "cusum_h"),
        ({"review_interval_months": 0}, "review_interval_months"),
        ({"first_review_after_cases": "ten"}, "first_review_after_cases"),
    ],
)
def test_a_bad_monitoring_plan_is_a_400_naming_the_field_under_monitoring(
    api_as, applicant, ipg366, monitoring, field
):
    response = api_as(applicant).post(
        URL, _body(monitoring={**_body()["monitoring"], **monitoring}), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["monitoring"]


@pytest.mark.parametrize("planned_start", ["01/03/2026", "2026-13-01", "soon"])
def test_a_malformed_planned_start_is_a_400_on_planned_start(
    api_as, applicant, ipg366, planned_start
):
    response = api_as(applicant).post(URL, _body(planned_start=planned_start), format="json")

    assert response.status_code == 400
    assert "planned_start" in response.json()


def test_devices_are_given_by_id(api_as, applicant, ipg366):
    device = DeviceFactory()

    response = api_as(applicant).post(URL, _body(devices=[device.pk]), format="json")

    assert response.status_code == 201
    assert [d["id"] for d in response.json()["devices"]] == [device.pk]


@pytest.mark.parametrize("persona", ["admin_user", "outsider"])
def test_administrators_and_people_without_a_role_cannot_apply(request, api_as, ipg366, persona):
    response = api_as(request.getfixturevalue(persona)).post(URL, _body(), format="json")

    assert response.status_code == 403
    assert not Introduction.objects.exists()


def test_anonymous_callers_reach_nothing(api_client, make_introduction):
    introduction = make_introduction()

    assert api_client.get(URL).status_code in (401, 403)
    assert api_client.get(f"{URL}{introduction.pk}/").status_code in (401, 403)
    assert api_client.post(URL, _body(), format="json").status_code in (401, 403)


def test_the_list_shows_only_the_callers_organisations_introductions(
    api_as, make_introduction, lead, other_org_lead, other_organisation
):
    ours = make_introduction("submitted")
    theirs = IntroductionFactory(
        organisation=other_organisation, applicant=other_org_lead, status="submitted"
    )

    ours_seen = [row["id"] for row in api_as(lead).get(URL).json()["results"]]
    theirs_seen = [row["id"] for row in api_as(other_org_lead).get(URL).json()["results"]]

    assert ours_seen == [ours.pk]
    assert theirs_seen == [theirs.pk]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"title": "Taken over"}),
        ("get", "transitions/", None),
        ("post", "transitions/", {"action": "start_review"}),
        ("get", "history/", None),
        ("get", "history/export/", None),
    ],
)
def test_another_organisations_introduction_is_404_whatever_the_request(
    api_as, make_introduction, other_org_lead, method, suffix, body
):
    introduction = make_introduction("submitted")

    client = api_as(other_org_lead)
    response = getattr(client, method)(f"{URL}{introduction.pk}/{suffix}", body, format="json")

    assert response.status_code == 404
    introduction.refresh_from_db()
    assert (introduction.status, introduction.title) == ("submitted", introduction.title)


def test_a_list_filtered_by_status(api_as, make_introduction, lead):
    make_introduction("draft")
    submitted = make_introduction("submitted")

    response = api_as(lead).get(URL, {"status": "submitted"})

    assert [row["id"] for row in response.json()["results"]] == [submitted.pk]
    assert api_as(lead).get(URL, {"status": "nonsense"}).status_code == 400


@pytest.mark.parametrize("persona", ["applicant", "lead", "admin_user"])
def test_every_role_reads_an_introduction_with_its_allowed_actions(
    request, api_as, make_introduction, persona
):
    introduction = make_introduction("submitted")
    user = request.getfixturevalue(persona)

    response = api_as(user).get(f"{URL}{introduction.pk}/")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "submitted"
    assert data["allowed_actions"] == introduction.allowed_actions(user)
    assert data["unmet_for_approval"] == ["equality-assessment", "sustainability-assessment"]


def test_the_applicant_patches_a_draft_and_the_monitoring_plan_merges(
    api_as, make_introduction, applicant
):
    introduction = make_introduction(cusum_h=3.5, cusum_p0=0.1)

    response = api_as(applicant).patch(
        f"{URL}{introduction.pk}/",
        {"department": "Neurosurgery", "monitoring": {"cusum_h": 5}, "reason": "Moved"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    introduction.refresh_from_db()
    assert (introduction.department, introduction.cusum_h, introduction.cusum_p0) == (
        "Neurosurgery",
        5.0,
        0.1,
    )
    assert introduction.history.first().history_change_reason == "Moved"


@pytest.mark.parametrize("persona", ["lead", "admin_user", "clinician"])
def test_another_persons_draft_is_not_found_in_the_api(request, api_as, make_introduction, persona):
    draft = make_introduction(title="Not yet ready")
    client = api_as(request.getfixturevalue(persona))

    listed = [row["id"] for row in client.get(URL).json()["results"]]
    opened = client.get(f"{URL}{draft.pk}/")

    assert draft.pk not in listed
    assert opened.status_code == 404


@pytest.mark.parametrize("persona", ["lead", "admin_user", "clinician"])
def test_only_the_applicant_patches(request, api_as, make_introduction, persona):
    introduction = make_introduction("changes_requested")

    response = api_as(request.getfixturevalue(persona)).patch(
        f"{URL}{introduction.pk}/", {"title": "Mine now"}, format="json"
    )

    assert response.status_code == 403
    introduction.refresh_from_db()
    assert introduction.title != "Mine now"


def test_a_submitted_application_cannot_be_patched(api_as, make_introduction, applicant):
    introduction = make_introduction("submitted")

    response = api_as(applicant).patch(f"{URL}{introduction.pk}/", {"title": "x"}, format="json")

    assert response.status_code == 409


@pytest.mark.parametrize("field", ["organisation", "status", "applicant"])
def test_organisation_status_and_applicant_cannot_be_patched(
    api_as, make_introduction, applicant, field
):
    introduction = make_introduction()

    response = api_as(applicant).patch(
        f"{URL}{introduction.pk}/", {field: "approved"}, format="json"
    )

    introduction.refresh_from_db()
    assert introduction.status == "draft"
    assert introduction.applicant == applicant
    # refused, not ignored (issue 14, finding 7): the client learns the field was not changed
    assert response.status_code == 400
    assert field in response.json()


def test_put_and_delete_are_not_offered(api_as, make_introduction, applicant):
    introduction = make_introduction()
    client = api_as(applicant)

    assert client.put(f"{URL}{introduction.pk}/", _body(), format="json").status_code == 405
    assert client.delete(f"{URL}{introduction.pk}/").status_code == 405
    assert Introduction.objects.filter(pk=introduction.pk).exists()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_3_or_30_introductions(
    api_as, make_introduction, lead, django_assert_max_num_queries
):
    client = api_as(lead)
    for _ in range(3):
        make_introduction("submitted")
    few = _queries(client, URL)
    for _ in range(27):
        introduction = make_introduction("submitted")
        introduction.device_links.create(device=DeviceFactory())

    with django_assert_max_num_queries(few):
        response = client.get(URL)
    assert len(response.json()["results"]) == 30
    assert few <= 8
