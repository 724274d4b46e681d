"""Rule sets: every change is a new version with who and why, and nothing else is."""

from __future__ import annotations

import pytest

from coding import engine, services
from coding.errors import RuleSetInvalid, RuleSetNotFound
from coding.models import RuleSet

pytestmark = pytest.mark.django_db


def with_categories(ruleset: RuleSet, *extra: str) -> dict:
    definition = dict(ruleset.definition)
    definition["spinal_categories"] = [*definition["spinal_categories"], *extra]
    return definition


def test_a_change_makes_a_new_version_with_the_user_and_reason_in_its_history(ipg366, admin_user):
    saved = services.ruleset_update(
        ruleset=ipg366,
        definition=with_categories(ipg366, "V69"),
        actor=admin_user,
        reason="V69 is a spinal operation category too",
    )

    ipg366.refresh_from_db()
    assert saved.version == ipg366.version == 2
    assert "V69" in ipg366.definition["spinal_categories"]
    assert ipg366.definition["version"] == 2
    latest = ipg366.history.first()
    assert (latest.version, latest.history_type, latest.history_user) == (2, "~", admin_user)
    assert latest.history_change_reason == "V69 is a spinal operation category too"


def test_a_definition_that_changes_nothing_makes_no_version(ipg366, admin_user):
    same = {**ipg366.definition, "levels_map": {1: "V55.1"}}  # an int key is the same map

    services.ruleset_update(ruleset=ipg366, definition=same, actor=admin_user, reason="no-op")

    ipg366.refresh_from_db()
    assert ipg366.version == 1
    assert ipg366.history.count() == 1


def test_a_definition_the_engine_refuses_changes_nothing(ipg366, admin_user):
    broken = {**ipg366.definition, "levels_map": {"1": "Y53.4"}}

    with pytest.raises(RuleSetInvalid, match="not in category V55"):
        services.ruleset_update(ruleset=ipg366, definition=broken, actor=admin_user, reason="x")

    ipg366.refresh_from_db()
    assert ipg366.version == 1


def test_a_long_reason_is_shortened_to_fit_the_history(ipg366, admin_user):
    services.ruleset_update(
        ruleset=ipg366,
        definition=with_categories(ipg366, "V69"),
        actor=admin_user,
        reason="x" * 500,
    )

    assert len(ipg366.history.first().history_change_reason) == services.REASON_MAX_LENGTH


def test_upsert_creates_a_rule_set_at_version_1_and_updates_it_to_version_2(admin_user):
    definition = engine.RuleSet(name="IPG999", version=1, procedure_codes=("V33.8",)).to_dict()

    created, was_created = services.ruleset_upsert(
        name="ipg999", definition=definition, actor=admin_user, reason="Imported"
    )
    updated, again = services.ruleset_upsert(
        name="IPG999",
        definition={**definition, "procedure_codes": ["V33.8", "V38.8"]},
        actor=admin_user,
        reason="Re-imported",
    )

    assert (created.name, created.version, was_created) == ("IPG999", 1, True)
    assert (updated.pk, updated.version, again) == (created.pk, 2, False)
    assert [v.reason for v in updated.versions()] == ["Re-imported", "Imported"]


def test_a_rule_set_is_found_by_name_in_any_case_and_an_unknown_one_names_the_known(ipg366):
    assert services.ruleset_get("ipg366") == ipg366

    with pytest.raises(RuleSetNotFound) as raised:
        services.ruleset_get("IPG000")
    assert raised.value.field == "ruleset"
    assert "IPG000" in str(raised.value) and "IPG366" in str(raised.value)


def test_the_engine_rule_set_carries_the_stored_version_and_the_grown_maps(ipg366):
    RuleSet.objects.filter(pk=ipg366.pk).update(version=4)

    ruleset = services.ruleset_engine("IPG366")

    assert (ruleset.name, ruleset.version) == ("IPG366", 4)
    assert ruleset.levels_map == {1: "V55.1"}
    assert ruleset.approach_map == {"fluoroscopy": "Y53.4", "ultrasound": "Y53.2"}


def test_versions_say_what_changed_in_words(ipg366, admin_user):
    definition = with_categories(ipg366, "V69")
    definition["approach_map"] = {"fluoroscopy": "Y53.4"}
    services.ruleset_update(
        ruleset=ipg366, definition=definition, actor=admin_user, reason="Narrowed"
    )

    latest, first = ipg366.versions()

    assert (latest.version, first.version) == (2, 1)
    assert latest.user == admin_user.get_full_name()
    assert {c.field: c.summary for c in latest.changes} == {
        "spinal_categories": "added V69",
        "approach_map": "removed ultrasound: Y53.2",
    }
    assert first.changes == []
