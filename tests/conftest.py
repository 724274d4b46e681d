"""Persona fixtures: each says in one line what that person may do (SPEC.md section 2)."""

from __future__ import annotations

from contextlib import suppress

import pytest
from django.core.cache import cache
from django.db import DatabaseError
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from coding.models import RuleSet
from governance import roles
from tests.factories import OrganisationFactory, UserFactory, default_organisation


def _member(user, organisation=None):
    (organisation or default_organisation()).members.add(user)
    return user


@pytest.fixture
def organisation(db):
    # The default organisation (made on install); every persona but `outsider` is a member.
    return default_organisation()


@pytest.fixture
def other_organisation(db):
    # A second trust: its members never see or touch the default organisation's data.
    return OrganisationFactory(name="Other NHS Trust", ods_code="RXX")


@pytest.fixture
def applicant(db):
    # A clinician: applies, logs cases, outcomes and adverse events; never reviews.
    return _member(UserFactory(username="applicant", roles=[roles.CLINICIAN]))


@pytest.fixture
def lead(db):
    # A governance lead: reviews, signs off, approves, monitors, suspends; never their own.
    return _member(UserFactory(username="lead", roles=[roles.LEAD]))


@pytest.fixture
def other_lead(db):
    # A second governance lead, for separation of duties.
    return _member(UserFactory(username="other_lead", roles=[roles.LEAD]))


@pytest.fixture
def other_org_lead(other_organisation):
    # A governance lead of another organisation: sees and touches none of ours.
    return _member(UserFactory(username="other_org_lead", roles=[roles.LEAD]), other_organisation)


@pytest.fixture
def admin_user(db):
    # An administrator: users, guidance, rule sets, audit history; no clinical actions. Neither
    # staff nor superuser: the administration pages are theirs, the Django admin is not.
    return _member(UserFactory(username="administrator", roles=[roles.ADMIN]))


@pytest.fixture
def outsider(db):
    # Signed in, but with no role: reaches nothing but the home page that says so.
    return UserFactory(username="outsider")


@pytest.fixture
def clear_cache():
    # The catalogue is cached under keys made from row ids, which a rolled-back test may
    # leave behind for the next test to find.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ipg366(db) -> RuleSet:
    # The IPG366 rule set as the data migration seeds it (version 1).
    return RuleSet.objects.get(name="IPG366")


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


# --- data the migrations seed -------------------------------------------------------------
# A transactional test (the browser tests) ends with a flush of every table, which also
# removes what the data migrations put there: the role groups, the default organisation, the
# shipped OPCS-4 codes and the IPG366 rule set. Every test after it must still find them, so
# after such a test each data migration of ours runs again (they are idempotent).

DATA_MIGRATION_APPS = ("governance", "coding")


def restore_migration_data() -> None:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython

    loader = MigrationLoader(connection)
    state_apps = loader.project_state().apps
    plan = []
    for leaf in loader.graph.leaf_nodes():
        for node in loader.graph.forwards_plan(leaf):
            if node[0] in DATA_MIGRATION_APPS and node not in plan:
                plan.append(node)
    for node in plan:
        for operation in loader.graph.nodes[node].operations:
            if isinstance(operation, RunPython):
                operation.code(state_apps, None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    marker = item.get_closest_marker("django_db")
    transactional = "transactional_db" in getattr(item, "fixturenames", ()) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional and nextitem is not None:
        # No test database at all when the test was skipped before one was made (a skipif on
        # the only test that asked for one): then nothing was flushed either.
        with item.config.stash[blocking_manager_key].unblock(), suppress(DatabaseError):
            restore_migration_data()
