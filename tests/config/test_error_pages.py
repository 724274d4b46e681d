from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_missing_page_gets_the_nhs_styled_404_page(client, applicant):
    client.force_login(applicant)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"nhsuk-header" in response.content


def test_a_forbidden_page_explains_itself_in_the_nhs_shell(client, applicant):
    client.force_login(applicant)
    response = client.get("/coding/rulesets/")
    assert response.status_code == 403
    assert b"You cannot do this" in response.content
