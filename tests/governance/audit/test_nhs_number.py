"""The audit history shows a case's NHS number only to those who see it on the case itself,
the clinical team of its introduction; an administrator reads the last four digits, on the
page, in the API and in the CSV export (hazard log H11)."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

NUMBER = "9434765919"
MASKED = "*** *** 5919"


@pytest.fixture
def logged(log_case):
    return log_case(nhs_number=NUMBER)


def _page(client, user, **params) -> str:
    client.force_login(user)
    return html.unescape(client.get(reverse("governance:audit_history"), params).content.decode())


def test_an_administrator_reads_the_number_masked_on_the_audit_page(client, logged, admin_user):
    page = _page(client, admin_user, introduction=logged.introduction_id)

    assert MASKED in page
    assert NUMBER not in page
    assert "943 476 5919" not in page


def test_the_clinical_team_reads_it_in_full(client, logged, lead):
    page = _page(client, lead, introduction=logged.introduction_id)

    assert NUMBER in page or "943 476 5919" in page


def test_an_administrator_reads_it_masked_in_the_api_and_the_csv(api_as, logged, admin_user):
    api = api_as(admin_user)
    history = api.get(f"/api/v1/introductions/{logged.introduction_id}/history/").content.decode()
    export = b"".join(api.get("/api/v1/history/export/").streaming_content).decode()

    for text in (history, export):
        assert NUMBER not in text
        assert MASKED in text
