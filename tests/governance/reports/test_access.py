"""Who reads the committee report: whoever may read the introduction (a member of its
organisation with a role); another organisation's lead and a user without a role get the 404
every page of an introduction gives; the signed-out are sent to sign in."""

from __future__ import annotations

import pytest

from .conftest import pdf_url, report_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def introduction(make_introduction):
    return make_introduction("submitted")


@pytest.mark.parametrize("persona", ["applicant", "clinician", "lead", "admin_user"])
def test_the_organisations_people_read_the_page(client, request, persona, introduction):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(report_url(introduction)).status_code == 200


def test_another_organisations_lead_gets_404_for_the_page_and_the_pdf(
    client, other_org_lead, introduction
):
    client.force_login(other_org_lead)

    assert client.get(report_url(introduction)).status_code == 404
    assert client.get(pdf_url(introduction)).status_code == 404


def test_a_member_without_a_role_gets_404(client, outsider, organisation, introduction):
    organisation.members.add(outsider)
    client.force_login(outsider)

    assert client.get(report_url(introduction)).status_code == 404


def test_signed_out_the_report_asks_to_sign_in(client, introduction):
    for url in (report_url(introduction), pdf_url(introduction)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/sign-in/" in response["Location"]


def test_the_report_is_only_read(client, lead, introduction):
    client.force_login(lead)

    assert client.post(report_url(introduction)).status_code == 405
    assert client.post(pdf_url(introduction)).status_code == 405
