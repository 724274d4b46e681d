"""The list of adverse events (SPEC.md section 4): only the caller's organisations, cursor pages
whose `next` links walk every event once, the filters, and a 400 naming a bad one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from governance import roles
from governance.events import services
from governance.events.models import AdverseEvent
from tests.factories import IntroductionFactory, OrganisationFactory, UserFactory

from .conftest import TODAY

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/adverse-events/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def found(days_ago: int) -> dict:
    day = TODAY - timedelta(days=days_ago)
    return {"occurred_on": day, "detected_on": day}


def device_event(record, days_ago: int = 0, harm: str = "severe", **fields):
    return record(
        harm=harm, device_involved=True, device_name="System", **found(days_ago), **fields
    )


def test_the_next_links_walk_every_event_once_the_most_recently_found_first(
    api_as, admin_user, record
):
    for days_ago in (5, 3, 3, 9, 0, 3, 1, 7, 3, 2):  # ties on a day are ordered by id
        record(**found(days_ago))
    client = api_as(admin_user)

    seen, url, pages = [], f"{EVENTS}?page_size=3", 0
    while url:
        page = client.get(url).json()
        assert set(page) == {"next", "previous", "results"}
        seen += [row["id"] for row in page["results"]]
        url, pages = page["next"], pages + 1

    expected = AdverseEvent.objects.order_by("-detected_on", "-id").values_list("pk", flat=True)
    assert seen == list(expected)
    assert pages == 4


def test_a_malformed_cursor_is_a_400_not_a_500(api_as, admin_user):
    assert api_as(admin_user).get(EVENTS, {"cursor": "nonsense"}).status_code == 400


def test_only_the_callers_organisations_events_are_listed(
    api_as, applicant, other_org_lead, other_organisation, record, ipg366
):
    mine = record()
    theirs_introduction = IntroductionFactory(
        status="approved", organisation=other_organisation, guidance__ruleset=ipg366
    )
    theirs = services.adverse_event_record(
        introduction=theirs_introduction,
        actor=other_org_lead,
        occurred_on=TODAY,
        description="Theirs.",
        harm="low",
        category="wound",
    )

    assert ids(api_as(applicant).get(EVENTS)) == [mine.pk]
    assert ids(api_as(other_org_lead).get(EVENTS)) == [theirs.pk]


def test_a_member_of_two_organisations_sees_the_events_of_both(
    api_as, applicant, other_organisation, record, ipg366
):
    third = OrganisationFactory(name="Third NHS Trust", ods_code="RYY")
    other_organisation.members.add(applicant)
    there = IntroductionFactory(
        status="approved", organisation=other_organisation, guidance__ruleset=ipg366
    )
    elsewhere = IntroductionFactory(status="approved", organisation=third, guidance__ruleset=ipg366)
    stranger = UserFactory(username="stranger", roles=[roles.CLINICIAN])
    third.members.add(stranger)
    here, other = record(), record(introduction=there)
    record(introduction=elsewhere, actor=stranger)  # a third trust's: never seen

    assert set(ids(api_as(applicant).get(EVENTS))) == {here.pk, other.pk}


# --- filters ---------------------------------------------------------------------------------


def test_the_harm_filter(api_as, applicant, record):
    low, severe = record(harm="low"), record(harm="severe")
    client = api_as(applicant)

    assert ids(client.get(EVENTS, {"harm": "severe"})) == [severe.pk]
    assert ids(client.get(EVENTS, {"harm": "low"})) == [low.pk]
    assert ids(client.get(EVENTS, {"harm": "fatal"})) == []


def test_the_yellow_card_filter_finds_each_state_and_overdue_among_due(
    api_as, applicant, lead, record
):
    overdue = device_event(record, days_ago=20)
    due = device_event(record, days_ago=0)
    submitted = device_event(record, days_ago=3)
    services.yellow_card_set(
        event=submitted, actor=lead, status="submitted", reference="YC-1", submitted_on=TODAY
    )
    not_reportable = device_event(record, days_ago=4)
    services.yellow_card_set(
        event=not_reportable, actor=lead, status="not_reportable", reason="Not the device."
    )
    not_required = record(harm="low")
    client = api_as(applicant)

    def card(value):
        return set(ids(client.get(EVENTS, {"yellow_card": value})))

    assert card("overdue") == {overdue.pk}
    assert card("due") == {overdue.pk, due.pk}
    assert card("submitted") == {submitted.pk}
    assert card("not_reportable") == {not_reportable.pk}
    assert card("not_required") == {not_required.pk}


def test_the_introduction_and_case_filters(api_as, applicant, live, record, log_case, ipg366):
    other = IntroductionFactory(status="approved", applicant=applicant, guidance__ruleset=ipg366)
    case = log_case(days_ago=3)
    on_case, on_live, on_other = record(case=case), record(), record(introduction=other)
    client = api_as(applicant)

    assert set(ids(client.get(EVENTS, {"introduction": live.pk}))) == {on_case.pk, on_live.pk}
    assert ids(client.get(EVENTS, {"introduction": other.pk})) == [on_other.pk]
    assert ids(client.get(EVENTS, {"case": case.pk})) == [on_case.pk]
    assert ids(client.get(EVENTS, {"case": case.pk, "harm": "severe"})) == []


def test_filters_combine(api_as, applicant, live, record):
    wanted = device_event(record, days_ago=20, harm="fatal")
    device_event(record, days_ago=20, harm="severe")
    record(harm="fatal")

    response = api_as(applicant).get(
        EVENTS, {"harm": "fatal", "yellow_card": "overdue", "introduction": live.pk}
    )

    assert ids(response) == [wanted.pk]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("harm", "terrible"),
        ("harm", ""),
        ("yellow_card", "late"),
        ("yellow_card", "DUE"),
        ("introduction", "one"),
        ("introduction", "-1"),
        ("introduction", "0"),
        ("introduction", "99999999999999999999999"),
        ("case", "1.5"),
        ("case", ""),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(api_as, applicant, name, value):
    response = api_as(applicant).get(EVENTS, {name: value})

    assert response.status_code == 400
    assert list(response.json()) == [name]
