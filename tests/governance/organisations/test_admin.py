"""The Django admin: reference data editable by administrators, introductions read-only and
scoped, history never reverted."""

from __future__ import annotations

import pytest

from governance.models import Guidance
from tests.factories import GuidanceFactory, IntroductionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_an_administrator_manages_guidance_and_the_change_is_recorded(admin_client, admin_user):
    guidance = GuidanceFactory(reference="IPG366", recommendation=None)

    page = admin_client.get("/admin/governance/guidance/")
    response = admin_client.post(
        f"/admin/governance/guidance/{guidance.pk}/change/",
        {
            "reference": "IPG366",
            "title": guidance.title,
            "url": guidance.url,
            "recommendation": "special",
            "supersedes": "IPG183",
            "ruleset": guidance.ruleset_id,
        },
    )

    assert page.status_code == 200
    assert response.status_code == 302
    guidance.refresh_from_db()
    assert guidance.recommendation == "special"
    record = guidance.history.first()
    assert (record.history_user, record.history_change_reason) == (
        admin_user,
        "Changed in the administration site",
    )


def test_introductions_are_read_only_and_scoped_to_the_organisation(
    admin_client, make_introduction, other_organisation, other_org_lead
):
    ours = make_introduction()
    theirs = IntroductionFactory(organisation=other_organisation, applicant=other_org_lead)

    listing = admin_client.get("/admin/governance/introduction/")
    change = admin_client.post(f"/admin/governance/introduction/{ours.pk}/change/", {})

    assert listing.status_code == 200
    assert ours.title.encode() in listing.content
    assert theirs.title.encode() not in listing.content
    assert admin_client.get("/admin/governance/introduction/add/").status_code == 403
    assert change.status_code == 403
    assert admin_client.get(f"/admin/governance/introduction/{theirs.pk}/change/").status_code in (
        302,
        404,
    )


def test_history_cannot_be_reverted_in_the_admin(admin_client):
    guidance = GuidanceFactory(reference="IPG366", title="Original")
    guidance.title = "Changed"
    guidance.save()
    first = guidance.history.last()

    response = admin_client.post(
        f"/admin/governance/guidance/{guidance.pk}/history/{first.history_id}/",
        {"reference": "IPG366", "title": "Original"},
    )

    assert response.status_code == 403
    assert Guidance.objects.get(pk=guidance.pk).title == "Changed"


def test_clinicians_have_no_admin(client, applicant):
    applicant.is_staff = True
    applicant.save()
    client.force_login(applicant)

    assert client.get("/admin/governance/guidance/").status_code == 403
