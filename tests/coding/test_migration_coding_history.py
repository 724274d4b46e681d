"""Migration 0004: codings stored before their history was kept get one baseline row."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

pytestmark = pytest.mark.django_db

migration = import_module("coding.migrations.0004_coding_result_history")


def test_a_coding_stored_before_the_history_gets_one_baseline_row_and_only_once(store):
    coding = store("V40.1 V55.9 Z67.6", levels=2)
    coding.history.all().delete()  # as it was before migration 0004

    migration.record_existing_codings(apps, None)
    migration.record_existing_codings(apps, None)

    row = coding.history.get()
    assert (row.history_type, row.history_change_reason, row.history_user) == (
        "+",
        "Stored before its history was kept",
        None,
    )
    assert (row.valid, row.ruleset_version, row.result) == (True, 1, coding.result)
    assert row.history_date == coding.validated_at
