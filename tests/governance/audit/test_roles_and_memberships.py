"""Role grants and memberships in the audit history: who gave which role to whom, who added or
removed which member, when and why; for the people of the viewer's organisations only, in the
same newest-first pages as the introductions' changes, with `introduction` null."""

from __future__ import annotations

import csv
import html
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance import roles
from governance.audit import queries as audit
from governance.models import Membership
from governance.organisations import services as organisations
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("governance:audit_history")


def _page(viewer, limit: int = 100, **filters) -> audit.Page:
    return audit.history_page(viewer=viewer, filters=audit.HistoryFilter(**filters), limit=limit)


def _seen(entries) -> list[tuple]:
    return [
        (e.model, e.type, e.user, e.type_label, e.summary, e.reason, e.introduction_id)
        for e in entries
    ]


@pytest.fixture
def promoted(applicant, admin_user):
    """The applicant made a governance lead by the administrator, then the role taken back."""
    organisations.role_grant(
        user=applicant, role=roles.LEAD, actor=admin_user, reason="Joins the committee"
    )
    organisations.role_revoke(
        user=applicant, role=roles.LEAD, actor=admin_user, reason="Left the committee"
    )
    return applicant


def test_a_role_given_and_taken_away_says_who_gave_which_role_to_whom_and_why(
    lead, admin_user, promoted
):
    name = promoted.get_full_name()

    entries = _page(lead, model="rolegrant").entries

    assert _seen(entries) == [
        (
            "rolegrant",
            "-",
            "administrator",
            "Role taken away",
            f"Governance lead taken from {name}",
            "Left the committee",
            None,
        ),
        (
            "rolegrant",
            "+",
            "administrator",
            "Role given",
            f"Governance lead given to {name}",
            "Joins the committee",
            None,
        ),
    ]
    given = entries[1]
    assert given.user_display == admin_user.get_full_name()
    assert [(c.field, c.old, c.new, c.new_display) for c in given.changes] == [
        ("role", None, "Governance lead", "Governance lead"),
        ("user", None, promoted.pk, name),
    ]


def test_a_role_given_by_a_command_or_the_demo_is_the_systems(lead, applicant):
    organisations.role_grant(user=applicant, role=roles.ADMIN, reason="Given with grant_role")

    entry = _page(lead, model="rolegrant").entries[0]

    assert (entry.user, entry.user_display, entry.reason) == (
        None,
        "System",
        "Given with grant_role",
    )


def test_members_added_and_removed_are_entries_of_no_introduction(
    lead, admin_user, other_organisation, organisation
):
    newcomer = UserFactory(username="newcomer")  # two organisations: joins neither by itself
    # An administrator adds only people they already manage: one of their organisations'.
    other_organisation.members.add(newcomer, admin_user)
    membership = organisations.organisation_add_member(
        organisation=organisation, user=newcomer, actor=admin_user, reason="Joins the team"
    )
    organisations.organisation_remove_member(
        membership=membership, actor=admin_user, reason="Left the trust"
    )
    name, where = newcomer.get_full_name(), "Default organisation (DEFAULT)"

    entries = _page(lead, model="membership", member="newcomer").entries

    assert _seen(entries) == [
        (
            "membership",
            "-",
            "administrator",
            "Member removed",
            f"{name} removed from {where}",
            "Left the trust",
            None,
        ),
        (
            "membership",
            "+",
            "administrator",
            "Member added",
            f"{name} added to {where}",
            "Joins the team",
            None,
        ),
    ]
    assert {c.field: c.new_display for c in entries[1].changes}.items() >= {
        "organisation": where,
        "user": name,
    }.items()


def test_the_personas_joining_the_only_organisation_are_on_record_as_the_systems(lead):
    entries = _page(lead, model="membership").entries

    assert [(e.user, e.type_label, e.reason) for e in entries] == [
        (None, "Member added", "Joined the only organisation of this installation")
    ]


def test_another_organisations_people_are_never_shown(
    lead, applicant, admin_user, other_organisation, other_org_lead
):
    their_admin = UserFactory(username="their_admin", roles=[roles.ADMIN])
    other_organisation.members.add(their_admin)
    organisations.user_create(
        username="theirs",
        first_name="Their",
        last_name="Clinician",
        email="theirs@example.nhs.uk",
        password="spinal-theatre-42",
        organisation=other_organisation,
        role=roles.CLINICIAN,
        actor=their_admin,
        reason="Theirs",
    )
    organisations.role_grant(user=applicant, role=roles.LEAD, actor=admin_user, reason="Ours")

    ours = _page(lead, model="rolegrant").entries + _page(lead, model="membership").entries
    seen_by_them = _page(other_org_lead, member="theirs").entries

    assert "Theirs" not in {e.reason for e in ours}
    assert {e.reason for e in _page(lead, member="theirs").entries} == set()
    assert [(e.model, e.reason) for e in seen_by_them] == [
        ("rolegrant", "Theirs"),
        ("membership", "Theirs"),
    ]
    assert "Ours" not in {e.reason for e in _page(other_org_lead).entries}


def test_someone_in_two_organisations_has_their_roles_shown_to_both(
    lead, applicant, admin_user, other_organisation, other_org_lead
):
    other_organisation.members.add(admin_user)  # an administrator of both adds them there
    organisations.organisation_add_member(
        organisation=other_organisation, user=applicant, actor=admin_user, reason="Shared"
    )
    organisations.role_grant(user=applicant, role=roles.LEAD, actor=admin_user, reason="Promoted")

    for viewer in (lead, other_org_lead):
        assert [e.reason for e in _page(viewer, model="rolegrant").entries] == ["Promoted"]


def test_the_filters_by_who_made_the_change_and_by_whom_it_was_about(
    lead, applicant, admin_user, promoted, make_introduction
):
    make_introduction()
    organisations.role_grant(user=lead, role=roles.ADMIN, reason="By the command")

    by_admin = _page(lead, user="administrator").entries
    about_applicant = _page(lead, member="applicant").entries

    assert {(e.model, e.reason) for e in by_admin} == {
        ("rolegrant", "Joins the committee"),
        ("rolegrant", "Left the committee"),
    }
    assert [(e.model, e.type_label) for e in about_applicant] == [
        ("rolegrant", "Role taken away"),
        ("rolegrant", "Role given"),
        ("membership", "Member added"),
    ]
    assert _page(lead, member="nobody").entries == []


def test_one_introductions_history_leaves_out_roles_and_memberships(
    lead, promoted, make_introduction
):
    introduction = make_introduction()

    entries = _page(lead, introduction=introduction.pk).entries

    assert {e.model for e in entries} == {"introduction"}


def test_pages_walk_roles_memberships_and_introductions_together_without_gaps_or_repeats(
    lead, promoted, make_introduction
):
    make_introduction()
    everything = _page(lead).entries
    seen, cursor = [], None
    while True:
        page = audit.history_page(
            viewer=lead, filters=audit.HistoryFilter(), cursor=cursor, limit=2
        )
        seen.extend((e.model, e.history_id) for e in page.entries)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert seen == [(e.model, e.history_id) for e in everything]
    assert {model for model, _ in seen} == {"introduction", "rolegrant", "membership"}
    assert len(seen) == len(set(seen)) == 1 + 2 + 3  # created; given, taken; three joined


def test_an_unknown_record_type_names_the_ones_there_are():
    with pytest.raises(audit.ValidationError) as caught:
        audit.HistoryFilter.from_params({"model": "group"})

    assert "membership" in caught.value.message_dict["model"][0]
    assert "rolegrant" in caught.value.message_dict["model"][0]


# --- the API -------------------------------------------------------------------------------


def test_the_api_lists_role_grants_with_introduction_null(api_as, lead, promoted):
    body = api_as(lead).get("/api/v1/history/", {"model": "rolegrant"}).json()

    taken = body[0]
    assert {k: taken[k] for k in taken if k not in ("at", "changes", "user_display")} == {
        "user": "administrator",
        "model": "rolegrant",
        "model_label": "role grant",
        "object_id": taken["object_id"],
        "introduction": None,
        "introduction_title": "",
        "type": "-",
        "action": "Role taken away",
        "summary": f"Governance lead taken from {promoted.get_full_name()}",
        "reason": "Left the committee",
    }
    assert [(c["field"], c["old"], c["new"]) for c in taken["changes"]] == [
        ("role", "Governance lead", None),
        ("user", promoted.pk, None),
    ]


def test_the_api_filters_by_member_and_refuses_an_unknown_record_type(api_as, lead, promoted):
    client = api_as(lead)

    about = client.get("/api/v1/history/", {"member": "applicant"}).json()
    bad = client.get("/api/v1/history/", {"model": "group"})

    assert {e["model"] for e in about} == {"rolegrant", "membership"}
    assert bad.status_code == 400
    assert set(bad.json()) == {"model"}


def test_the_csv_export_has_a_line_for_each_role_grant_field(api_as, lead, promoted):
    response = api_as(lead).get("/api/v1/history/export/", {"model": "rolegrant"})

    lines = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [
        (line["type"], line["reason"], line["field"], line["old"], line["new"]) for line in lines
    ] == [
        ("-", "Left the committee", "role", "Governance lead", ""),
        ("-", "Left the committee", "user", promoted.get_full_name(), ""),
        ("+", "Joins the committee", "role", "", "Governance lead"),
        ("+", "Joins the committee", "user", "", promoted.get_full_name()),
    ]


def _people(count: int, actor) -> None:
    """`count` new users joining and each given a role, on record."""
    for _ in range(count):
        user = UserFactory()  # joins the only organisation
        organisations.role_grant(user=user, role=roles.CLINICIAN, actor=actor, reason="Joined")


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"model": "rolegrant"}, {"model": "membership"}])
def test_a_page_of_roles_and_memberships_costs_the_same_queries_for_few_or_many(
    api_as, lead, admin_user, params, django_assert_max_num_queries
):
    client = api_as(lead)
    _people(1, admin_user)
    client.get("/api/v1/history/")  # the forced user keeps its roles from here on
    few = _queries(client, "/api/v1/history/", params)
    _people(30, admin_user)

    with django_assert_max_num_queries(few):
        response = client.get("/api/v1/history/", params)

    # 31 people given a role; they, the lead and the administrator joined
    expected = {"": 50, "rolegrant": 31, "membership": 31 + 2}[params.get("model", "")]
    assert len(response.json()) == expected


# --- the page ------------------------------------------------------------------------------


def _rows(page: str) -> list[str]:
    """The history table's rows, unescaped as a person reads them (a name like O'Brien)."""
    table = page.split('data-testid="history"')[1].split("<tbody")[1].split("</tbody>")[0]
    return [
        html.unescape(row) for row in table.split('<tr class="nhsuk-table__row" role="row">')[1:]
    ]


def test_the_audit_page_shows_who_gave_which_role_to_whom_and_why(
    client, lead, admin_user, promoted
):
    client.force_login(lead)

    response = client.get(URL, {"model": "rolegrant"})

    taken, given = _rows(response.text)
    name = promoted.get_full_name()
    assert admin_user.get_full_name() in given
    assert f"Governance lead role given to {name}" in given
    assert f"Governance lead role taken from {name}" in taken
    assert "Role given</strong>: Joins the committee" in given
    assert "Role taken away</strong>: Left the committee" in taken
    assert 'href="/introductions/' not in given  # no introduction to link to
    assert "{#" not in response.text  # the templates' comments stay comments


def test_the_audit_page_filters_by_whose_roles_and_memberships(client, lead, promoted):
    client.force_login(lead)

    page = client.get(URL)
    about = client.get(URL, {"member": "applicant"})

    assert '<option value="rolegrant">Role grant</option>' in page.text
    assert '<option value="membership">Membership</option>' in page.text
    assert 'name="member"' in page.text
    assert len(_rows(about.text)) == 3  # given, taken, joined
    assert all(promoted.get_full_name() in row for row in _rows(about.text))


def test_the_audit_pages_queries_do_not_grow_with_roles_and_memberships(
    client, lead, admin_user, django_assert_max_num_queries
):
    _people(1, admin_user)
    client.force_login(lead)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    _people(30, admin_user)

    with django_assert_max_num_queries(len(few)):
        response = client.get(URL)

    assert len(_rows(response.text)) == 50
    assert Membership.objects.count() == 31 + 2  # and the lead and the administrator
