"""Finding 9: a clinician read a rule set's change history (who changed it, when and why)
through `GET /api/v1/coding/rulesets/IPG366/history/`. SPEC.md section 2 keeps the audit
history for governance leads and administrators; every other history surface, pages and API,
is checked here for the same gap."""

from __future__ import annotations

from datetime import date

import pytest

from coding import services as coding
from governance.events import services as events
from tests.factories import GuidanceFactory, IntroductionFactory, UserFactory

pytestmark = pytest.mark.django_db

RULESET_HISTORY = "/api/v1/coding/rulesets/IPG366/history/"
REFUSAL = "Only governance leads and administrators may read the audit history."


@pytest.fixture
def changed_ipg366(ipg366, admin_user):
    # Version 2 of IPG366, changed by the administrator with a reason.
    definition = {**ipg366.definition, "approach_map": {**ipg366.definition["approach_map"]}}
    definition["approach_map"]["ct"] = "Y53.9"
    coding.ruleset_update(
        ruleset=ipg366, definition=definition, actor=admin_user, reason="CT-guided cases"
    )
    return ipg366


def test_a_clinician_is_refused_a_rule_sets_history_in_words(api_as, applicant, changed_ipg366):
    response = api_as(applicant).get(RULESET_HISTORY)

    assert response.status_code == 403
    assert response.json() == {"detail": REFUSAL}
    assert "CT-guided cases" not in response.content.decode()


@pytest.mark.parametrize("persona", ["lead", "admin_user"])
def test_leads_and_administrators_read_who_changed_a_rule_set_and_why(
    api_as, request, persona, changed_ipg366, admin_user
):
    response = api_as(request.getfixturevalue(persona)).get(RULESET_HISTORY)

    assert response.status_code == 200
    newest = response.json()[0]
    assert (newest["version"], newest["user"], newest["reason"]) == (
        2,
        admin_user.get_full_name(),
        "CT-guided cases",
    )


def test_a_clinician_still_reads_the_rule_set_itself(api_as, applicant, changed_ipg366):
    # The rules are what a clinician codes against; only who changed them, when, is audit.
    response = api_as(applicant).get("/api/v1/coding/rulesets/IPG366/")

    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_anonymous_and_roleless_callers_are_refused_the_history(api_client, api_as, changed_ipg366):
    assert api_client.get(RULESET_HISTORY).status_code in (401, 403)
    assert api_as(UserFactory(username="no_role")).get(RULESET_HISTORY).status_code == 403


# --- every other history surface --------------------------------------------------------------


def history_urls(introduction) -> list[str]:
    return [
        "/api/v1/history/",
        "/api/v1/history/export/",
        f"/api/v1/introductions/{introduction.pk}/history/",
        f"/api/v1/introductions/{introduction.pk}/history/export/",
        "/audit/",
        "/audit/export.csv",
    ]


def test_a_clinician_is_refused_every_other_history_page_and_endpoint(client, applicant):
    introduction = IntroductionFactory(applicant=applicant)
    client.force_login(applicant)

    answers = {url: client.get(url).status_code for url in history_urls(introduction)}

    assert answers == dict.fromkeys(history_urls(introduction), 403)


@pytest.mark.parametrize(
    "url",
    [
        "/coding/rulesets/IPG366/",  # the rule set page, with its versions
        "/coding/catalogue/",  # the catalogue page, with its recent changes
        "/administration/guidance/IPG366/",  # the guidance page, with its history
    ],
)
def test_the_pages_that_show_a_history_refuse_a_clinician(client, applicant, url, changed_ipg366):
    GuidanceFactory(reference="IPG366", ruleset=changed_ipg366)
    client.force_login(applicant)

    assert client.get(url).status_code == 403


def test_an_adverse_events_page_shows_its_history_to_a_lead_and_not_to_a_clinician(
    client, applicant, lead
):
    live = IntroductionFactory(status="approved", applicant=applicant)
    event = events.adverse_event_record(
        introduction=live,
        actor=applicant,
        occurred_on=date.today(),
        description="Superficial wound ooze, dressed on the ward.",
        harm="low",
        category="wound",
    )
    url = f"/adverse-events/{event.pk}/"

    client.force_login(applicant)
    seen_by_clinician = client.get(url)
    client.force_login(lead)
    seen_by_lead = client.get(url)

    assert (seen_by_clinician.status_code, seen_by_lead.status_code) == (200, 200)
    assert 'data-testid="event-history"' not in seen_by_clinician.content.decode()
    assert 'data-testid="event-history"' in seen_by_lead.content.decode()
