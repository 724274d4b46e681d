"""The data migration: the NICE-cited codes, a partial release, and the IPG366 rule set."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from coding import engine, services
from coding.models import CatalogueRelease, Code, RuleSet

pytestmark = pytest.mark.django_db

SHIPPED = Path(__file__).resolve().parents[2] / "coding" / "data" / "opcs4_nice_codes.tsv"


def test_every_code_of_the_shipped_file_is_seeded_with_its_title_and_source():
    with SHIPPED.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))

    seeded = {c.code: (c.title, c.source) for c in Code.objects.all()}

    assert seeded == {row["code"]: (row["title"], row["source"]) for row in rows}
    assert seeded["V40.1"] == (
        "Non-rigid stabilisation of spine",
        "NICE IPG366 coding recommendations",
    )


def test_the_seeded_catalogue_is_partial_until_a_full_release_is_loaded():
    release = CatalogueRelease.objects.get()

    assert release.full is False
    assert release.code_count == Code.objects.count()
    assert services.catalogue_current().full is False


def test_the_seeded_ipg366_rule_set_is_the_engines_version_1():
    ruleset = RuleSet.objects.get(name="IPG366")

    assert ruleset.version == 1
    assert ruleset.definition == engine.ipg366_ruleset().to_dict()
    created = ruleset.history.get()
    assert (created.history_type, created.history_change_reason) == ("+", "Seeded on install")


def test_administrators_may_manage_the_catalogue_and_change_rule_sets_in_the_admin():
    codenames = set(
        Group.objects.get(name="Administrator").permissions.values_list("codename", flat=True)
    )

    assert {"add_code", "change_code", "view_code", "change_ruleset", "view_ruleset"} <= codenames
    assert "add_ruleset" not in codenames
