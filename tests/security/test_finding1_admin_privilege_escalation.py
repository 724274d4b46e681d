"""Finding 1: an Administrator with Django admin access made themselves superuser, reset
another organisation's lead's password, joined any organisation through the membership
inline (and then read its introductions through the API), and read another organisation's
records in the admin's history views.

What must hold (SPEC.md section 2): administrators manage users and roles only within their
organisations, through the administration pages, and never grant superuser or staff status;
the Django admin is for superusers alone. Organisation A is the default organisation (the
personas' own); organisation B is `other_organisation`, whose lead is `other_org_lead`."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from governance import roles
from governance.errors import NotPermitted
from governance.models import Membership, RoleGrant
from governance.organisations import services
from tests.factories import PASSWORD, IntroductionFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def staff_admin(admin_user):
    # The administrator of organisation A as the finding met them: staff, so that Django's
    # admin would let them in if only the staff flag were asked.
    admin_user.is_staff = True
    admin_user.save()
    return admin_user


@pytest.fixture
def as_admin(client, staff_admin):
    client.force_login(staff_admin)
    return client


@pytest.fixture
def b_introduction(other_org_lead, other_organisation):
    # An application of organisation B, by B's lead.
    return IntroductionFactory(
        organisation=other_organisation, applicant=other_org_lead, title="Organisation B's own"
    )


def flags(user) -> tuple[bool, bool]:
    user.refresh_from_db()
    return user.is_staff, user.is_superuser


# --- the roles hold no Django model permission ------------------------------------------------


@pytest.mark.parametrize("role", sorted(roles.ALL))
def test_no_role_group_holds_a_django_permission_on_users_groups_or_permissions(role):
    # Rules decide who manages whom, per organisation (organisations/permissions.py); a model
    # permission such as auth.change_user would be a second, unscoped, way in.
    held = Group.objects.get(name=role).permissions.filter(content_type__app_label="auth")

    assert list(held.values_list("codename", flat=True)) == []


@pytest.mark.parametrize(
    "permission",
    [
        "auth.add_user",
        "auth.change_user",
        "auth.delete_user",
        "auth.view_user",
        "auth.change_group",
        "auth.add_group",
        "auth.change_permission",
    ],
)
def test_an_administrator_has_no_django_permission_on_users_and_groups(staff_admin, permission):
    assert not User.objects.get(pk=staff_admin.pk).has_perm(permission)


# --- the Django admin: superusers only --------------------------------------------------------


def admin_urls(b_introduction, other_org_lead, other_organisation, staff_admin) -> list[str]:
    b_row = b_introduction.history.first()
    return [
        "/admin/",
        "/admin/auth/user/",
        f"/admin/auth/user/{staff_admin.pk}/change/",
        f"/admin/auth/user/{other_org_lead.pk}/change/",
        f"/admin/auth/user/{other_org_lead.pk}/password/",
        f"/admin/auth/user/{other_org_lead.pk}/history/",
        "/admin/auth/group/",
        f"/admin/governance/organisation/{other_organisation.pk}/change/",
        f"/admin/governance/organisation/{other_organisation.pk}/history/",
        "/admin/governance/introduction/",
        f"/admin/governance/introduction/{b_introduction.pk}/change/",
        f"/admin/governance/introduction/{b_introduction.pk}/history/",
        f"/admin/governance/introduction/{b_introduction.pk}/history/{b_row.history_id}/",
        "/admin/password_change/",
    ]


@pytest.mark.parametrize("persona", ["staff_admin", "other_org_lead"])
def test_no_admin_url_opens_for_a_staff_user_who_is_not_a_superuser(
    client, request, persona, b_introduction, other_org_lead, other_organisation, staff_admin
):
    user = request.getfixturevalue(persona)
    user.is_staff = True
    user.save()
    client.force_login(user)

    answers = {
        url: client.get(url)
        for url in admin_urls(b_introduction, other_org_lead, other_organisation, staff_admin)
    }

    let_in = {
        url: r.status_code
        for url, r in answers.items()
        if r.status_code != 302 or not r["Location"].startswith("/admin/login/")
    }
    assert let_in == {}, "admin pages that did not send a non-superuser to the admin's sign-in"


def test_the_admin_forms_change_nothing_for_an_administrator(
    as_admin, staff_admin, other_org_lead, other_organisation
):
    superuser_form = as_admin.post(
        f"/admin/auth/user/{staff_admin.pk}/change/",
        {"username": staff_admin.username, "is_active": "on", "is_staff": "on",
         "is_superuser": "on", "date_joined_0": "2025-01-01", "date_joined_1": "00:00"},
    )  # fmt: skip
    password_form = as_admin.post(
        f"/admin/auth/user/{other_org_lead.pk}/password/",
        {"password1": "taken-over-9876", "password2": "taken-over-9876"},
    )
    inline_form = as_admin.post(
        f"/admin/governance/organisation/{other_organisation.pk}/change/",
        {
            "name": other_organisation.name,
            "ods_code": other_organisation.ods_code,
            "reason": "Joining",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": staff_admin.pk,
        },
    )

    assert [r.status_code for r in (superuser_form, password_form, inline_form)] == [302] * 3
    assert flags(staff_admin) == (True, False)
    other_org_lead.refresh_from_db()
    assert other_org_lead.check_password(PASSWORD)
    assert not Membership.objects.filter(user=staff_admin, organisation=other_organisation)


# --- the administration pages -----------------------------------------------------------------


def test_another_organisations_lead_is_not_found_on_any_administration_page(
    as_admin, other_org_lead, other_organisation
):
    pk = other_org_lead.pk
    gets = [
        f"/administration/users/{pk}/",
        f"/administration/users/{pk}/roles/give/",
        f"/administration/users/{pk}/roles/governance-lead/remove/",
        f"/administration/users/{pk}/organisations/add/",
        f"/administration/users/{pk}/organisations/{other_organisation.pk}/remove/",
    ]
    posts = {
        f"/administration/users/{pk}/roles/give/": {"role": roles.ADMIN, "reason": "Why not"},
        f"/administration/users/{pk}/roles/governance-lead/remove/": {"reason": "Why not"},
        f"/administration/users/{pk}/organisations/{other_organisation.pk}/remove/": {
            "reason": "Why not"
        },
    }

    answers = [as_admin.get(url).status_code for url in gets]
    answers += [as_admin.post(url, data).status_code for url, data in posts.items()]

    assert answers == [404] * (len(gets) + len(posts))
    assert roles.roles_of(User.objects.get(pk=pk)) == [roles.LEAD]
    assert Membership.objects.filter(user_id=pk, organisation=other_organisation).exists()


def test_the_user_list_shows_none_of_another_organisations_people(as_admin, other_org_lead):
    page = text(as_admin.get("/administration/users/"))

    assert other_org_lead.username not in page


def test_an_administrator_cannot_add_themselves_to_another_organisation(
    as_admin, staff_admin, other_organisation, b_introduction
):
    response = as_admin.post(
        f"/administration/users/{staff_admin.pk}/organisations/add/",
        {"organisation": other_organisation.pk, "reason": "I would like to see theirs"},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert not Membership.objects.filter(user=staff_admin, organisation=other_organisation)
    listed = as_admin.get("/api/v1/introductions/")
    assert listed.status_code == 200
    assert b_introduction.title not in listed.content.decode()
    assert as_admin.get(f"/api/v1/introductions/{b_introduction.pk}/").status_code == 404


def new_account(organisation, **changes) -> dict:
    return {
        "first_name": "Eve",
        "last_name": "Mallory",
        "username": "emallory",
        "email": "eve.mallory@example.nhs.uk",
        "organisation": organisation.pk,
        "role": roles.ADMIN,
        "password": "spinal-theatre-42",
        "password_again": "spinal-theatre-42",
        "reason": "A second account",
        **changes,
    }


def test_a_new_account_is_never_staff_or_superuser_whatever_the_form_sends(as_admin, organisation):
    response = as_admin.post(
        "/administration/users/new/",
        new_account(organisation, is_staff="on", is_superuser="on", groups="1"),
    )

    assert response.status_code == 302
    assert flags(User.objects.get(username="emallory")) == (False, False)


def test_a_new_account_cannot_be_made_in_another_organisation(as_admin, other_organisation):
    response = as_admin.post("/administration/users/new/", new_account(other_organisation))

    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert not User.objects.filter(username="emallory").exists()


# --- the services refuse whoever calls them ---------------------------------------------------


def test_the_services_refuse_an_administrator_roles_for_another_organisations_people(
    staff_admin, other_org_lead
):
    with pytest.raises(NotPermitted, match="not a member of any of your organisations"):
        services.role_grant(user=other_org_lead, role=roles.ADMIN, actor=staff_admin, reason="x")
    with pytest.raises(NotPermitted, match="not a member of any of your organisations"):
        services.role_revoke(user=other_org_lead, role=roles.LEAD, actor=staff_admin, reason="x")

    assert roles.roles_of(User.objects.get(pk=other_org_lead.pk)) == [roles.LEAD]
    assert not RoleGrant.objects.filter(user=other_org_lead).exists()


def test_the_services_refuse_an_administrator_another_organisations_memberships(
    staff_admin, other_org_lead, other_organisation, applicant
):
    theirs = Membership.objects.get(user=other_org_lead, organisation=other_organisation)

    with pytest.raises(NotPermitted, match=f"not a member of {other_organisation.name}"):
        services.organisation_add_member(
            organisation=other_organisation, user=staff_admin, actor=staff_admin, reason="x"
        )
    with pytest.raises(NotPermitted, match=f"not a member of {other_organisation.name}"):
        services.organisation_add_member(
            organisation=other_organisation, user=applicant, actor=staff_admin, reason="x"
        )
    with pytest.raises(NotPermitted, match=f"not a member of {other_organisation.name}"):
        services.organisation_remove_member(membership=theirs, actor=staff_admin, reason="x")

    assert list(other_organisation.members.order_by("pk")) == [other_org_lead]


def test_the_services_refuse_an_administrator_an_account_in_another_organisation(
    staff_admin, other_organisation
):
    with pytest.raises(NotPermitted, match=f"not a member of {other_organisation.name}"):
        services.user_create(
            username="emallory",
            first_name="Eve",
            last_name="Mallory",
            email="eve@example.nhs.uk",
            password="spinal-theatre-42",
            organisation=other_organisation,
            role=roles.ADMIN,
            actor=staff_admin,
            reason="x",
        )

    assert not User.objects.filter(username="emallory").exists()


@pytest.mark.parametrize("persona", ["applicant", "lead"])
def test_the_services_refuse_anyone_but_an_administrator_a_role(request, persona, organisation):
    user = request.getfixturevalue(persona)

    with pytest.raises(NotPermitted, match="Only an administrator"):
        services.role_grant(user=user, role=roles.ADMIN, actor=user, reason="Promoting myself")

    assert roles.ADMIN not in roles.roles_of(User.objects.get(pk=user.pk))


def test_the_services_let_an_administrator_manage_their_own_organisations_people(
    staff_admin, applicant, organisation
):
    # The refusals above are about organisations, not the work itself.
    services.role_grant(user=applicant, role=roles.LEAD, actor=staff_admin, reason="Committee")
    person = services.user_create(
        username="newcomer",
        first_name="New",
        last_name="Comer",
        email="new@example.nhs.uk",
        password="spinal-theatre-42",
        organisation=organisation,
        role=roles.CLINICIAN,
        actor=staff_admin,
        reason="Joins",
    )

    assert roles.roles_of(User.objects.get(pk=applicant.pk)) == [roles.CLINICIAN, roles.LEAD]
    assert (roles.roles_of(person), flags(person)) == ([roles.CLINICIAN], (False, False))


def test_a_superuser_in_the_django_admin_and_the_commands_still_manage_anyone(
    other_org_lead, other_organisation
):
    # The Django admin is the superusers' own, and commands run without an actor (the shell
    # is trusted): neither is asked the administrators' organisation rules.
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)

    services.role_grant(user=other_org_lead, role=roles.CLINICIAN, actor=superuser, reason="x")
    services.role_grant(user=other_org_lead, role=roles.ADMIN, reason="grant_role")
    services.organisation_add_member(
        organisation=other_organisation, user=superuser, actor=superuser
    )

    assert roles.roles_of(User.objects.get(pk=other_org_lead.pk)) == list(roles.ORDER)
    assert Membership.objects.filter(user=superuser, organisation=other_organisation).exists()
