"""The administration pages of people: an administrator (neither staff nor superuser) lists
the people of their organisations with their roles, gives and takes roles and memberships
with a reason, on record, and adds accounts; nobody else reaches these pages, and another
organisation's people are not found."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth import get_user_model

from governance import roles
from governance.models import Membership, RoleGrant
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def stranger(other_organisation):
    # A clinician of another trust only: no administrator of ours manages them.
    user = UserFactory(username="stranger", roles=[roles.CLINICIAN])
    Membership.objects.filter(user=user).delete()
    other_organisation.members.add(user)
    return user


def grants_of(user) -> list[tuple]:
    return [(g.role, g.granted, g.by, g.reason) for g in RoleGrant.objects.filter(user=user)]


# --- who reaches the pages -------------------------------------------------------------------


def test_the_administrator_is_neither_staff_nor_superuser(admin_user):
    assert (admin_user.is_staff, admin_user.is_superuser) == (False, False)


@pytest.mark.parametrize(
    "url",
    [
        "/administration/",
        "/administration/users/",
        "/administration/users/new/",
        "/administration/guidance/",
        "/administration/guidance/import/",
    ],
)
@pytest.mark.parametrize("persona", ["applicant", "lead"])
def test_clinicians_and_leads_are_refused_in_words(client, request, persona, url):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(url)

    assert response.status_code == 403
    assert "Only an administrator" in text(response)


@pytest.mark.parametrize("persona", ["applicant", "lead"])
def test_clinicians_and_leads_are_refused_a_persons_page(client, request, persona, applicant):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(f"/administration/users/{applicant.pk}/").status_code == 403
    response = client.post(
        f"/administration/users/{applicant.pk}/roles/give/",
        {"role": roles.ADMIN, "reason": "Me"},
    )
    assert response.status_code == 403
    assert roles.ADMIN not in roles.roles_of(get_user_model().objects.get(pk=applicant.pk))


def test_another_organisations_person_is_not_found(as_admin, stranger):
    for url in (
        f"/administration/users/{stranger.pk}/",
        f"/administration/users/{stranger.pk}/roles/give/",
        f"/administration/users/{stranger.pk}/roles/clinician/remove/",
        f"/administration/users/{stranger.pk}/organisations/add/",
    ):
        assert as_admin.get(url).status_code == 404, url
    response = as_admin.post(
        f"/administration/users/{stranger.pk}/roles/give/", {"role": roles.LEAD, "reason": "x"}
    )
    assert response.status_code == 404
    assert grants_of(stranger) == []


def test_the_administrator_sees_the_index_and_the_navigation_leads_there(as_admin):
    response = as_admin.get("/administration/")

    assert response.status_code == 200
    page = text(response)
    assert 'href="/administration/users/"' in page
    assert 'href="/administration/guidance/"' in page
    assert 'href="/admin/' not in page  # not a superuser


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_each_persons_roles_and_organisations_and_no_stranger(
    as_admin, applicant, lead, stranger
):
    response = as_admin.get("/administration/users/")

    page = text(response)
    assert response.status_code == 200
    assert applicant.get_full_name() in page
    assert lead.get_full_name() in page
    assert "Governance lead" in page
    assert "Default organisation" in page
    assert stranger.get_full_name() not in page


def test_the_list_filters_by_role_and_searches_by_name(as_admin, applicant, lead):
    by_role = text(as_admin.get("/administration/users/", {"role": roles.LEAD}))
    by_name = text(as_admin.get("/administration/users/", {"q": applicant.last_name}))
    nobody = text(as_admin.get("/administration/users/", {"q": "zzzz-nobody"}))

    assert lead.get_full_name() in by_role and applicant.get_full_name() not in by_role
    assert applicant.get_full_name() in by_name and lead.get_full_name() not in by_name
    assert "Nobody in your organisations matches the search." in nobody


@pytest.mark.parametrize("params", [{"role": "Superuser"}, {"page": "x"}, {"q": "a" * 500}])
def test_bad_filters_are_no_error(as_admin, params):
    assert as_admin.get("/administration/users/", params).status_code == 200


def _people(count: int, organisation) -> None:
    for _ in range(count):
        user = UserFactory(roles=[roles.CLINICIAN])
        organisation.members.add(user)


def _queries(client, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/administration/users/").status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_5_people_as_for_40(
    as_admin, organisation, other_organisation, django_assert_max_num_queries
):
    _people(5, organisation)
    few = _queries(as_admin, django_assert_max_num_queries)
    _people(35, organisation)
    other_organisation.members.add(*get_user_model().objects.all()[:10])  # two organisations each
    many = _queries(as_admin, django_assert_max_num_queries)

    assert few == many


# --- roles -----------------------------------------------------------------------------------


def test_giving_a_role_records_who_which_to_whom_and_why(as_admin, admin_user, applicant):
    form = as_admin.get(f"/administration/users/{applicant.pk}/roles/give/")
    response = as_admin.post(
        f"/administration/users/{applicant.pk}/roles/give/",
        {"role": roles.LEAD, "reason": "Joins the governance committee"},
        follow=True,
    )

    assert form.status_code == 200
    assert "Clinician" not in [c[0] for c in form.context["form"].fields["role"].choices]
    assert response.redirect_chain[-1][0] == f"/administration/users/{applicant.pk}/"
    assert "now has the role Governance lead" in text(response)
    assert roles.LEAD in roles.roles_of(get_user_model().objects.get(pk=applicant.pk))
    assert grants_of(applicant) == [
        (roles.LEAD, True, admin_user, "Joins the governance committee")
    ]
    assert "Joins the governance committee" in text(response)  # the person's role history


def test_a_role_given_without_a_reason_is_refused_and_nothing_changes(as_admin, applicant):
    response = as_admin.post(
        f"/administration/users/{applicant.pk}/roles/give/", {"role": roles.LEAD, "reason": " "}
    )

    assert response.status_code == 200
    assert "Enter why you are giving this role" in text(response)
    assert "There is a problem" in text(response)
    assert grants_of(applicant) == []


@pytest.mark.parametrize("role", ["Superuser", "", "staff"])
def test_no_role_but_the_three_can_be_given(as_admin, applicant, role):
    response = as_admin.post(
        f"/administration/users/{applicant.pk}/roles/give/", {"role": role, "reason": "Why"}
    )

    assert response.status_code == 200
    applicant.refresh_from_db()
    assert (applicant.is_staff, applicant.is_superuser) == (False, False)
    assert grants_of(applicant) == []


def test_taking_a_role_away_is_on_record(as_admin, admin_user, lead):
    response = as_admin.post(
        f"/administration/users/{lead.pk}/roles/governance-lead/remove/",
        {"reason": "Left the committee"},
    )

    assert response.status_code == 302
    assert roles.LEAD not in roles.roles_of(get_user_model().objects.get(pk=lead.pk))
    assert grants_of(lead) == [(roles.LEAD, False, admin_user, "Left the committee")]


def test_a_role_they_do_not_have_is_not_found(as_admin, applicant):
    assert (
        as_admin.get(
            f"/administration/users/{applicant.pk}/roles/administrator/remove/"
        ).status_code
        == 404
    )
    assert (
        as_admin.get(f"/administration/users/{applicant.pk}/roles/superuser/remove/").status_code
        == 404
    )


def test_the_only_administrator_cannot_take_their_own_role_away(as_admin, admin_user):
    detail = text(as_admin.get(f"/administration/users/{admin_user.pk}/"))
    response = as_admin.post(
        f"/administration/users/{admin_user.pk}/roles/administrator/remove/",
        {"reason": "Stepping down"},
    )

    assert "The only administrator of Default organisation" in detail
    assert "/roles/administrator/remove/" not in detail
    assert response.status_code == 200
    assert "is the only administrator of Default organisation" in text(response)
    assert roles.ADMIN in roles.roles_of(get_user_model().objects.get(pk=admin_user.pk))
    assert grants_of(admin_user) == []


def test_with_a_second_administrator_one_may_step_down_and_is_sent_home(
    as_admin, admin_user, organisation
):
    second = UserFactory(username="second", roles=[roles.ADMIN])
    organisation.members.add(second)

    response = as_admin.post(
        f"/administration/users/{admin_user.pk}/roles/administrator/remove/",
        {"reason": "Stepping down"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert as_admin.get("/administration/").status_code == 403


def test_an_administrator_of_one_trust_may_not_change_the_roles_of_someone_in_two(
    as_admin, applicant, other_organisation
):
    other_organisation.members.add(applicant)

    detail = text(as_admin.get(f"/administration/users/{applicant.pk}/"))
    response = as_admin.post(
        f"/administration/users/{applicant.pk}/roles/give/", {"role": roles.ADMIN, "reason": "x"}
    )

    assert "also belongs to Other NHS Trust" in detail
    assert "/roles/give/" not in detail
    assert response.status_code == 403
    assert grants_of(applicant) == []


# --- memberships -----------------------------------------------------------------------------


def test_adding_to_and_removing_from_an_organisation_is_on_record(
    as_admin, admin_user, applicant, other_organisation
):
    other_organisation.members.add(admin_user)

    added = as_admin.post(
        f"/administration/users/{applicant.pk}/organisations/add/",
        {"organisation": other_organisation.pk, "reason": "Covers the other trust"},
    )
    removed = as_admin.post(
        f"/administration/users/{applicant.pk}/organisations/{other_organisation.pk}/remove/",
        {"reason": "Cover ended"},
    )

    assert (added.status_code, removed.status_code) == (302, 302)
    assert not Membership.objects.filter(user=applicant, organisation=other_organisation).exists()
    rows = Membership.history.filter(user_id=applicant.pk, organisation_id=other_organisation.pk)
    assert [(r.history_type, r.history_user, r.history_change_reason) for r in rows] == [
        ("-", admin_user, "Cover ended"),
        ("+", admin_user, "Covers the other trust"),
    ]


def test_an_organisation_the_administrator_is_not_in_cannot_be_chosen(
    as_admin, applicant, other_organisation
):
    response = as_admin.post(
        f"/administration/users/{applicant.pk}/organisations/add/",
        {"organisation": other_organisation.pk, "reason": "Sneaking in"},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert not Membership.objects.filter(user=applicant, organisation=other_organisation).exists()


def test_a_removal_without_a_reason_is_refused(as_admin, applicant, organisation):
    response = as_admin.post(
        f"/administration/users/{applicant.pk}/organisations/{organisation.pk}/remove/",
        {"reason": ""},
    )

    assert response.status_code == 200
    assert "Enter why you are removing them" in text(response)
    assert Membership.objects.filter(user=applicant, organisation=organisation).exists()


def test_the_only_administrator_is_not_removed_from_their_organisation(
    as_admin, admin_user, organisation
):
    response = as_admin.post(
        f"/administration/users/{admin_user.pk}/organisations/{organisation.pk}/remove/",
        {"reason": "Leaving"},
    )

    assert response.status_code == 200
    assert "is the only administrator of Default organisation" in text(response)
    assert Membership.objects.filter(user=admin_user, organisation=organisation).exists()


# --- a new account ---------------------------------------------------------------------------


def new_user(**changes) -> dict:
    return {
        "first_name": "Ada",
        "last_name": "Okafor",
        "username": "aokafor",
        "email": "Ada.Okafor@example.nhs.uk",
        "organisation": "",
        "role": roles.CLINICIAN,
        "password": "spinal-theatre-42",
        "password_again": "spinal-theatre-42",
        "reason": "New consultant in spinal surgery",
        **changes,
    }


def test_a_new_user_signs_in_with_the_password_set_as_member_and_clinician(
    as_admin, admin_user, organisation, client
):
    response = as_admin.post(
        "/administration/users/new/", new_user(organisation=organisation.pk), follow=True
    )

    person = get_user_model().objects.get(username="aokafor")
    assert "can now sign in as aokafor" in text(response)
    assert (person.email, person.is_staff, person.is_superuser) == (
        "ada.okafor@example.nhs.uk",
        False,
        False,
    )
    assert person.check_password("spinal-theatre-42")
    assert roles.roles_of(person) == [roles.CLINICIAN]
    assert grants_of(person) == [
        (roles.CLINICIAN, True, admin_user, "New consultant in spinal surgery")
    ]
    assert list(person.organisations.all()) == [organisation]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "123", "password_again": "123"}, "This password is too short"),
        ({"password_again": "something-else-9"}, "The passwords do not match"),
        ({"username": "applicant"}, "There is already a user named applicant"),
        ({"username": "no spaces allowed"}, "Enter a valid username"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"role": "Superuser"}, "Select a valid choice"),
        ({"reason": ""}, "Enter why you are adding them"),
    ],
)
def test_a_new_user_with_bad_details_is_refused_naming_the_field(
    as_admin, organisation, applicant, changes, message
):
    before = get_user_model().objects.count()

    response = as_admin.post(
        "/administration/users/new/", new_user(organisation=organisation.pk, **changes)
    )

    assert response.status_code == 200
    assert message in text(response)
    assert get_user_model().objects.count() == before


def test_signing_in_with_the_new_account_works(as_admin, organisation, client):
    as_admin.post("/administration/users/new/", new_user(organisation=organisation.pk))
    client.logout()

    client.post("/sign-in/", {"username": "aokafor", "password": "spinal-theatre-42"})

    assert client.get("/").wsgi_request.user.username == "aokafor"
    assert PASSWORD  # the personas' password is another


def test_a_superusers_page_says_so_and_offers_no_way_to_change_it(as_admin, lead):
    lead.is_superuser = True
    lead.save()

    page = text(as_admin.get(f"/administration/users/{lead.pk}/"))

    assert "Only a superuser changes this, there." in page
    assert "is_superuser" not in page and "is_staff" not in page
