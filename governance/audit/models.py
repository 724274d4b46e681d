"""The index of the audit history: one row per entry, on one table, whatever the number of
tracked models.

Each entry's own row stays where it is written (simple-history's table of its model, or the
append-only record of role grants and sign-ins); this index holds beside it what the history
is filtered and ordered by: when, which kind of record, which introduction and organisation,
whose account it concerns and who made it. A page of the history is then one keyset query on
this table, newest first by (at, id), and one query a record type on the page to read the rows
themselves (governance/audit/queries.py). Rows are written in the same transaction as the
entry (governance/audit/index.py) and, like the history, never changed or deleted.
"""

from __future__ import annotations

from django.db import models

from governance.history import AppendOnly


class HistoryIndex(AppendOnly):
    # Plain columns, not foreign keys: the index is read by value and never joined, and an
    # entry outlives what it names (a deleted user, a record removed).
    at = models.DateTimeField()
    source = models.CharField(max_length=32)  # the record type: audit.queries.TRACKED's key
    row_id = models.BigIntegerField()  # history_id, or the append-only row's id
    introduction_id = models.BigIntegerField(null=True)
    organisation_id = models.BigIntegerField(null=True)
    member_id = models.BigIntegerField(null=True)  # the account a people's record concerns
    actor_id = models.BigIntegerField(null=True)  # who made it; None for the system

    class Meta:
        verbose_name = "history index entry"
        verbose_name_plural = "history index"
        constraints = [
            models.UniqueConstraint(fields=["source", "row_id"], name="history_index_row"),
        ]
        # One index for each way the history is filtered, each ending in the page order, so
        # that a page is an index range read however long the history.
        indexes = [
            models.Index(fields=["-at", "-id"], name="history_index_at"),
            models.Index(
                fields=["organisation_id", "-at", "-id"], name="history_index_organisation"
            ),
            models.Index(
                fields=["introduction_id", "-at", "-id"], name="history_index_introduction"
            ),
            # A record type within an organisation or an introduction (?model=): its own
            # range, not a walk of the organisation's whole history filtered by type.
            models.Index(
                fields=["organisation_id", "source", "-at", "-id"],
                name="history_index_org_source",
            ),
            models.Index(
                fields=["introduction_id", "source", "-at", "-id"],
                name="history_index_intro_source",
            ),
            models.Index(fields=["member_id", "-at", "-id"], name="history_index_member"),
            models.Index(fields=["actor_id", "-at", "-id"], name="history_index_actor"),
            models.Index(fields=["source", "-at", "-id"], name="history_index_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.row_id} at {self.at:%Y-%m-%d %H:%M}"
