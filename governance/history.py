"""Audit rows that nobody changes: simple-history's tables and the append-only tables.

Every governance model is history-tracked with `tracked_history()` (field-level who, when,
why); its historical rows cannot be changed or deleted (`ImmutableHistory`). Rows that are
themselves the record (status transitions, role grants) use `AppendOnly`.
"""

from __future__ import annotations

from django.db import models
from simple_history.manager import HistoricalQuerySet
from simple_history.models import HistoricalRecords


class HistoryIsImmutable(Exception):
    """Raised on any attempt to change or delete an audit row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise HistoryIsImmutable("These rows are a record: they cannot be changed.")

    def delete(self):
        raise HistoryIsImmutable("These rows are a record: they cannot be deleted.")


class ImmutableHistoryQuerySet(AppendOnlyQuerySet, HistoricalQuerySet):
    pass


class AppendOnly(models.Model):
    """A row that is itself an audit record (after healthchecks' `Flip`): inserted once, never
    changed or deleted, so it needs no history of its own."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryIsImmutable("These rows are a record: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryIsImmutable("These rows are a record: they cannot be deleted.")


class ImmutableHistory(AppendOnly):
    """Base of every historical model here: rows are inserted, never updated or deleted."""

    objects = models.Manager.from_queryset(ImmutableHistoryQuerySet)()

    class Meta:
        abstract = True


def tracked_history(**kwargs) -> HistoricalRecords:
    """simple-history's `HistoricalRecords` with immutable rows and a text reason (a service's
    reason can be longer than simple-history's default 100 characters)."""
    return HistoricalRecords(
        bases=[ImmutableHistory],
        historical_queryset=ImmutableHistoryQuerySet,
        history_change_reason_field=models.TextField(null=True),
        **kwargs,
    )
