"""The data the migrations seed survives a transactional test's flush (tests/conftest.py).

pytest-django runs transactional tests after the others, so only they can meet a flushed
database: the second test here is one that would.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from coding.models import Code, RuleSet
from governance.models import Organisation

ROLES = {"Clinician", "Governance lead", "Administrator"}


@pytest.mark.django_db(transaction=True)
def test_1_a_transactional_test_sees_the_seeded_data():
    assert set(Group.objects.values_list("name", flat=True)) >= ROLES


@pytest.mark.django_db(transaction=True)
def test_2_the_next_transactional_test_still_finds_every_seeded_row():
    assert set(Group.objects.values_list("name", flat=True)) >= ROLES
    assert Group.objects.get(name="Administrator").permissions.exists()
    assert Organisation.objects.filter(ods_code="DEFAULT").exists()
    assert RuleSet.objects.filter(name="IPG366").exists()
    assert Code.objects.filter(code="V40.1").exists()
