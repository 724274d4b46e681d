"""The Django admin, for superusers only: reference data editable through the services with
the superuser's own reason, users' roles given and taken on record, introductions read-only,
history never reverted; everybody else is sent to its sign-in page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from governance import roles
from governance.models import Device, Guidance, Membership, Organisation, RoleGrant
from tests.factories import (
    DeviceFactory,
    GuidanceFactory,
    UserFactory,
    coding_ruleset,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    # The Django admin is for superusers: this administrator is one too.
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    return client


def history(instance) -> list[tuple]:
    """(type, user, reason) of each history row of `instance`, newest first."""
    return [
        (row.history_type, row.history_user, row.history_change_reason)
        for row in instance.history.all()
    ]


# --- guidance -----------------------------------------------------------------------------


def guidance_form(guidance, **changes) -> dict:
    return {
        "reference": guidance.reference,
        "title": guidance.title,
        "url": guidance.url,
        "recommendation": guidance.recommendation or "",
        "supersedes": guidance.supersedes,
        "ruleset": guidance.ruleset_id or "",
        **changes,
    }


def test_an_administrator_changes_guidance_through_the_services_with_their_reason(
    admin_client, admin_user
):
    guidance = GuidanceFactory(reference="IPG366", recommendation=None, title="Old title")

    page = admin_client.get(f"/admin/governance/guidance/{guidance.pk}/change/")
    response = admin_client.post(
        f"/admin/governance/guidance/{guidance.pk}/change/",
        guidance_form(
            guidance,
            reference="IPG999",  # read-only once made: import_guidance finds it by reference
            title="New title",
            url="",
            supersedes="ipg183",
            recommendation="special",
            reason="NICE revised the page",
        ),
    )

    assert page.status_code == 200
    assert 'name="reason"' in page.text
    assert response.status_code == 302
    guidance.refresh_from_db()
    assert (guidance.reference, guidance.title, guidance.url, guidance.supersedes) == (
        "IPG366",
        "New title",
        "",
        "IPG183",
    )
    assert guidance.recommendation == "special"
    assert history(guidance) == [
        ("~", admin_user, "NICE revised the page"),  # guidance_set_recommendation
        ("~", admin_user, "NICE revised the page"),  # guidance_update
        ("+", None, None),  # the factory
    ]
    recorded, updated = guidance.history.all()[:2]
    assert (updated.recommendation, recorded.recommendation) == (None, "special")


def test_an_administrator_adds_guidance_and_its_recommendation_on_record(admin_client, admin_user):
    response = admin_client.post(
        "/admin/governance/guidance/add/",
        {
            "reference": "ipg 999",
            "title": "A new procedure",
            "url": "https://www.nice.org.uk/guidance/ipg999",
            "recommendation": "standard",
            "supersedes": "",
            "ruleset": coding_ruleset().pk,
            "reason": "Published this week",
        },
    )

    assert response.status_code == 302
    guidance = Guidance.objects.get(reference="IPG999")
    assert guidance.recommendation == "standard"
    assert history(guidance) == [
        ("~", admin_user, "Published this week"),
        ("+", admin_user, "Published this week"),
    ]


def test_a_guidance_change_without_a_reason_is_refused_and_writes_nothing(admin_client):
    guidance = GuidanceFactory(reference="IPG366", title="Old title")

    response = admin_client.post(
        f"/admin/governance/guidance/{guidance.pk}/change/",
        guidance_form(guidance, title="New title", reason=" "),
    )

    assert response.status_code == 200
    assert "This field is required." in response.text
    guidance.refresh_from_db()
    assert guidance.title == "Old title"
    assert guidance.history.count() == 1


def test_a_superuser_without_the_administrator_role_may_not_record_the_recommendation(client):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    guidance = GuidanceFactory(reference="IPG366", recommendation=None)
    client.force_login(superuser)

    response = client.post(
        f"/admin/governance/guidance/{guidance.pk}/change/",
        guidance_form(guidance, recommendation="special", reason="Recorded"),
    )

    assert response.status_code == 200
    assert "Only an administrator may record the NICE recommendation." in response.text
    guidance.refresh_from_db()
    assert guidance.recommendation is None
    assert guidance.history.count() == 1


# --- devices ------------------------------------------------------------------------------


def test_an_administrator_adds_and_corrects_a_device_with_their_reasons(admin_client, admin_user):
    added = admin_client.post(
        "/admin/governance/device/add/",
        {
            "name": "Dynesys",
            "manufacturer": "Zimmer Biomet",
            "model": "",
            "catalogue_number": "CAT-1",
            "reason": "Used in the new trial",
        },
    )
    device = Device.objects.get(name="Dynesys")
    changed = admin_client.post(
        f"/admin/governance/device/{device.pk}/change/",
        {
            "name": "Dynesys",
            "manufacturer": "Zimmer Biomet",
            "model": "",
            "catalogue_number": "CAT-2",
            "reason": "Catalogue number corrected",
        },
    )

    assert (added.status_code, changed.status_code) == (302, 302)
    device.refresh_from_db()
    assert device.catalogue_number == "CAT-2"
    assert history(device) == [
        ("~", admin_user, "Catalogue number corrected"),
        ("+", admin_user, "Used in the new trial"),
    ]


def test_a_device_saved_unchanged_writes_no_history(admin_client):
    device = DeviceFactory(name="Dynesys", model="Mk II")

    response = admin_client.post(
        f"/admin/governance/device/{device.pk}/change/",
        {
            "name": device.name,
            "manufacturer": device.manufacturer,
            "model": device.model,
            "catalogue_number": device.catalogue_number,
            "reason": "Checked",
        },
    )

    assert response.status_code == 302
    assert device.history.count() == 1


# --- organisations and their members -------------------------------------------------------


def organisation_form(organisation, memberships=(), new_user=None, delete=(), **changes) -> dict:
    """The organisation's change form: its existing `memberships` (deleting those in
    `delete`) and, if given, a new row for `new_user`."""
    data = {"name": organisation.name, "ods_code": organisation.ods_code, **changes}
    rows = list(memberships)
    data["memberships-INITIAL_FORMS"] = len(rows)
    data["memberships-TOTAL_FORMS"] = len(rows) + 1
    for n, membership in enumerate(rows):
        data[f"memberships-{n}-id"] = membership.pk
        data[f"memberships-{n}-organisation"] = organisation.pk
        if membership in delete:
            data[f"memberships-{n}-DELETE"] = "on"
    data[f"memberships-{len(rows)}-organisation"] = organisation.pk
    data[f"memberships-{len(rows)}-user"] = new_user.pk if new_user else ""
    return data


def test_a_member_added_and_removed_in_the_admin_is_on_record_with_the_reasons(
    admin_client, admin_user, other_organisation
):
    newcomer = UserFactory(username="newcomer")  # two organisations: joins neither by itself
    url = f"/admin/governance/organisation/{other_organisation.pk}/change/"

    page = admin_client.get(url)
    added = admin_client.post(
        url, organisation_form(other_organisation, new_user=newcomer, reason="Joins the team")
    )
    membership = Membership.objects.get(organisation=other_organisation, user=newcomer)
    removed = admin_client.post(
        url,
        organisation_form(
            other_organisation, [membership], delete=[membership], reason="Left the trust"
        ),
    )

    assert page.status_code == 200
    assert (added.status_code, removed.status_code) == (302, 302)
    assert not Membership.objects.filter(user=newcomer).exists()
    assert [
        (row.history_type, row.user_id, row.history_user, row.history_change_reason)
        for row in Membership.history.filter(id=membership.pk)
    ] == [
        ("-", newcomer.pk, admin_user, "Left the trust"),
        ("+", newcomer.pk, admin_user, "Joins the team"),
    ]
    assert other_organisation.history.count() == 1  # its own details did not change


def test_a_membership_cannot_be_changed_to_another_user(
    admin_client, other_organisation, other_org_lead
):
    membership = Membership.objects.get(user=other_org_lead)
    someone = UserFactory(username="someone")
    data = organisation_form(other_organisation, [membership], reason="Swap")
    data["memberships-0-user"] = someone.pk

    response = admin_client.post(
        f"/admin/governance/organisation/{other_organisation.pk}/change/", data
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.user == other_org_lead
    assert membership.history.count() == 0  # made by the persona fixture, not changed since


def test_an_organisation_change_without_a_reason_is_refused(admin_client, other_organisation):
    someone = UserFactory(username="someone")

    response = admin_client.post(
        f"/admin/governance/organisation/{other_organisation.pk}/change/",
        organisation_form(other_organisation, new_user=someone, name="Renamed"),
    )

    assert response.status_code == 200
    other_organisation.refresh_from_db()
    assert other_organisation.name == "Other NHS Trust"
    assert not Membership.objects.filter(user=someone).exists()


def test_an_organisation_added_and_renamed_in_the_admin_is_on_record(admin_client, admin_user):
    added = admin_client.post(
        "/admin/governance/organisation/add/",
        {
            "name": "North Trust",
            "ods_code": "rx1",
            "memberships-INITIAL_FORMS": 0,
            "memberships-TOTAL_FORMS": 0,
            "reason": "Joins the network",
        },
    )
    organisation = Organisation.objects.get(ods_code="RX1")
    renamed = admin_client.post(
        f"/admin/governance/organisation/{organisation.pk}/change/",
        organisation_form(organisation, name="North NHS Trust", reason="Its full name"),
    )

    assert (added.status_code, renamed.status_code) == (302, 302)
    organisation.refresh_from_db()
    assert organisation.name == "North NHS Trust"
    assert history(organisation) == [
        ("~", admin_user, "Its full name"),
        ("+", admin_user, "Joins the network"),
    ]


# --- users and their roles -----------------------------------------------------------------


def user_form(user, groups, **changes) -> dict:
    """The user's change form in the admin, with these group names."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": "09:00:00",
        "groups": [group.pk for group in Group.objects.filter(name__in=groups)],
        **changes,
    }
    if user.is_staff:
        data["is_staff"] = "on"
    return data


def grants_of(user) -> list[tuple]:
    return [
        (grant.role, grant.granted, grant.by, grant.reason)
        for grant in RoleGrant.objects.filter(user=user)
    ]


def test_a_role_given_in_the_user_admin_records_who_gave_which_role_to_whom_and_why(
    admin_client, admin_user, applicant
):
    url = f"/admin/auth/user/{applicant.pk}/change/"

    page = admin_client.get(url)
    response = admin_client.post(
        url, user_form(applicant, [roles.CLINICIAN, roles.LEAD], reason="Joins the committee")
    )

    assert page.status_code == 200
    assert 'name="reason"' in page.text
    assert response.status_code == 302
    assert set(applicant.groups.values_list("name", flat=True)) == {roles.CLINICIAN, roles.LEAD}
    assert grants_of(applicant) == [(roles.LEAD, True, admin_user, "Joins the committee")]


def test_a_role_taken_away_in_the_user_admin_is_on_record(admin_client, admin_user, lead):
    response = admin_client.post(
        f"/admin/auth/user/{lead.pk}/change/", user_form(lead, [], reason="Left the committee")
    )

    assert response.status_code == 302
    assert not lead.groups.exists()
    assert grants_of(lead) == [(roles.LEAD, False, admin_user, "Left the committee")]


def test_a_change_of_role_without_a_reason_is_refused_and_changes_nothing(admin_client, applicant):
    response = admin_client.post(
        f"/admin/auth/user/{applicant.pk}/change/", user_form(applicant, [roles.ADMIN])
    )

    assert response.status_code == 200
    assert "Give the reason for the change of role." in response.text
    assert list(applicant.groups.values_list("name", flat=True)) == [roles.CLINICIAN]
    assert grants_of(applicant) == []


def test_a_user_saved_without_a_change_of_role_needs_no_reason_and_records_no_grant(
    admin_client, applicant
):
    other_group = Group.objects.create(name="Newsletter")

    response = admin_client.post(
        f"/admin/auth/user/{applicant.pk}/change/",
        user_form(applicant, [roles.CLINICIAN, "Newsletter"], email="new@example.nhs.uk"),
    )

    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.email == "new@example.nhs.uk"
    assert set(applicant.groups.all()) == {Group.objects.get(name=roles.CLINICIAN), other_group}
    assert grants_of(applicant) == []


# --- what no one changes here ---------------------------------------------------------------


def test_introductions_are_read_only_even_for_a_superuser(
    admin_client, make_introduction, other_organisation, other_org_lead
):
    ours = make_introduction()

    listing = admin_client.get("/admin/governance/introduction/")
    change = admin_client.post(f"/admin/governance/introduction/{ours.pk}/change/", {})

    assert listing.status_code == 200
    assert ours.title.encode() in listing.content
    assert admin_client.get("/admin/governance/introduction/add/").status_code == 403
    assert change.status_code == 403


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


@pytest.mark.parametrize("persona", ["applicant", "lead", "admin_user"])
def test_nobody_but_a_superuser_reaches_the_django_admin_even_as_staff(client, request, persona):
    user = request.getfixturevalue(persona)
    user.is_staff = True
    user.save()
    client.force_login(user)

    for url in ("/admin/", "/admin/governance/guidance/", "/admin/auth/user/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
