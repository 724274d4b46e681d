"""Fixtures for the governance tests: introductions in any state, with or without their
assessments.

Approval needs both assessments signed off by a governance lead who is not the applicant, and
the guards that say so run for real: a test that approves gives the introduction real
assessments, `make_introduction("under_review", assessments_signed_off_by=lead)`.
"""

from __future__ import annotations

import pytest

from governance import roles
from governance.introductions import services
from tests.factories import IntroductionFactory, UserFactory, default_organisation


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Personas are made in every test; the default PBKDF2 hashing would dominate run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinician(db):
    # A second clinician in the organisation: not the applicant, so may not act on theirs.
    user = UserFactory(username="clinician2", roles=[roles.CLINICIAN])
    default_organisation().members.add(user)
    return user


@pytest.fixture
def lead_applicant(db):
    # A governance lead who applies herself: an applicant, and never her own reviewer.
    user = UserFactory(username="lead_applicant", roles=[roles.LEAD])
    default_organisation().members.add(user)
    return user


@pytest.fixture
def make_introduction(applicant):
    """`make_introduction(status="under_review", **fields)`: a complete application by the
    `applicant` persona (unless `applicant=` says otherwise), put straight in that state;
    `assessments_signed_off_by=lead` gives it both assessments, signed off by that lead."""

    def make(status: str = "draft", **fields):
        fields.setdefault("applicant", applicant)
        return IntroductionFactory(status=status, **fields)

    return make


@pytest.fixture
def approved(make_introduction, lead):
    """An introduction taken to approval through the workflow (so it has its reviews), its
    assessments signed off by the `lead` who approves it."""
    introduction = make_introduction("under_review", assessments_signed_off_by=lead)
    return services.introduction_transition(
        introduction=introduction, action="approve", actor=lead, reason="Approved at committee"
    )
