from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance import roles
from tests.e2e.conftest import SIGN_IN_PAGE, describe, submit_sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_clinician_signs_in_and_sees_their_home_page(page, sign_in, axe_violations):
    UserFactory(
        username="clinician", first_name="Clare", last_name="Morgan", roles=[roles.CLINICIAN]
    )

    page.goto("/")
    expect(page).to_have_url(SIGN_IN_PAGE)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    violations = axe_violations()
    assert violations == [], describe(violations)

    sign_in("clinician", PASSWORD)

    expect(page.get_by_role("heading", name="Welcome, Clare Morgan")).to_be_visible()
    expect(page.get_by_test_id("signed-in-user")).to_have_text("Clare Morgan")
    expect(page.locator("main")).to_contain_text("Clinician")
    violations = axe_violations()
    assert violations == [], describe(violations)


def test_a_wrong_password_is_reported_in_the_error_summary(page, axe_violations):
    UserFactory(username="clinician", roles=[roles.CLINICIAN])

    submit_sign_in(page, "clinician", "not-the-password")

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("correct username and password")
    expect(page.get_by_test_id("signed-in-user")).to_have_count(0)
    violations = axe_violations()
    assert violations == [], describe(violations)
