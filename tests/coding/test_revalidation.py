"""A rule-set change makes a new version, and stored codings are revalidated against it."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from coding import services, tasks
from coding.models import CodingResult, RuleSet

pytestmark = pytest.mark.django_db


def two_levels(ruleset: RuleSet) -> dict:
    definition = dict(ruleset.definition)
    definition["levels_map"] = {"1": "V55.1", "2": "V55.2"}
    return definition


def test_a_rule_set_change_revalidates_codings_of_the_older_version_on_commit(
    ipg366, admin_user, store, django_capture_on_commit_callbacks
):
    coding = store("V40.1 V55.9 Z67.6", levels=2)
    assert coding.valid is True  # no code for 2 levels yet: the unspecified one is accepted

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.ruleset_update(
            ruleset=ipg366, definition=two_levels(ipg366), actor=admin_user, reason="V55.2"
        )

    assert len(callbacks) == 1
    coding.refresh_from_db()
    assert coding.ruleset_version == 2
    assert coding.valid is False
    assert [i["rule"] for i in coding.issues] == ["levels-mismatch"]
    assert coding.suggested == ["V40.1", "V55.2", "Z67.6"]


def test_nothing_is_revalidated_before_the_change_commits(ipg366, admin_user, store):
    coding = store("V40.1 V55.9 Z67.6", levels=2)

    services.ruleset_update(
        ruleset=ipg366, definition=two_levels(ipg366), actor=admin_user, reason="V55.2"
    )

    coding.refresh_from_db()
    assert coding.ruleset_version == 1


def test_revalidation_goes_through_every_stale_coding_in_chunks_and_is_idempotent(ipg366, store):
    codings = [store("V40.1 V55.9 Z67.6", levels=2) for _ in range(5)]
    RuleSet.objects.filter(pk=ipg366.pk).update(
        version=2, definition={**two_levels(ipg366), "version": 2}
    )

    first = services.codings_revalidate(ruleset=ipg366, chunk_size=2)
    second = services.codings_revalidate(ruleset=ipg366, chunk_size=2)

    assert (first, second) == (5, 0)
    assert set(
        CodingResult.objects.filter(pk__in=[c.pk for c in codings]).values_list(
            "ruleset_version", "valid"
        )
    ) == {(2, False)}


def test_codings_of_the_current_version_and_other_rule_sets_are_left_alone(
    ipg366, admin_user, store
):
    current = store("V40.1 V55.1 Z67.6", levels=1)
    other, _ = services.ruleset_upsert(
        name="IPG999",
        definition={**ipg366.definition, "procedure_codes": ["V33.8"]},
        actor=admin_user,
        reason="Imported",
    )
    theirs = services.coding_store(ruleset_name="IPG999", codes=["V33.8"], context={})
    RuleSet.objects.filter(pk=other.pk).update(version=2)

    assert services.codings_revalidate(ruleset=ipg366) == 0
    assert CodingResult.objects.get(pk=current.pk).validated_at == current.validated_at
    assert CodingResult.objects.get(pk=theirs.pk).ruleset_version == 1


def test_the_task_revalidates_by_primary_key(ipg366, store):
    coding = store("V40.1 V55.9 Z67.6", levels=2)
    RuleSet.objects.filter(pk=ipg366.pk).update(
        version=2, definition={**two_levels(ipg366), "version": 2}
    )

    assert tasks.revalidate_ruleset.delay(ipg366.pk).get() == 1

    coding.refresh_from_db()
    assert coding.ruleset_version == 2


def test_the_task_does_nothing_for_a_rule_set_that_is_gone():
    assert tasks.revalidate_ruleset.delay(999_999).get() == 0


def test_the_task_retries_when_the_database_is_briefly_unavailable(ipg366, monkeypatch):
    calls = []

    def flaky(*, ruleset, chunk_size=500):
        calls.append(ruleset.pk)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return 3

    monkeypatch.setattr(services, "codings_revalidate", flaky)

    # throw=False: in eager mode Celery runs a retry itself only when not propagating.
    assert tasks.revalidate_ruleset.apply(args=[ipg366.pk], throw=False).get() == 3
    assert calls == [ipg366.pk, ipg366.pk]


def test_the_periodic_catch_up_revalidates_whatever_a_lost_message_left_stale(ipg366, store):
    coding = store("V40.1 V55.9 Z67.6", levels=2)
    RuleSet.objects.filter(pk=ipg366.pk).update(
        version=2, definition={**two_levels(ipg366), "version": 2}
    )

    assert tasks.revalidate_stale_codings.delay().get() == 1
    assert tasks.revalidate_stale_codings.delay().get() == 0
    coding.refresh_from_db()
    assert coding.ruleset_version == 2


# --- the history of a stored coding --------------------------------------------------------


def history_of(coding: CodingResult) -> list[tuple]:
    """(type, valid, rule-set version, user, reason) of each history row, oldest first."""
    return [
        (
            row.history_type,
            row.valid,
            row.ruleset_version,
            row.history_user,
            row.history_change_reason,
        )
        for row in coding.history.order_by("history_date", "history_id")
    ]


def test_a_stored_coding_starts_its_history_with_the_version_it_was_validated_against(store):
    coding = store("V40.1 V55.9 Z67.6", levels=2)

    assert history_of(coding) == [("+", True, 1, None, "Validated against IPG366 v1")]


def test_a_rule_set_change_that_turns_a_coding_invalid_leaves_a_history_row_saying_so(
    ipg366, admin_user, store, django_capture_on_commit_callbacks
):
    coding = store("V40.1 V55.9 Z67.6", levels=2)

    with django_capture_on_commit_callbacks(execute=True):
        services.ruleset_update(
            ruleset=ipg366, definition=two_levels(ipg366), actor=admin_user, reason="V55.2"
        )

    assert history_of(coding) == [
        ("+", True, 1, None, "Validated against IPG366 v1"),
        ("~", False, 2, None, "Revalidated against IPG366 v2"),
    ]
    latest = coding.history.latest()
    assert [i["rule"] for i in latest.result["issues"]] == ["levels-mismatch"]
    assert latest.prev_record.valid is True


def test_a_coding_whose_outcome_stays_the_same_is_restamped_without_a_history_row(ipg366, store):
    same = store("V40.1 V55.1 Z67.6", levels=1)
    turned = store("V40.1 V55.9 Z67.6", levels=2)
    RuleSet.objects.filter(pk=ipg366.pk).update(
        version=2, definition={**two_levels(ipg366), "version": 2}
    )

    assert services.codings_revalidate(ruleset=ipg366, chunk_size=1) == 2

    same.refresh_from_db()
    assert (same.ruleset_version, same.valid) == (2, True)
    assert history_of(same) == [("+", True, 1, None, "Validated against IPG366 v1")]
    assert [row[:3] for row in history_of(turned)] == [("+", True, 1), ("~", False, 2)]


def test_revalidating_one_coding_records_who_and_why(ipg366, store, admin_user):
    coding = store("V40.1 V55.9 Z67.6", levels=2)

    services.coding_revalidate(
        coding=coding, codes=["V40.1", "V55.1", "Z67.6"], actor=admin_user, reason="Case edited"
    )

    assert history_of(coding)[-1] == ("~", False, 1, admin_user, "Case edited")


def test_revalidating_one_coding_without_a_reason_names_the_rule_set_version(ipg366, store):
    coding = store("V40.1 V55.9 Z67.6", levels=2)

    services.coding_revalidate(coding=coding)

    assert history_of(coding)[-1] == ("~", True, 1, None, "Revalidated against IPG366 v1")
