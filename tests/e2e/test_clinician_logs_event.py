"""A clinician logs a severe device event from a case in under ten fields; a governance lead
sees its Yellow Card due in the queue and marks it submitted with the MHRA reference; the
event page shows the history. Each page is accessible (axe); the form works without
JavaScript."""

from __future__ import annotations

import importlib
import re
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from coding.models import RuleSet
from governance import roles
from governance.cases import services as cases
from governance.events.models import AdverseEvent
from tests.e2e.conftest import describe, sign_out
from tests.factories import (
    PASSWORD,
    DeviceFactory,
    IntroductionFactory,
    UserFactory,
    default_organisation,
)

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Dynamic stabilisation of the lumbar spine"
DEVICE = "Dynamic stabilisation system"


@pytest.fixture
def case(transactional_db):
    # A transactional test starts from whatever an earlier one's flush left: put back what the
    # data migrations give (the roles, the catalogue and the IPG366 rule set).
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    seed = importlib.import_module("coding.migrations.0003_seed_catalogue_and_ipg366")
    seed.seed(apps, None)
    clinician = UserFactory(
        username="clinician", first_name="Clare", last_name="Morgan", roles=[roles.CLINICIAN]
    )
    lead = UserFactory(username="lead", first_name="Lee", last_name="Patel", roles=[roles.LEAD])
    default_organisation().members.add(clinician, lead)
    introduction = IntroductionFactory(
        status="approved",
        title=TITLE,
        applicant=clinician,
        guidance__reference="IPG366",
        guidance__ruleset=RuleSet.objects.get(name="IPG366"),
    )
    device = DeviceFactory(name=DEVICE, manufacturer="Spine Devices Ltd", catalogue_number="DS-40")
    introduction.device_links.create(device=device)
    return cases.case_log(
        introduction=introduction,
        actor=clinician,
        codes=["V40.1", "V55.1", "Y53.4", "Z67.6"],
        performed_on=date.today(),
        approach="percutaneous",
        image_guidance="fluoroscopy",
        levels=1,
        device=device,
        device_lot="LOT-2291",
    )


@pytest.fixture
def accessible(axe_violations):
    def check() -> None:
        violations = axe_violations()
        assert violations == [], describe(violations)

    return check


def test_a_severe_device_event_is_logged_from_a_case_and_its_yellow_card_submitted_by_a_lead(
    page, sign_in, accessible, case
):
    sign_in("clinician", PASSWORD)
    page.goto(f"/cases/{case.pk}/")
    events = page.get_by_test_id("case-events")
    expect(events).to_contain_text("No adverse event has been logged for this case.")
    accessible()

    events.get_by_role("button", name="Log an adverse event").click()
    expect(page.get_by_role("heading", name="Log an adverse event", level=1)).to_be_visible()
    expect(page.get_by_label("Device name")).to_be_hidden()  # only when a device was involved
    accessible()

    # Saved with nothing answered: each missing answer is named and linked to its field.
    page.get_by_role("button", name="Save adverse event").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Choose how much harm it caused")
    accessible()
    summary.get_by_role("link", name="Choose how much harm it caused").click()
    expect(page.get_by_label("No harm", exact=True)).to_be_focused()

    # The date is today's already; the device's details come from the case.
    filled = []

    def answer(what: str, action) -> None:
        filled.append(what)
        action()

    answer(
        "description",
        lambda: page.get_by_label("What happened?").fill(
            "Screw loosening on the 6 week X-ray with new leg pain; revision planned."
        ),
    )
    answer("category", lambda: page.get_by_label("Device failure").check())
    answer("harm", lambda: page.get_by_label("Severe harm").check())
    serious = page.get_by_role(
        "group", name="Might it have led to death or serious deterioration in health?"
    )
    answer("might have led", lambda: serious.get_by_label("Yes").check())
    device = page.get_by_role("group", name="Was a device involved?")
    answer("device involved", lambda: device.get_by_label("Yes", exact=True).first.check())
    expect(page.get_by_label("Device name")).to_have_value(DEVICE)
    expect(page.get_by_label("Manufacturer")).to_have_value("Spine Devices Ltd")
    expect(page.get_by_label("Lot or batch number (optional)")).to_have_value("LOT-2291")
    kept = page.get_by_role(
        "group", name="Is the device kept for the manufacturer's investigation?"
    )
    answer("kept", lambda: kept.get_by_label("Yes").check())
    answer(
        "where", lambda: page.get_by_label("Where is it kept?").fill("Theatre 3 sterile services")
    )
    answer(
        "reference",
        lambda: page.get_by_label("Local incident reference (optional)").fill("W-88213"),
    )
    accessible()
    assert len(filled) < 10, filled

    page.get_by_role("button", name="Save adverse event").click()
    expect(page).to_have_url(re.compile(r"/adverse-events/\d+/$"))
    expect(
        page.get_by_text("Adverse event recorded. A Yellow Card report to the MHRA is due by")
    ).to_be_visible()
    expect(page.get_by_test_id("yellow-card-status")).to_have_text("Due")
    expect(page.get_by_test_id("event-device")).to_contain_text("LOT-2291")
    expect(page.get_by_test_id("yellow-card")).not_to_contain_text("Mark as submitted")
    accessible()
    event = AdverseEvent.objects.get()
    assert (event.case_id, event.device_catalogue_number) == (case.pk, "DS-40")

    # The lead finds it due in the queue and marks it submitted with the MHRA's reference.
    sign_out(page)
    sign_in("lead", PASSWORD)
    page.get_by_role("link", name="Adverse events").first.click()
    expect(page.get_by_role("heading", name="Adverse events", level=1)).to_be_visible()
    expect(page.get_by_test_id("events")).to_contain_text(TITLE)
    accessible()
    page.get_by_role("link", name="The Yellow Card queue").click()
    queue = page.get_by_test_id("yellow-cards")
    row = queue.locator(f'tr[data-event="{event.pk}"]')
    expect(row).to_contain_text("Due")
    expect(row).to_contain_text(DEVICE)
    expect(page.get_by_role("link", name="Due (1)")).to_have_attribute("aria-current", "page")
    accessible()

    row.get_by_role("link", name="Mark as submitted").click()
    expect(
        page.get_by_role("heading", name="Mark the Yellow Card as submitted", level=1)
    ).to_be_visible()
    expect(page.get_by_label("Year")).to_have_value(str(date.today().year))
    accessible()
    page.get_by_label("MHRA Yellow Card reference").fill("2026/004711")
    page.get_by_role("button", name="Mark as submitted").click()

    expect(
        page.get_by_text("The Yellow Card is marked as submitted, reference 2026/004711")
    ).to_be_visible()
    expect(page.get_by_test_id("yellow-card-status")).to_have_text("Submitted")
    history = page.get_by_test_id("event-history")
    expect(history).to_contain_text("Yellow Card submitted to the MHRA: 2026/004711")
    expect(history).to_contain_text("Lee Patel")
    expect(history).to_contain_text("Recorded")
    expect(history).to_contain_text("Clare Morgan")
    accessible()

    page.get_by_role("link", name="Adverse events").first.click()
    page.get_by_role("link", name="The Yellow Card queue").click()
    expect(page.get_by_test_id("no-cards")).to_contain_text("No Yellow Card is due.")
    page.get_by_role("link", name="Submitted (1)").click()
    expect(page.get_by_test_id("yellow-cards")).to_contain_text("Ref 2026/004711")
    accessible()

    # The introduction page lists the event; its reopen and change forms are accessible too.
    page.goto(f"/introductions/{case.introduction_id}/")
    section = page.get_by_test_id("introduction-events")
    expect(section.get_by_test_id("events-count")).to_have_text("1")
    expect(section.locator(f'tr[data-event="{event.pk}"]')).to_contain_text("Submitted")
    accessible()
    section.locator(f'tr[data-event="{event.pk}"]').get_by_role("link").click()
    page.get_by_test_id("yellow-card").get_by_role("button", name="Reopen").click()
    expect(page.get_by_role("heading", name="Reopen the Yellow Card", level=1)).to_be_visible()
    accessible()
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name="Change the event's details").click()
    expect(page.get_by_label("Device name")).to_have_value(DEVICE)  # "Yes" shows its details
    accessible()


def test_without_javascript_the_device_questions_all_show_and_the_event_is_saved(
    browser, live_server, case
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/sign-in/")
        page.get_by_label("Username").fill("clinician")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_test_id("signed-in-user")).to_be_visible()
        page.goto(f"/cases/{case.pk}/adverse-events/new/")

        expect(page.get_by_label("Device name")).to_be_visible()
        expect(page.get_by_label("Device name")).to_have_value(DEVICE)
        expect(page.get_by_label("Where is it kept?")).to_be_visible()
        page.get_by_label("What happened?").fill("Superficial wound infection, oral antibiotics.")
        page.get_by_label("Infection").check()
        page.get_by_label("Low harm").check()
        page.get_by_role(
            "group", name="Might it have led to death or serious deterioration in health?"
        ).get_by_label("No").check()
        # "No" of the question itself, not of the one nested under its "Yes"
        page.locator('input[name="device_involved"][value="no"]').check()
        page.get_by_label("Year").first.fill("0001")
        page.get_by_role("button", name="Save adverse event").click()

        expect(page.locator(".nhsuk-error-summary")).to_contain_text("must be in 1990 or later")
        expect(page.get_by_label("What happened?")).to_have_value(
            "Superficial wound infection, oral antibiotics."
        )
        page.get_by_label("Year").first.fill(str(date.today().year))
        page.get_by_role("button", name="Save adverse event").click()

        expect(page.get_by_text("Adverse event recorded. No Yellow Card is needed")).to_be_visible()
        expect(page.get_by_test_id("yellow-card-status")).to_have_text("Not required")
    finally:
        context.close()
