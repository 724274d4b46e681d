"""Stored reconciliations of coded episodes (SPEC.md section 5, "Coded-episode reconciliation"):
an extract a governance lead uploads, compared with the organisation's cases by engine.py, and
the findings that need a lead's attention.

A `Reconciliation` is one upload and its run: queued, running (with the rows read so far),
then done with the count of each finding and the period the file covers, or failed with the
reason. The uploaded file holds patient identifiers: it is kept only until the run ends. Only
flagged findings are stored (`Finding`), never `matched` ones, which are only counted; a lead
marks a finding explained with a note ("private patient, logged elsewhere"). services.py is
the only writer; both models are history-tracked.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from governance.cases.models import Case, masked_nhs_number
from governance.history import tracked_history
from governance.introductions.models import Introduction
from governance.organisations.models import Organisation
from governance.permissions import organisation_ids
from governance.reconciliation import engine
from governance.reconciliation.permissions import read_refusal


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Kind(models.TextChoices):
    """What a row of the extract (or a case) was found to be: the engine's findings."""

    OUTSIDE_GOVERNANCE = engine.OUTSIDE_GOVERNANCE, "Outside governance"
    MISCODED = engine.MISCODED, "Miscoded"
    NO_CODED_EPISODE = engine.NO_CODED_EPISODE, "No coded episode"
    ROW_ERROR = engine.ROW_ERROR, "Unreadable row"
    MATCHED = engine.MATCHED, "Matched"  # counted, never stored


# The field of Reconciliation holding each finding's count.
COUNT_FIELDS: dict[str, str] = {kind: kind.replace("-", "_") for kind in engine.FINDINGS}
# The findings stored, in the order pages and filters show them.
STORED = tuple(kind for kind in engine.FINDINGS if kind in engine.FLAGGED)
ACTIVE = frozenset({Status.QUEUED, Status.RUNNING})


def upload_to(instance: Reconciliation, filename: str) -> str:
    """A name that says nothing about the file: the uploader's name is kept in `file_name`."""
    return f"reconciliations/{uuid.uuid4().hex}.csv"


class ReconciliationQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReconciliationQuerySet:
        """The reconciliations of the user's organisations, for a lead or an administrator."""
        if not getattr(user, "is_authenticated", False) or read_refusal(user) is not None:
            return self.none()
        return self.filter(organisation_id__in=organisation_ids(user))


class Reconciliation(models.Model):
    Status = Status

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="reconciliations"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    # The extract until the run ends (it holds NHS numbers): then deleted, and this emptied.
    file = models.FileField(upload_to=upload_to, max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(
        default=0, help_text="The rows of the file, counted when it was uploaded."
    )
    # Written every few thousand rows while the run goes on (services.py); not history.
    rows_done = models.PositiveIntegerField(default=0)
    episodes = models.PositiveIntegerField(default=0, help_text="The rows read.")
    governed = models.PositiveIntegerField(
        default=0, help_text="The episodes coded with a governed procedure."
    )
    matched = models.PositiveIntegerField(default=0)
    outside_governance = models.PositiveIntegerField(default=0)
    miscoded = models.PositiveIntegerField(default=0)
    no_coded_episode = models.PositiveIntegerField(default=0)
    row_error = models.PositiveIntegerField("unreadable rows", default=0)
    first_day = models.DateField(null=True, blank=True, help_text="The first episode's date.")
    last_day = models.DateField(null=True, blank=True, help_text="The last episode's date.")
    error = models.TextField(blank=True, help_text="Why the run failed.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    history = tracked_history(excluded_fields=["rows_done"])

    objects = ReconciliationQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organisation", "id"], name="reconciliation_order_idx")]

    def __str__(self) -> str:
        return f"Reconciliation {self.pk}: {self.file_name}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def count_of(self, kind: str) -> int:
        return getattr(self, COUNT_FIELDS[kind])

    @property
    def counts(self) -> dict[str, int]:
        """Every finding's count, zeros included, in the engine's order."""
        return {kind: self.count_of(kind) for kind in engine.FINDINGS}

    @property
    def flagged(self) -> int:
        return sum(self.count_of(kind) for kind in STORED)

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)


class Finding(models.Model):
    """One row of the extract (or one case) that needs a lead's attention."""

    Kind = Kind

    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.CASCADE, related_name="findings"
    )
    finding = models.CharField(max_length=20, choices=Kind.choices)
    episode_id = models.CharField(max_length=100, blank=True)
    # Ten digits; for an unreadable row, what the cell held (cut short).
    nhs_number = models.CharField("NHS number", max_length=20, blank=True)
    performed_on = models.DateField(null=True, blank=True)
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reconciliation_findings",
    )
    introduction = models.ForeignKey(
        Introduction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reconciliation_findings",
    )
    rules = models.JSONField(default=list, blank=True, help_text="The coding rules broken.")
    line = models.PositiveIntegerField(null=True, blank=True, help_text="Of the file.")
    message = models.TextField(blank=True, help_text="Why the row could not be read.")
    explanation = models.TextField(blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    explained_at = models.DateTimeField(null=True, blank=True)
    history = tracked_history()

    class Meta:
        ordering = ["id"]
        indexes = [
            # the list of a reconciliation's findings in file order, and filtered by finding
            models.Index(fields=["reconciliation", "id"], name="finding_order_idx"),
            models.Index(fields=["reconciliation", "finding", "id"], name="finding_kind_idx"),
            models.Index(
                fields=["reconciliation", "explained_at", "id"], name="finding_explained_idx"
            ),
        ]
        verbose_name = "reconciliation finding"

    def __str__(self) -> str:
        what = f"episode {self.episode_id}" if self.episode_id else f"case {self.case_id}"
        return f"{self.get_finding_display()}: {what}"

    @property
    def explained(self) -> bool:
        return self.explained_at is not None

    @property
    def reason(self) -> str:
        """Why the row could not be read, without the line the page shows beside it."""
        prefix = f"line {self.line}: "
        return self.message.removeprefix(prefix) if self.line else self.message

    @property
    def nhs_number_masked(self) -> str:
        return masked_nhs_number(self.nhs_number)

    @property
    def nhs_number_display(self) -> str:
        n = self.nhs_number
        return f"{n[:3]} {n[3:6]} {n[6:]}" if len(n) == 10 and n.isdigit() else n

    def row(self) -> tuple[str, ...]:
        """The finding as the engine's CSV cells (engine.COLUMNS order)."""
        return engine.Finding(
            self.finding,
            self.episode_id or None,
            self.nhs_number,
            self.performed_on,
            self.case_id,
            self.introduction_id,
            tuple(self.rules or ()),
        ).row()
