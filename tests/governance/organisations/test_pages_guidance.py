"""The administration pages of guidance: the list, a guidance with its history, importing a
NICE page saved as text (the same service as `import_guidance`), and NICE's recommendation
recorded with a reason. The approval warning leads administrators there, and only them."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coding.models import RuleSet
from governance.introductions.views import missing_items
from governance.models import Guidance
from tests.coding.conftest import GUIDANCE_DISC_FUSION
from tests.factories import GuidanceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


def upload(content: bytes, name: str = "ipg387.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_the_list_shows_reference_title_recommendation_and_rule_set(as_admin, ipg366):
    GuidanceFactory(reference="IPG366", title="Non-rigid stabilisation", ruleset=ipg366)
    GuidanceFactory(reference="IPG999", title="Unrecorded", recommendation=None, ruleset=None)

    page = text(as_admin.get("/administration/guidance/"))

    assert "Non-rigid stabilisation" in page
    assert "Standard arrangements" in page
    assert 'href="/coding/rulesets/IPG366/"' in page
    assert "Not recorded" in page
    assert 'href="/administration/guidance/IPG999/"' in page


@pytest.mark.parametrize("persona", ["applicant", "lead"])
def test_clinicians_and_leads_may_not_open_a_guidance(client, request, persona):
    guidance = GuidanceFactory(reference="IPG366")
    client.force_login(request.getfixturevalue(persona))

    assert client.get(f"/administration/guidance/{guidance.reference}/").status_code == 403
    response = client.post(
        f"/administration/guidance/{guidance.reference}/recommendation/",
        {"recommendation": "do_not_use", "reason": "x"},
    )
    assert response.status_code == 403
    guidance.refresh_from_db()
    assert guidance.recommendation == "standard"


def test_an_unknown_guidance_is_not_found(as_admin):
    assert as_admin.get("/administration/guidance/IPG000/").status_code == 404
    assert as_admin.get("/administration/guidance/%3Cx%3E/recommendation/").status_code == 404


def test_importing_a_page_creates_the_guidance_and_its_rule_set_on_record(
    as_admin, admin_user, ipg366
):
    response = as_admin.post(
        "/administration/guidance/import/",
        {"reference": "ipg387", "file": upload(GUIDANCE_DISC_FUSION.read_bytes()), "url": ""},
        follow=True,
    )

    guidance = Guidance.objects.get(reference="IPG387")
    ruleset = RuleSet.objects.get(name="IPG387")
    assert response.redirect_chain[-1][0] == "/administration/guidance/IPG387/"
    page = text(response)
    assert "IPG387 imported. Rule set IPG387 created at version 1" in page
    assert guidance.title == "Percutaneous lumbar disc excision with interbody fusion"
    assert guidance.ruleset == ruleset
    assert ruleset.definition["procedure_codes"] == ["V33.8", "V38.8"]
    assert guidance.history.get().history_user == admin_user
    assert "Imported from the IPG387 guidance page (ipg387.txt)" in page  # its history


def test_importing_the_same_page_again_changes_nothing(as_admin, ipg366):
    data = GUIDANCE_DISC_FUSION.read_bytes()
    as_admin.post("/administration/guidance/import/", {"reference": "IPG387", "file": upload(data)})

    response = as_admin.post(
        "/administration/guidance/import/",
        {"reference": "IPG387", "file": upload(data)},
        follow=True,
    )

    assert "unchanged at version 1" in text(response)
    assert Guidance.objects.get(reference="IPG387").history.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reference": "not a reference"}, "is not a NICE guidance reference"),
        ({"reference": ""}, "Enter the NICE reference"),
        ({"file": None}, "Choose the guidance page to upload"),
        ({"file": b"A page about something else entirely.\n"}, "no 'Coding recommendations'"),
        ({"file": b"\xff\xfe\x00\x00garbage"}, "no 'Coding recommendations'"),
        ({"file": b"Coding recommendations\n\nV33.8 Excision\n"}, "the page gives no title"),
        ({"url": "javascript:alert(1)"}, "Enter the address of the page"),
    ],
)
def test_a_bad_import_is_refused_on_the_form_and_writes_nothing(as_admin, ipg366, data, message):
    fields = {"reference": "IPG387", "file": GUIDANCE_DISC_FUSION.read_bytes(), **data}
    if fields["file"] is None:
        del fields["file"]
    else:
        fields["file"] = upload(fields["file"])

    response = as_admin.post("/administration/guidance/import/", fields)

    assert response.status_code == 200
    assert message in text(response)
    assert "There is a problem" in text(response)
    assert not Guidance.objects.exists()
    assert not RuleSet.objects.filter(name="IPG387").exists()


def test_a_title_given_on_the_form_stands_in_for_the_page(as_admin, ipg366):
    as_admin.post(
        "/administration/guidance/import/",
        {
            "reference": "IPG998",
            "file": upload(b"Coding recommendations\n\nV33.8 Other specified excision\n"),
            "title": "Disc excision",
        },
    )

    assert Guidance.objects.get(reference="IPG998").title == "Disc excision"


def test_recording_the_recommendation_keeps_who_and_why(as_admin, admin_user):
    guidance = GuidanceFactory(reference="IPG366", recommendation=None)

    response = as_admin.post(
        "/administration/guidance/IPG366/recommendation/",
        {"recommendation": "special", "reason": "NICE page, section 1.1"},
        follow=True,
    )

    guidance.refresh_from_db()
    assert guidance.recommendation == "special"
    row = guidance.history.first()
    assert (row.history_user, row.history_change_reason) == (admin_user, "NICE page, section 1.1")
    page = text(response)
    assert "NICE's recommendation for IPG366 is recorded: Special arrangements" in page
    assert "NICE page, section 1.1" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"recommendation": "special", "reason": ""},
            "Enter why you are recording this recommendation",
        ),
        ({"recommendation": "maybe", "reason": "x"}, "Select a valid choice"),
        ({"reason": "x"}, "Choose NICE's recommendation"),
    ],
)
def test_a_bad_recommendation_is_refused(as_admin, data, message):
    guidance = GuidanceFactory(reference="IPG366", recommendation=None)

    response = as_admin.post("/administration/guidance/IPG366/recommendation/", data)

    assert response.status_code == 200
    assert message in text(response)
    guidance.refresh_from_db()
    assert guidance.recommendation is None


# --- the approval warning --------------------------------------------------------------------


def test_the_approval_warning_links_an_administrator_to_the_guidance_page(
    make_introduction, admin_user
):
    introduction = make_introduction(guidance=GuidanceFactory(reference="IPG366"))

    items = missing_items(introduction, ["recommendation", "coding-ruleset"], admin_user)

    assert [item.url for item in items] == ["/administration/guidance/IPG366/"] * 2


@pytest.mark.parametrize("persona", ["applicant", "lead"])
def test_others_are_told_who_does_it_without_a_link(make_introduction, request, persona):
    introduction = make_introduction(guidance=GuidanceFactory(reference="IPG366"))
    user = request.getfixturevalue(persona)

    items = missing_items(introduction, ["recommendation", "do-not-use", "coding-ruleset"], user)

    assert [(item.url, item.who) for item in items] == [
        (None, "An administrator records NICE's recommendation."),
        (None, "An administrator records NICE's recommendation."),
        (None, "An administrator sets the coding rule set."),
    ]
