from __future__ import annotations

import html

import pytest

pytestmark = pytest.mark.django_db


def test_a_clinicians_home_page_names_them_and_their_role(client, applicant):
    client.force_login(applicant)
    # Unescaped as a person reads it: a name such as O'Brien is escaped in the HTML.
    page = html.unescape(client.get("/").content.decode())
    assert applicant.get_full_name() in page
    assert "Clinician" in page
    assert "My introductions" in page
    assert "Awaiting review" not in page


def test_a_leads_home_page_shows_what_awaits_review(client, lead):
    client.force_login(lead)
    page = client.get("/").content.decode()
    assert "Awaiting review" in page
    assert "No application is waiting for review" in page


def test_only_administrators_see_the_administration_link(client, admin_user, applicant):
    client.force_login(admin_user)
    assert 'href="/administration/"' in client.get("/").content.decode()
    client.force_login(applicant)
    assert 'href="/administration/"' not in client.get("/").content.decode()


def test_a_user_without_a_role_is_told_to_ask_for_one(client, outsider):
    client.force_login(outsider)
    page = client.get("/").content.decode()
    assert "Your account has no role" in page


def test_the_page_shell_has_a_skip_link_and_loads_htmx(client, applicant):
    client.force_login(applicant)
    page = client.get("/").content.decode()
    assert 'href="#maincontent"' in page
    assert 'id="maincontent"' in page
    assert "htmx.min.js" in page
