"""The application to introduce a procedure and its life afterwards: the introduction, its
devices, its conditions of approval, its scheduled reviews and its status transitions.

Every model is history-tracked (governance/history.py); `Transition` rows are append-only.
introductions/services.py is the only writer, and `introduction_transition` the only writer of
`Introduction.status` (the table in introductions/workflow.py).
"""

from __future__ import annotations

import math
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from governance.dates import nhs_date
from governance.history import AppendOnly, tracked_history
from governance.introductions import workflow
from governance.introductions.workflow import Action, ReviewOutcome, Status
from governance.organisations.models import Device, Guidance, Organisation
from governance.permissions import has_any_role, organisation_ids


class IntroductionQuerySet(models.QuerySet):
    def in_organisations_of(self, user) -> IntroductionQuerySet:
        """Every introduction of the user's organisations, drafts included, for a user holding
        any role: the audit history's scope (its readers are leads and administrators, and an
        auditor asks about everything that was written)."""
        if not getattr(user, "is_authenticated", False) or not has_any_role(user):
            return self.none()
        return self.filter(organisation_id__in=organisation_ids(user))

    def visible_to(self, user) -> IntroductionQuerySet:
        """The introductions the user works with: those of their organisations, but a draft
        only to its applicant (it is theirs until they submit it)."""
        return self.in_organisations_of(user).exclude(
            Q(status="draft") & ~Q(applicant_id=getattr(user, "pk", None))
        )


MONITORING_FIELDS = (
    "first_review_after_cases",
    "review_interval_months",
    "cusum_p0",
    "cusum_p1",
    "cusum_h",
)


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


class Introduction(models.Model):
    """An application to introduce a procedure in an organisation, and its life afterwards.

    `status` is written only by services.introduction_transition (workflow.TRANSITIONS).
    """

    Status = Status

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="introductions"
    )
    guidance = models.ForeignKey(Guidance, on_delete=models.PROTECT, related_name="introductions")
    title = models.CharField(max_length=200)
    department = models.CharField(max_length=200, blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="introductions"
    )
    rationale = models.TextField(blank=True)
    patient_selection = models.TextField(blank=True)
    consent_arrangements = models.TextField(
        blank=True, help_text="Consent and patient information arrangements."
    )
    audit_plan = models.TextField(blank=True)
    research_ethics_reference = models.CharField(
        max_length=100, blank=True, help_text="e.g. the IRAS ID of the ethics approval."
    )
    devices = models.ManyToManyField(
        Device, through="IntroductionDevice", related_name="introductions", blank=True
    )
    planned_start = models.DateField(null=True, blank=True)
    # The monitoring plan: reviews after the first N cases and every M months; CUSUM of a
    # binary failure with acceptable rate p0, unacceptable rate p1 and threshold h.
    first_review_after_cases = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    review_interval_months = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    cusum_p0 = models.FloatField("CUSUM p0", null=True, blank=True)
    cusum_p1 = models.FloatField("CUSUM p1", null=True, blank=True)
    cusum_h = models.FloatField("CUSUM h", null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = tracked_history(excluded_fields=["updated_at"])

    objects = IntroductionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # clean() runs even when clean_fields() failed, so values may still be raw input.
        p0, p1, h = (_number(getattr(self, name)) for name in ("cusum_p0", "cusum_p1", "cusum_h"))
        errors: dict[str, list[str]] = {}
        for name, value in (("cusum_p0", p0), ("cusum_p1", p1)):
            # `not (0 < x < 1)` also refuses NaN; infinities fail the bound.
            if value is not None and not (0 < value < 1):
                errors[name] = [f"{name} is a failure rate: it must be between 0 and 1."]
        if p0 is not None and p1 is not None and not errors and not p1 > p0:
            errors["cusum_p1"] = [
                "cusum_p1, the unacceptable failure rate, must be greater than cusum_p0, "
                "the acceptable one."
            ]
        if h is not None and not (math.isfinite(h) and 0 < h <= 1000):
            errors["cusum_h"] = [
                "cusum_h, the CUSUM threshold, must be greater than 0 (at most 1000)."
            ]
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        """Whether the applicant may still edit the application."""
        return self.status in workflow.EDITABLE

    @property
    def has_monitoring_plan(self) -> bool:
        return all(getattr(self, name) is not None for name in MONITORING_FIELDS)

    def allowed_actions(self, user) -> list[str]:
        """Workflow actions `user` may take now (guards aside; see workflow.allowed_actions)."""
        return workflow.allowed_actions(self, user)

    def unmet_for_approval(self) -> list[str]:
        """Approval guard codes not met now, in order (workflow.GUARD_TEXT explains each)."""
        return workflow.unmet(workflow.TRANSITIONS[Action.APPROVE], self)


class IntroductionDevice(models.Model):
    """A device used under an introduction (the `devices` relation), history-tracked so that
    adding or removing a device shows in the introduction's audit history."""

    introduction = models.ForeignKey(
        Introduction, on_delete=models.CASCADE, related_name="device_links"
    )
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="+")
    history = tracked_history()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["introduction", "device"], name="unique_introduction_device"
            )
        ]
        verbose_name = "introduction device"

    def __str__(self) -> str:
        return f"device {self.device_id} of introduction {self.introduction_id}"


class Condition(models.Model):
    """A condition of approval, e.g. "a mentor attends the first five cases"."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        MET = "met", "Met"

    introduction = models.ForeignKey(
        Introduction, on_delete=models.CASCADE, related_name="conditions"
    )
    text = models.TextField()
    status = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    evidence = models.TextField(blank=True)
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    met_at = models.DateTimeField(null=True, blank=True)
    set_at_review = models.ForeignKey(
        "Review",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conditions_set",
        help_text="The review that set it (outcome: continue with conditions), if not approval.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = tracked_history()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_met(self) -> bool:
        return self.status == self.State.MET


class ReviewQuerySet(models.QuerySet):
    def scheduled(self) -> ReviewQuerySet:
        return self.filter(status=Review.State.SCHEDULED)

    def outstanding(self, *, on: date) -> ReviewQuerySet:
        """Reviews that must be done before adoption: the first-cases review until it is
        done, and any other scheduled review whose due date has come."""
        return self.scheduled().filter(Q(kind=Review.Kind.FIRST_CASES) | Q(due_on__lte=on))


class Review(models.Model):
    """A scheduled review of an approved introduction: after the first N cases, then every
    M months. `reviews_flag_due` marks it due, then overdue, and emails the leads once."""

    Outcome = ReviewOutcome

    class Kind(models.TextChoices):
        FIRST_CASES = "first_cases", "After the first cases"
        PERIODIC = "periodic", "Periodic"

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    introduction = models.ForeignKey(Introduction, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_after_cases = models.PositiveIntegerField(null=True, blank=True)
    due_on = models.DateField(
        null=True,
        blank=True,
        help_text="For a periodic review, when it falls due; for the first-cases review, set "
        "when the cases are reached.",
    )
    status = models.CharField(max_length=20, choices=State.choices, default=State.SCHEDULED)
    flagged_due_at = models.DateTimeField(null=True, blank=True)
    flagged_overdue_at = models.DateTimeField(null=True, blank=True)
    leads_notified_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=ReviewOutcome.choices, blank=True)
    notes = models.TextField(blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = tracked_history()

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        if self.kind == self.Kind.FIRST_CASES:
            return f"Review after the first {self.due_after_cases} cases"
        return f"Review due {nhs_date(self.due_on)}" if self.due_on else "Periodic review"

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.State.SCHEDULED

    @property
    def is_due(self) -> bool:
        return self.is_scheduled and self.flagged_due_at is not None

    @property
    def is_overdue(self) -> bool:
        return self.is_scheduled and self.flagged_overdue_at is not None


class Transition(AppendOnly):
    """One status change, append-only (after healthchecks' Flip): the decision history.

    Not history-tracked itself: it is an audit row, and it is never changed.
    """

    introduction = models.ForeignKey(
        Introduction, on_delete=models.PROTECT, related_name="transitions"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} -> {self.to_status}"
