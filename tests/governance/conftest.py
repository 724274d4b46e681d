"""Fixtures for the governance tests: introductions in any state, and the assessment guards.

Until the assessments app lands, `workflow.assessment_signed_off` is always False, so no
introduction can be approved; `signed_off` stands in for two signed-off assessments.
"""

from __future__ import annotations

import pytest

from governance import roles
from governance.introductions import services, workflow
from tests.factories import IntroductionFactory, UserFactory, default_organisation


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Personas are made in every test; the default PBKDF2 hashing would dominate run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def signed_off(monkeypatch):
    # Both assessments completed and signed off, for every introduction.
    monkeypatch.setattr(workflow, "assessment_signed_off", lambda introduction, kind: True)


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
    `applicant` persona (unless `applicant=` says otherwise), put straight in that state."""

    def make(status: str = "draft", **fields):
        fields.setdefault("applicant", applicant)
        return IntroductionFactory(status=status, **fields)

    return make


@pytest.fixture
def approved(make_introduction, lead, signed_off):
    """An introduction taken to approval through the workflow (so it has its reviews)."""
    introduction = make_introduction("under_review")
    return services.introduction_transition(
        introduction=introduction, action="approve", actor=lead, reason="Approved at committee"
    )
