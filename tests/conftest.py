"""Persona fixtures: each says in one line what that person may do (SPEC.md section 2)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from governance import roles
from tests.factories import UserFactory


@pytest.fixture
def applicant(db):
    # A clinician: applies, logs cases, outcomes and adverse events; never reviews.
    return UserFactory(username="applicant", roles=[roles.CLINICIAN])


@pytest.fixture
def lead(db):
    # A governance lead: reviews, signs off, approves, monitors, suspends; never their own.
    return UserFactory(username="lead", roles=[roles.LEAD])


@pytest.fixture
def other_lead(db):
    # A second governance lead, for separation of duties.
    return UserFactory(username="other_lead", roles=[roles.LEAD])


@pytest.fixture
def admin_user(db):
    # An administrator: users, guidance, rule sets, audit history; no clinical actions.
    return UserFactory(username="administrator", roles=[roles.ADMIN], is_staff=True)


@pytest.fixture
def outsider(db):
    # Signed in, but with no role: reaches nothing but the home page that says so.
    return UserFactory(username="outsider")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(api_client):
    """`api_as(user)` gives an API client authenticated as that user."""

    def _as(user) -> APIClient:
        api_client.force_authenticate(user)
        return api_client

    return _as
