"""The adverse-event pages: the quick form from an introduction and from a case, the event page
with its Yellow Card panel and history, the change form; who may see and do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from governance.events.models import AdverseEvent
from tests.factories import DeviceFactory, IntroductionFactory

from .conftest import TODAY
from .pages import date_fields, event_form, severe_device_event, summary_links, url

pytestmark = pytest.mark.django_db

CARD_REFUSAL = "Only a governance lead may set the Yellow Card status of an adverse event."


@pytest.fixture
def case(log_case, device):
    """A case of yesterday with the introduction's device and its lot."""
    return log_case(days_ago=1, device=device, device_lot="LOT-2291")


# --- the quick form ----------------------------------------------------------------------------


def test_the_form_from_a_case_is_filled_in_with_the_cases_device_and_lot(client, applicant, case):
    client.force_login(applicant)

    response = client.get(url("event_new_for_case", case.pk))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["device_name"].value() == "Dynamic stabilisation system"
    assert form["device_catalogue_number"].value() == "DS-40"
    assert form["device_lot_number"].value() == "LOT-2291"
    assert form["occurred_on"].value() == TODAY
    assert "case" not in form.fields  # the page's case
    assert 'value="LOT-2291"' in response.text
    assert "filled in from the case" in response.text


def test_the_device_details_are_revealed_only_under_yes(client, applicant, case):
    client.force_login(applicant)

    html = client.get(url("event_new_for_case", case.pk)).text

    # The device's details sit in the conditional of "Yes", hidden until it is chosen (and
    # all shown when the frontend's script does not run: the class is styled only with it);
    # where the device is kept sits under "Yes" of "Is it kept for the investigation?".
    hidden = 'nhsuk-radios__conditional nhsuk-radios__conditional--hidden" id="conditional-{}"'
    assert 'data-aria-controls="conditional-id_device_involved_0"' in html
    assert hidden.format("id_device_involved_0") in html
    assert hidden.format("id_device_available_0") in html
    device = html.split('id="conditional-id_device_involved_0"')[1].split("</fieldset>")[0]
    for name in ("device_name", "device_manufacturer", "device_lot_number", "device_available"):
        assert f'name="{name}"' in device
    kept = html.split('id="conditional-id_device_available_0"')[1]
    assert 'name="device_kept_at"' in kept.split("</fieldset>")[0]
    assert 'name="device_name"' not in html.split('id="conditional-id_device_involved_0"')[0]

    refused = client.post(url("event_new_for_case", case.pk), {"device_involved": "yes"})

    assert 'nhsuk-radios__conditional" id="conditional-id_device_involved_0"' in refused.text


def test_a_severe_device_event_from_a_case_is_saved_with_its_card_due_and_the_banner_says_by_when(
    client, applicant, case, settings
):
    settings.YELLOW_CARD_DAYS_SERIOUS = 2
    client.force_login(applicant)
    # The browser posts what the page filled in: the case's device and lot.
    page = client.get(url("event_new_for_case", case.pk)).context["form"]
    prefilled = {
        name: page[name].value()
        for name in (
            "device_name",
            "device_manufacturer",
            "device_model",
            "device_catalogue_number",
            "device_lot_number",
        )
    }

    response = client.post(
        url("event_new_for_case", case.pk), severe_device_event(**prefilled), follow=True
    )

    event = AdverseEvent.objects.get()
    assert response.redirect_chain[-1][0] == url("event_detail", event.pk)
    assert event.case == case and event.introduction_id == case.introduction_id
    assert event.device_lot_number == "LOT-2291" and event.device_catalogue_number == "DS-40"
    assert event.yellow_card == "due"
    assert event.yellow_card_due_by == TODAY + timedelta(days=2)
    assert event.detected_on == event.occurred_on == TODAY
    assert event.device_kept_at == "Theatre 3 sterile services"
    by = event.yellow_card_due_by
    due = f"{by:%A} {by.day} {by:%B %Y}"
    assert (
        f"Adverse event recorded. A Yellow Card report to the MHRA is due by {due}."
        in response.text
    )


def test_device_details_left_empty_are_filled_in_from_the_case(client, applicant, case):
    client.force_login(applicant)

    client.post(url("event_new_for_case", case.pk), severe_device_event())

    event = AdverseEvent.objects.get()
    assert event.device_name == "Dynamic stabilisation system"
    assert event.device_lot_number == "LOT-2291"


def test_an_event_without_a_device_needs_no_card_and_the_banner_says_why(client, applicant, case):
    client.force_login(applicant)

    response = client.post(url("event_new_for_case", case.pk), event_form(), follow=True)

    event = AdverseEvent.objects.get()
    assert event.yellow_card == "not_required"
    assert "No Yellow Card is needed: no device was involved." in response.text


def test_device_details_typed_before_answering_no_are_not_kept(client, applicant, case):
    client.force_login(applicant)

    client.post(
        url("event_new_for_case", case.pk),
        event_form(
            device_name="Typed then changed mind", device_available="yes", device_kept_at="X"
        ),
    )

    event = AdverseEvent.objects.get()
    assert event.device_involved is False
    assert (event.device_name, event.device_available, event.device_kept_at) == ("", None, "")


def test_the_form_from_an_introduction_fills_in_its_only_device_and_links_a_case_by_number(
    client, applicant, live, case
):
    client.force_login(applicant)
    form = client.get(url("event_new", live.pk)).context["form"]
    assert form["device_name"].value() == "Dynamic stabilisation system"
    assert form["device_lot_number"].value() in ("", None)

    client.post(url("event_new", live.pk), event_form(case=case.pk))

    assert AdverseEvent.objects.get().case == case


def test_a_case_of_another_introduction_is_an_error_on_the_case_field(
    client, applicant, live, log_case, ipg366
):
    other = IntroductionFactory(status="approved", applicant=applicant, guidance__ruleset=ipg366)
    elsewhere = log_case(introduction=other)
    client.force_login(applicant)

    response = client.post(url("event_new", live.pk), event_form(case=elsewhere.pk))

    assert response.status_code == 200
    assert summary_links(response.text) == {"id_case": "Choose a case of this introduction."}
    assert not AdverseEvent.objects.exists()


def test_each_missing_answer_is_named_in_the_summary_and_linked_to_its_field(
    client, applicant, live
):
    client.force_login(applicant)

    response = client.post(url("event_new", live.pk), {"description": "Kept as typed."})

    assert summary_links(response.text) == {
        "id_occurred_on": "Enter the date it happened",
        "id_category_0": "Choose what kind of event it was",
        "id_harm_0": "Choose how much harm it caused",
        "id_might_have_led_to_serious_0": "Say whether it might have led to death or serious harm",
        "id_device_involved_0": "Say whether a device was involved",
    }
    assert "Kept as typed." in response.text
    assert "(error)" in response.text.split("</title>")[0]


def test_a_device_without_a_name_is_refused_on_the_name(client, applicant, live):
    live.device_links.all().delete()
    client.force_login(applicant)

    response = client.post(
        url("event_new", live.pk),
        severe_device_event(device_name="", device_lot_number="L-1", description="Kept"),
    )

    assert summary_links(response.text) == {
        "id_device_name": "Enter the name of the device involved."
    }
    assert 'value="L-1"' in response.text  # nothing typed is lost
    assert 'nhsuk-radios__conditional" id="conditional-id_device_involved_0"' in response.text


@pytest.mark.parametrize(
    ("fields", "target", "message"),
    [
        (date_fields("occurred_on", (1, 1, "0001")), "id_occurred_on", "must be in 1990 or later"),
        (date_fields("occurred_on", (10**20, 1, 2026)), "id_occurred_on", "must be a real date"),
        (
            date_fields("occurred_on", TODAY + timedelta(days=1)),
            "id_occurred_on",
            "cannot be in the future",
        ),
        (date_fields("occurred_on", (1, 1, 26)), "id_occurred_on", "Year must include 4 numbers"),
        (
            date_fields("detected_on", TODAY - timedelta(days=9)),
            "id_detected_on",
            "cannot be found before it happened",
        ),
        ({"description": "x" * 5001}, "id_description", "5000 characters or fewer"),
        ({"local_reference": "9" * 101}, "id_local_reference", "100 characters or fewer"),
        ({"case": "9" * 40}, "id_case", "There is no case with this number"),
        ({"case": "twelve"}, "id_case", "whole number"),
        ({"harm": "catastrophic"}, "id_harm_0", "Choose a grade of harm from the list"),
        ({"description": "nul \x00 here"}, "id_description", "Null characters are not allowed"),
    ],
)
def test_bad_input_is_a_form_error_on_its_field_never_a_crash(
    client, applicant, live, fields, target, message
):
    client.force_login(applicant)
    data = event_form(occurred_on=TODAY - timedelta(days=3), **{})
    data.update(fields)

    response = client.post(url("event_new", live.pk), data)

    assert response.status_code == 200
    links = summary_links(response.text)
    assert target in links and message in links[target], links
    assert not AdverseEvent.objects.exists()


def test_an_introduction_never_approved_takes_no_event_and_says_why(client, applicant, ipg366):
    draft = IntroductionFactory(status="submitted", applicant=applicant, guidance__ruleset=ipg366)
    client.force_login(applicant)

    response = client.get(url("event_new", draft.pk))

    assert response.status_code == 409
    assert (
        "Adverse events are recorded under an introduction that has been approved" in response.text
    )


def test_an_administrator_is_refused_the_form_in_words(client, admin_user, live):
    client.force_login(admin_user)

    response = client.get(url("event_new", live.pk))

    assert response.status_code == 403
    assert (
        "Only a clinician or governance lead may log cases, outcomes and adverse events."
        in response.text
    )


# --- the event page ------------------------------------------------------------------------


@pytest.fixture
def due_event(record, case):
    return record(
        case=case,
        harm="severe",
        category="device_failure",
        device_involved=True,
        might_have_led_to_serious=True,
    )


def test_the_event_page_shows_the_answers_the_card_and_links_to_the_case(
    client, applicant, due_event
):
    client.force_login(applicant)

    response = client.get(url("event_detail", due_event.pk))

    html = response.text
    assert response.status_code == 200
    assert 'data-testid="yellow-card-status">Due<' in html
    assert f"due by {due_event.yellow_card_due_by:%A}" in html
    assert f'href="{url("case_detail", due_event.case_id)}"' in html
    assert "This event makes the case a failure" in html
    assert "LOT-2291" in html  # filled in from the case by the service
    assert f'href="{url("event_change", due_event.pk)}"' in html


def test_a_clinician_sees_no_yellow_card_actions_and_is_refused_them_in_words(
    client, applicant, due_event
):
    client.force_login(applicant)

    page = client.get(url("event_detail", due_event.pk)).text

    assert (
        "Mark as submitted" not in page
        and "not reportable" not in page.lower().split("yellow-card-sentence")[0]
    )
    for name in ("yellow_card_submitted", "yellow_card_not_reportable", "yellow_card_reopen"):
        for response in (
            client.get(url(name, due_event.pk)),
            client.post(url(name, due_event.pk), {"reference": "X", "reason": "Y"}),
        ):
            assert response.status_code == 403
            assert CARD_REFUSAL in response.text
    due_event.refresh_from_db()
    assert due_event.yellow_card == "due"
    assert "History" not in page  # the audit history is for leads and administrators


def test_a_lead_marks_the_card_submitted_and_the_history_says_who_when_and_why(
    client, lead, due_event
):
    client.force_login(lead)
    page = client.get(url("event_detail", due_event.pk)).text
    assert f'href="{url("yellow_card_submitted", due_event.pk)}"' in page
    assert f'href="{url("yellow_card_not_reportable", due_event.pk)}"' in page

    response = client.post(
        url("yellow_card_submitted", due_event.pk),
        {"reference": "2026/004711", **date_fields("submitted_on", TODAY)},
        follow=True,
    )

    due_event.refresh_from_db()
    assert (due_event.yellow_card, due_event.yellow_card_reference) == ("submitted", "2026/004711")
    html = response.text
    assert "The Yellow Card is marked as submitted, reference 2026/004711" in html
    history = html.split('data-testid="event-history"')[1]
    assert "Yellow Card submitted to the MHRA: 2026/004711" in history
    assert "Due" in history and "Submitted" in history  # the card's change, before and after
    assert "Recorded" in history and "Adverse event recorded" in history
    assert f'href="{url("yellow_card_reopen", due_event.pk)}"' in html


def test_the_submitted_form_names_its_missing_answers(client, lead, due_event):
    client.force_login(lead)

    response = client.post(url("yellow_card_submitted", due_event.pk), {"reference": " "})

    assert summary_links(response.text) == {
        "id_reference": "Enter the MHRA Yellow Card reference",
        "id_submitted_on": "Enter the date it was submitted",
    }


def test_a_submission_dated_before_the_event_was_found_is_an_error_on_the_date(
    client, lead, due_event
):
    client.force_login(lead)

    response = client.post(
        url("yellow_card_submitted", due_event.pk),
        {"reference": "R1", **date_fields("submitted_on", TODAY - timedelta(days=30))},
    )

    assert summary_links(response.text) == {
        "id_submitted_on": "It cannot be submitted before the event was found."
    }
    assert 'value="R1"' in response.text


def test_a_lead_marks_the_card_not_reportable_with_a_reason_and_reopens_it(client, lead, due_event):
    client.force_login(lead)
    refused = client.post(url("yellow_card_not_reportable", due_event.pk), {"reason": ""})
    assert summary_links(refused.text) == {"id_reason": "Say why the event is not reportable"}

    client.post(url("yellow_card_not_reportable", due_event.pk), {"reason": "Not a device cause."})
    due_event.refresh_from_db()
    assert due_event.yellow_card == "not_reportable"
    page = client.get(url("event_detail", due_event.pk)).text
    assert "Not a device cause." in page

    response = client.post(
        url("yellow_card_reopen", due_event.pk),
        {"reason": "Manufacturer found a fault."},
        follow=True,
    )

    due_event.refresh_from_db()
    assert due_event.yellow_card == "due"
    assert "The Yellow Card is due again: due by" in response.text


def test_reopening_a_card_already_due_is_a_conflict_in_words(client, lead, due_event):
    client.force_login(lead)

    response = client.post(url("yellow_card_reopen", due_event.pk), {"reason": "Again"})

    assert response.status_code == 409
    assert "The Yellow Card is already due." in response.text
    assert "Again" in response.text


def test_the_change_form_keeps_the_reason_in_the_history(client, applicant, lead, due_event):
    client.force_login(applicant)
    form = client.get(url("event_change", due_event.pk)).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if not k.endswith("_on")}
    data.update(date_fields("occurred_on", due_event.occurred_on))
    data.update({f"detected_on_{p}": "" for p in ("day", "month", "year")})
    data.update(harm="moderate", reason="Graded again at the morbidity meeting.")

    response = client.post(url("event_change", due_event.pk), data, follow=True)

    due_event.refresh_from_db()
    assert due_event.harm == "moderate"
    assert "Adverse event changed." in response.text
    client.force_login(lead)
    history = client.get(url("event_detail", due_event.pk)).text.split(
        'data-testid="event-history"'
    )[1]
    assert "Graded again at the morbidity meeting." in history
    assert "Severe harm" in history and "Moderate harm" in history


def test_the_change_form_needs_a_reason(client, applicant, due_event):
    client.force_login(applicant)

    response = client.post(url("event_change", due_event.pk), event_form())

    assert summary_links(response.text)["id_reason"] == "Enter why you are changing the event"


@pytest.mark.parametrize(
    "name",
    [
        "event_detail",
        "event_change",
        "yellow_card_submitted",
        "yellow_card_not_reportable",
        "yellow_card_reopen",
    ],
)
def test_another_trusts_lead_finds_no_event(client, other_org_lead, due_event, name):
    client.force_login(other_org_lead)

    assert client.get(url(name, due_event.pk)).status_code == 404
    if name != "event_detail":
        assert client.post(url(name, due_event.pk), {"reason": "x"}).status_code == 404


def test_another_trusts_lead_finds_no_form_to_log_an_event(client, other_org_lead, case, live):
    client.force_login(other_org_lead)

    assert client.get(url("event_new", live.pk)).status_code == 404
    assert client.get(url("event_new_for_case", case.pk)).status_code == 404


# --- the introduction and case pages -------------------------------------------------------


def test_the_introduction_page_lists_its_events_and_offers_to_log_one(
    client, applicant, live, due_event
):
    client.force_login(applicant)

    html = client.get(reverse("governance:introduction_detail", args=[live.pk])).text

    section = html.split('data-testid="introduction-events"')[1].split("</section>")[0]
    assert f'href="{url("event_new", live.pk)}"' in section
    assert f'data-event="{due_event.pk}"' in section
    assert 'data-testid="events-count">1<' in section


def test_the_case_page_lists_its_events_and_offers_to_log_one(client, applicant, due_event):
    client.force_login(applicant)

    html = client.get(url("case_detail", due_event.case_id)).text

    section = html.split('data-testid="case-events"')[1].split("</section>")[0]
    assert f'href="{url("event_new_for_case", due_event.case_id)}"' in section
    assert f'data-event="{due_event.pk}"' in section


def test_an_administrator_reads_the_events_but_is_not_offered_to_log_one(
    client, admin_user, live, due_event
):
    client.force_login(admin_user)

    intro = client.get(reverse("governance:introduction_detail", args=[live.pk])).text
    case = client.get(url("case_detail", due_event.case_id)).text

    assert "Log an adverse event" not in intro and "Log an adverse event" not in case
    assert client.get(url("event_detail", due_event.pk)).status_code == 200


def test_the_leads_home_page_shows_the_overdue_cards(client, lead, record):
    device = {"category": "device_failure", "device_involved": True, "device_name": "DS"}
    overdue = record(occurred_on=TODAY - timedelta(days=20), harm="severe", **device)
    record(harm="severe", **device)  # due, not yet overdue
    client.force_login(lead)

    html = client.get("/").text

    section = html.split("Yellow Cards overdue")[1].split("</section>")[0]
    assert section.count("<li>") == 1
    assert f'href="{url("event_detail", overdue.pk)}"' in section
    assert f'href="{reverse("governance:yellow_card_queue")}"' in section


def test_a_clinicians_home_page_has_no_yellow_card_section(client, applicant):
    client.force_login(applicant)

    assert "Yellow Cards overdue" not in client.get("/").text


def test_the_device_of_an_introduction_with_several_is_left_to_the_reporter(
    client, applicant, live
):
    live.device_links.create(device=DeviceFactory(name="Second system"))
    client.force_login(applicant)

    form = client.get(url("event_new", live.pk)).context["form"]

    assert form["device_name"].value() in ("", None)
