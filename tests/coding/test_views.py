"""The pages: "Check coding" for every role, rule sets and the catalogue for administrators."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from coding import services
from tests.coding.conftest import TRUD_SAMPLE

pytestmark = pytest.mark.django_db

CHECK = reverse("coding:check")


def text(response) -> str:
    """The page's text as a person reads it (tags dropped, entities such as &#x27; read)."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def check(client, codes: str, htmx: bool = False, **context):
    data = {"ruleset": "IPG366", "codes": codes, "approach": "", "image_guidance": "", **context}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(CHECK, data, headers=headers)


@pytest.mark.parametrize("persona", ["applicant", "lead", "admin_user"])
def test_every_role_reaches_the_check_coding_page(client, request, persona, ipg366):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(CHECK)

    assert response.status_code == 200
    assert '<option value="IPG366" selected>IPG366</option>' in response.content.decode()
    assert "Check coding" in text(response)


def test_a_user_without_a_role_cannot_check_coding(client, outsider):
    client.force_login(outsider)

    assert client.get(CHECK).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(CHECK)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_issues_are_shown_against_each_codes_position_in_plain_words(client, applicant, ipg366):
    client.force_login(applicant)

    response = check(client, "V40.1, Z67.6")

    assert response.status_code == 200
    assert response.templates[0].name == "coding/check.html"
    page = response.content.decode()
    row = re.search(r'<tr [^>]*data-position="1"[^>]*>(.*?)</tr>', page, re.S)[1]
    assert "V40.1" in row and "Non-rigid stabilisation of spine" in row
    assert "Levels of spine code missing" in row and 'data-rule="levels-missing"' in row
    assert "levels unknown, so V55.9" in row
    assert "Not valid" in text(response)
    assert 'name="codes" value="V40.1 V55.9 Z67.6"' in page
    assert "Use suggested coding" in page


def test_htmx_gets_only_the_form_and_result(client, applicant, ipg366):
    client.force_login(applicant)

    response = check(client, "V40.1 V55.1 Z67.6", htmx=True, levels="1")

    assert response.templates[0].name == "coding/_check.html"
    assert "<html" not in response.content.decode()
    assert "Valid" in text(response) and "Not valid" not in text(response)
    assert "Nothing to change." in text(response)


def test_using_the_suggestion_checks_the_suggested_sequence(client, applicant, ipg366):
    client.force_login(applicant)
    first = check(client, "V40.1 Z67.6", htmx=True, levels="1").content.decode()
    suggestion = re.search(r"<form[^>]*>(?:(?!</form>).)*Use suggested coding", first, re.S)[0]
    posted = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', suggestion))

    response = client.post(CHECK, posted, headers={"HX-Request": "true"})

    assert posted["codes"] == "V40.1 V55.1 Z67.6"
    assert posted["levels"] == "1"
    assert "Valid" in text(response) and "Not valid" not in text(response)
    assert "V40.1 V55.1 Z67.6</textarea>" in response.content.decode()


def test_issues_without_a_position_are_listed_apart(client, applicant, ipg366):
    client.force_login(applicant)

    response = check(client, "V40.1 V55.1", levels="1")

    general = re.search(r'data-testid="general-issues">(.*?)</ul>', response.content.decode(), re.S)
    assert "Site code missing" in general[1]
    assert "No code can be added or moved for you" in text(response)


def test_a_code_that_is_not_a_code_gives_no_suggestion(client, applicant, ipg366):
    client.force_login(applicant)

    response = check(client, "V40.1 banana Z67.6")

    assert "Not an OPCS-4 code" in text(response)
    assert "There is no suggested coding while an entry is not an OPCS-4 code" in text(response)
    assert "Use suggested coding" not in text(response)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"codes": " , ; "}, "codes", "Enter the OPCS-4 codes to check"),
        ({"codes": "V40.1 " * 25}, "codes", "Enter 24 codes or fewer"),
        ({"levels": "two"}, "levels", "Enter the spinal levels treated as a whole number"),
        ({"levels": "0"}, "levels", "Spinal levels treated must be 1 or more"),
        ({"approach": "keyhole"}, "approach", "Select a valid choice"),
        ({"ruleset": "IPG000"}, "ruleset", "Select a valid choice"),
    ],
)
def test_bad_input_is_shown_in_the_error_summary_linked_to_its_field(
    client, applicant, ipg366, data, field, message
):
    client.force_login(applicant)

    response = check(client, **{"codes": "V40.1", **data})

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert re.search(rf'<a href="#id_{field}(_0)?">{message}', page)
    assert "(error)" in page  # in the title
    assert 'data-testid="coding-result"' not in page


@pytest.mark.parametrize("url", ["coding:ruleset_list", "coding:catalogue"])
@pytest.mark.parametrize("persona", ["applicant", "lead"])
def test_only_administrators_see_rule_sets_and_the_catalogue(client, request, persona, url):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse(url)).status_code == 403
    assert client.get(reverse("coding:ruleset_detail", args=["IPG366"])).status_code == 403


def test_administrators_see_the_rule_sets(client, admin_user, ipg366):
    client.force_login(admin_user)

    response = client.get(reverse("coding:ruleset_list"))

    assert response.status_code == 200
    assert reverse("coding:ruleset_detail", args=["IPG366"]) in response.content.decode()
    assert "V40.1" in text(response)


def test_a_rule_set_is_shown_in_words_with_its_version_history(client, admin_user, ipg366):
    definition = {**ipg366.definition, "spinal_categories": ["V22", "V23", "V24", "V69"]}
    services.ruleset_update(
        ruleset=ipg366, definition=definition, actor=admin_user, reason="Narrowed for a test"
    )
    client.force_login(admin_user)

    response = client.get(reverse("coding:ruleset_detail", args=["ipg366"]))

    page = text(response)
    assert "IPG366, version 2" in page
    assert "V22 to V24, V69" in page
    assert "1 level: V55.1 One level of spine" in page
    assert "Fluoroscopy: Y53.4 Approach to organ under fluoroscopic control" in page
    assert "A Chapter Z code, other than Z94" in page
    history = re.search(
        r'data-testid="ruleset-history">(.*?)</table>', response.content.decode(), re.S
    )
    history = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", history[1])))
    assert "Narrowed for a test" in history
    assert admin_user.get_full_name() in history
    assert "spinal_categories : added V69; removed V25" in history
    assert "Seeded on install" in history


def test_an_unknown_rule_set_page_is_a_404(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("coding:ruleset_detail", args=["IPG000"])).status_code == 404


def test_the_catalogue_page_shows_its_status_releases_and_search(client, admin_user):
    services.catalogue_load(path=TRUD_SAMPLE, actor=admin_user, name="OPCS-4.10 sample")
    client.force_login(admin_user)

    response = client.get(reverse("coding:catalogue"), {"q": "levels of spine"})

    page = text(response)
    assert "Full" in page and "OPCS-4.10 sample" in page
    assert "4 codes matching “levels of spine”" in page
    assert "V55.2 Two levels of spine" in page
    releases = re.search(
        r'data-testid="catalogue-releases">(.*?)</table>', response.content.decode(), re.S
    )
    assert "Codes cited by NICE pages" in releases[1]


def test_the_catalogue_page_takes_a_fixed_number_of_queries(
    client, admin_user, django_assert_max_num_queries
):
    services.catalogue_load(path=TRUD_SAMPLE, actor=admin_user)
    client.force_login(admin_user)

    with django_assert_max_num_queries(10):
        first = client.get(reverse("coding:catalogue"))
    many = len(first.context["page"].object_list)
    services.catalogue_load(path=TRUD_SAMPLE, name="again", actor=admin_user)
    with django_assert_max_num_queries(10):
        client.get(reverse("coding:catalogue"))

    assert many == 22


def test_only_the_codes_a_fix_added_or_moved_are_marked_in_the_suggestion(
    client, applicant, ipg366
):
    client.force_login(applicant)

    response = check(client, "Z67.6 V40.1 V55.1", levels="1")

    suggested = response.context["result"].suggested
    assert [(s.code, s.changed) for s in suggested] == [
        ("V40.1", False),
        ("V55.1", False),
        ("Z67.6", True),
    ]


@pytest.mark.parametrize(
    ("url", "back"),
    [
        ("/coding/check/", "Home"),
        ("/coding/rulesets/", "Administration"),
        ("/coding/rulesets/IPG366/", "Rule sets"),
        ("/coding/catalogue/", "Rule sets"),
    ],
)
def test_every_coding_page_has_a_way_back(client, admin_user, ipg366, url, back):
    client.force_login(admin_user)

    page = client.get(url).content.decode()

    assert 'class="nhsuk-breadcrumb"' in page
    assert f"</span>{back}</a>" in page
