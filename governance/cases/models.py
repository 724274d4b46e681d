"""Cases, their outcomes, and the operators an introduction approves (DESIGN.md, "Monitoring").

A case is one patient's procedure episode under an approved or adopted introduction. It is
linked one to one to its validated coding (`coding.CodingResult`: the codes, the context, the
engine's result and the rule-set version); `coding_valid` copies the validity onto the case so
that its own history says when it changed. cases/services.py is the only writer; every model
is history-tracked.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from coding.models import CodingResult
from governance.dates import add_months, nhs_date
from governance.history import tracked_history
from governance.introductions.models import Introduction
from governance.organisations.models import Device

# Follow-up after the procedure (SPEC section 5): each time point is due within this window
# either side of its date.
FOLLOW_UP_WINDOW = timedelta(weeks=2)
# ODI, pain and EQ-5D ranges (the EQ-5D-3L UK value set runs from -0.594 to 1).
EQ5D_MIN, EQ5D_MAX = Decimal("-0.594"), Decimal("1")


# The coding context's choices (SPEC section 3): the coding app's, so that they never differ.
Approach = CodingResult.Approach
ImageGuidance = CodingResult.ImageGuidance


class Timepoint(models.TextChoices):
    """When PROMs are collected, and how long after the procedure (None: before it)."""

    BASELINE = "baseline", "Baseline"
    WEEKS_6 = "6w", "6 weeks"
    MONTHS_3 = "3m", "3 months"
    MONTHS_6 = "6m", "6 months"
    MONTHS_12 = "12m", "12 months"
    MONTHS_24 = "24m", "24 months"


# The follow-up time points and how long after the procedure each falls (months as 30.44 days
# would drift; these are the calendar offsets clinics book by).
FOLLOW_UP: dict[str, tuple[int, int]] = {  # time point: (weeks, months)
    Timepoint.WEEKS_6: (6, 0),
    Timepoint.MONTHS_3: (0, 3),
    Timepoint.MONTHS_6: (0, 6),
    Timepoint.MONTHS_12: (0, 12),
    Timepoint.MONTHS_24: (0, 24),
}


class Operator(models.Model):
    """A clinician the introduction approves to perform the procedure, with the evidence of
    their training and competence (courses, cases observed, a mentor's sign-off)."""

    introduction = models.ForeignKey(
        Introduction, on_delete=models.CASCADE, related_name="operators"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    evidence = models.TextField()
    approved_on = models.DateField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = tracked_history()

    class Meta:
        ordering = ["approved_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["introduction", "user"], name="unique_operator")
        ]

    def __str__(self) -> str:
        return f"{self.user} for introduction {self.introduction_id}"


class CaseQuerySet(models.QuerySet):
    def in_order(self) -> CaseQuerySet:
        """Date order, ties by id: the order of monitoring (cases/monitoring.py)."""
        return self.order_by("performed_on", "id")


class Case(models.Model):
    """One patient's procedure episode under an introduction."""

    introduction = models.ForeignKey(Introduction, on_delete=models.PROTECT, related_name="cases")
    performed_on = models.DateField()
    nhs_number = models.CharField(
        "NHS number", max_length=10, blank=True, help_text="Ten digits, checked; optional."
    )
    local_reference = models.CharField(
        max_length=50, blank=True, help_text="The trust's own reference, such as a hospital number."
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    mentor = models.CharField(
        max_length=200, blank=True, help_text="The mentor present, when there was one."
    )
    approach = models.CharField(max_length=16, choices=Approach.choices, blank=True)
    image_guidance = models.CharField(max_length=16, choices=ImageGuidance.choices, blank=True)
    levels = models.PositiveSmallIntegerField(
        "spinal levels", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    device_lot = models.CharField("device lot number", max_length=100, blank=True)
    coding = models.OneToOneField(CodingResult, on_delete=models.PROTECT, related_name="case")
    coding_valid = models.BooleanField(
        help_text="A copy of the coding's validity, so that the case's own history shows when "
        "it changed (a rule-set change revalidates the coding: coding.signals)."
    )
    reoperation_on = models.DateField("reoperation date", null=True, blank=True)
    device_failure = models.BooleanField(default=False)
    major_complication = models.BooleanField(default=False)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = tracked_history(excluded_fields=["updated_at"])

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-performed_on", "-id"]
        indexes = [
            models.Index(fields=["introduction", "performed_on", "id"], name="case_order_idx"),
            models.Index(fields=["introduction", "coding_valid"], name="case_coding_idx"),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk} on {nhs_date(self.performed_on)}"

    @property
    def failure_flags(self) -> list[str]:
        """What makes the case a failure for monitoring, in words (SPEC section 5); empty when
        it is not one. Adverse events recorded against the case add to it (events/)."""
        flags = []
        if self.reoperation_on:
            flags.append(f"Reoperation on {self.reoperation_on:%-d %B %Y}")
        if self.device_failure:
            flags.append("Device failure")
        if self.major_complication:
            flags.append("Major complication")
        for event in self.failing_events():
            flags.append(
                f"Adverse event {event.pk}: {event.get_harm_display().lower()}, "
                f"{event.get_category_display().lower()}"
            )
        return flags

    def failing_events(self) -> list:
        """The adverse events that make the case a failure (events/: read through the reverse
        relation, prefetched as `failing` by the lists, cases/services.py `with_failing`)."""
        prefetched = getattr(self, "failing", None)
        if prefetched is not None:
            return prefetched
        if self.pk is None:
            return []
        return list(self.adverse_events.filter(fails_case=True).order_by("detected_on", "pk"))

    @property
    def failed(self) -> bool:
        return bool(self.failure_flags)

    @property
    def nhs_number_masked(self) -> str:
        return masked_nhs_number(self.nhs_number)

    @property
    def nhs_number_display(self) -> str:
        n = self.nhs_number
        return f"{n[:3]} {n[3:6]} {n[6:]}" if n else ""


def masked_nhs_number(number: str) -> str:
    """An NHS number as people outside the clinical team see it: the last 4 digits."""
    return f"*** *** {number[-4:]}" if number else ""


def follow_up_due_on(performed_on: date, timepoint: str) -> date:
    """The date a follow-up time point falls on after the procedure."""
    weeks, months = FOLLOW_UP[timepoint]
    return add_months(performed_on, months) + timedelta(weeks=weeks)


class Outcome(models.Model):
    """Patient-reported outcomes of a case at one time point."""

    Timepoint = Timepoint

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcomes")
    # The case's introduction, kept on the row so that the audit history finds the outcome
    # by a direct column (audit/queries.py).
    introduction = models.ForeignKey(
        Introduction, on_delete=models.CASCADE, related_name="outcomes", editable=False
    )
    timepoint = models.CharField(max_length=10, choices=Timepoint.choices)
    collected_on = models.DateField()
    odi = models.PositiveSmallIntegerField(
        "Oswestry Disability Index",
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="0 (no disability) to 100.",
    )
    back_pain = models.PositiveSmallIntegerField(
        "back pain", null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    leg_pain = models.PositiveSmallIntegerField(
        "leg pain", null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    eq5d_index = models.DecimalField(
        "EQ-5D index",
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(EQ5D_MIN), MaxValueValidator(EQ5D_MAX)],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = tracked_history()

    class Meta:
        ordering = ["case", "collected_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "timepoint"], name="unique_outcome_timepoint")
        ]

    def __str__(self) -> str:
        return f"{self.get_timepoint_display()} outcome of case {self.case_id}"


class MonitoringStamp(models.Model):
    """A token that changes with every write monitoring reads: a case, an outcome or an adverse
    event of the introduction created, changed or deleted (cases/services.py
    `monitoring_changed`). The cached monitoring is keyed by it, so every process (each
    gunicorn worker has a cache of its own without Redis) sees a change at once.

    A random token, not a counter: a counter goes back when its transaction rolls back, and
    the next change would reuse a key that a read inside the rolled-back transaction may
    have filled (`signal_check` reads the monitoring before the transaction commits). Not
    history-tracked: it records no decision, and the rows it follows have their own history."""

    introduction = models.OneToOneField(
        Introduction, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token = models.UUIDField(default=uuid.uuid4)

    def __str__(self) -> str:
        return f"Monitoring of introduction {self.introduction_id}: {self.token}"
