from __future__ import annotations

import pytest

from governance import roles
from tests.e2e.conftest import describe
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_clinician_signs_in_and_sees_their_home_page(page, sign_in, axe_violations):
    UserFactory(
        username="clinician", first_name="Clare", last_name="Morgan", roles=[roles.CLINICIAN]
    )

    page.goto("/")
    assert page.get_by_role("heading", name="Sign in").is_visible()
    violations = axe_violations()
    assert violations == [], describe(violations)

    sign_in("clinician", PASSWORD)

    assert page.get_by_role("heading", name="Welcome, Clare Morgan").is_visible()
    assert page.get_by_test_id("signed-in-user").inner_text() == "Clare Morgan"
    assert "Clinician" in page.locator("main").inner_text()
    violations = axe_violations()
    assert violations == [], describe(violations)


def test_a_wrong_password_is_reported_in_the_error_summary(page, sign_in, axe_violations):
    UserFactory(username="clinician", roles=[roles.CLINICIAN])

    sign_in("clinician", "not-the-password")

    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    assert "correct username and password" in summary.inner_text()
    violations = axe_violations()
    assert violations == [], describe(violations)
