"""Adverse events and their MHRA Yellow Card (DESIGN.md, "Adverse events and the Yellow Card").

Harm is graded as in the NHS Learn from Patient Safety Events service (LFPSE). A device adverse
incident is reportable to the MHRA when a device was involved and the event led, or might have
led, to death or serious deterioration: its Yellow Card is then `due`, by a date set by local
policy (settings YELLOW_CARD_DAYS_SERIOUS and YELLOW_CARD_DAYS_OTHER), until a lead marks it
submitted (with the MHRA reference) or not reportable (with the reason). events/services.py is
the only writer; every change is in the history.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models

from governance.cases.models import Case
from governance.history import tracked_history
from governance.introductions.models import Introduction


class Harm(models.TextChoices):
    """The LFPSE grades of physical harm."""

    NONE = "none", "No harm"
    LOW = "low", "Low harm"
    MODERATE = "moderate", "Moderate harm"
    SEVERE = "severe", "Severe harm"
    FATAL = "fatal", "Fatal"


class Category(models.TextChoices):
    DEVICE_FAILURE = "device_failure", "Device failure"
    INFECTION = "infection", "Infection"
    NEUROLOGICAL = "neurological", "Neurological injury"
    DURAL_TEAR = "dural_tear", "Dural tear"
    WOUND = "wound", "Wound problem"
    REOPERATION = "reoperation", "Reoperation"
    OTHER = "other", "Other"


class YellowCard(models.TextChoices):
    NOT_REQUIRED = "not_required", "Not required"
    DUE = "due", "Due"
    SUBMITTED = "submitted", "Submitted"
    NOT_REPORTABLE = "not_reportable", "Not reportable"


# The harm that counts as serious for the Yellow Card and for monitoring (SPEC section 5).
SERIOUS_HARM = frozenset({Harm.SEVERE, Harm.FATAL})
# An event of these categories makes its case a failure for the CUSUM, whatever the harm.
FAILURE_CATEGORIES = frozenset({Category.DEVICE_FAILURE, Category.REOPERATION})
# The device details the MHRA's device form asks for, in its order.
DEVICE_FIELDS = (
    "device_name",
    "device_manufacturer",
    "device_model",
    "device_catalogue_number",
    "device_serial_number",
    "device_lot_number",
)


def reportable(*, device_involved: bool, harm: str, might_have_led_to_serious: bool) -> bool:
    """Whether the event is a device adverse incident the MHRA must hear of (SPEC section 4):
    a device involved, and death or serious deterioration, or the risk of it."""
    return bool(device_involved) and (harm in SERIOUS_HARM or bool(might_have_led_to_serious))


def fails_case(*, harm: str, category: str) -> bool:
    """Whether the event makes its case a failure for monitoring (SPEC section 5)."""
    return harm in SERIOUS_HARM or category in FAILURE_CATEGORIES


def yellow_card_due_by(*, detected_on: date, harm: str) -> date:
    """The local policy's deadline: days after detection, fewer for severe or fatal harm."""
    days = (
        settings.YELLOW_CARD_DAYS_SERIOUS
        if harm in SERIOUS_HARM
        else settings.YELLOW_CARD_DAYS_OTHER
    )
    return detected_on + timedelta(days=days)


class AdverseEventQuerySet(models.QuerySet):
    def overdue(self, *, today: date) -> AdverseEventQuerySet:
        return self.filter(yellow_card=YellowCard.DUE, yellow_card_due_by__lt=today)


class AdverseEvent(models.Model):
    Harm = Harm
    Category = Category
    YellowCard = YellowCard

    introduction = models.ForeignKey(
        Introduction, on_delete=models.PROTECT, related_name="adverse_events"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="adverse_events"
    )
    occurred_on = models.DateField()
    detected_on = models.DateField()
    description = models.TextField()
    harm = models.CharField(max_length=10, choices=Harm.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    device_involved = models.BooleanField(default=False)
    device_name = models.CharField(max_length=200, blank=True)
    device_manufacturer = models.CharField("manufacturer", max_length=200, blank=True)
    device_model = models.CharField("model", max_length=200, blank=True)
    device_catalogue_number = models.CharField("catalogue number", max_length=100, blank=True)
    device_serial_number = models.CharField("serial number", max_length=100, blank=True)
    device_lot_number = models.CharField("lot or batch number", max_length=100, blank=True)
    device_available = models.BooleanField(
        "device kept for investigation",
        null=True,
        blank=True,
        help_text="Whether the device is kept for the manufacturer's investigation.",
    )
    device_kept_at = models.CharField("where the device is kept", max_length=300, blank=True)
    might_have_led_to_serious = models.BooleanField(
        "might have led to death or serious deterioration", default=False
    )
    action_taken = models.TextField(blank=True)
    local_reference = models.CharField(
        "local incident reference",
        max_length=100,
        blank=True,
        help_text="The number of the event in the trust's incident system.",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Derived when the event is recorded or changed (events/services.py): the case-failure link
    # is read by cases/ through the reverse relation, without knowing the rule.
    fails_case = models.BooleanField(default=False, editable=False)
    yellow_card = models.CharField(
        "Yellow Card", max_length=20, choices=YellowCard.choices, default=YellowCard.NOT_REQUIRED
    )
    yellow_card_due_by = models.DateField("Yellow Card due by", null=True, blank=True)
    yellow_card_reference = models.CharField("MHRA reference", max_length=100, blank=True)
    yellow_card_submitted_on = models.DateField("submitted on", null=True, blank=True)
    yellow_card_reason = models.TextField("why it is not reportable", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = tracked_history(excluded_fields=["updated_at"])

    objects = AdverseEventQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_on", "-id"]
        indexes = [
            models.Index(fields=["introduction", "detected_on", "id"], name="event_order_idx"),
            # The lists across introductions (an organisation's, newest first): read in order
            # and stopped at a page, not every event sorted.
            models.Index(fields=["-detected_on", "-id"], name="event_recent_idx"),
            models.Index(fields=["yellow_card", "yellow_card_due_by"], name="event_card_idx"),
        ]
        verbose_name = "adverse event"

    def __str__(self) -> str:
        return f"Adverse event {self.pk}: {self.get_harm_display().lower()}"

    def is_overdue(self, today: date) -> bool:
        return (
            self.yellow_card == YellowCard.DUE
            and self.yellow_card_due_by is not None
            and self.yellow_card_due_by < today
        )

    @property
    def is_serious(self) -> bool:
        """Severe or fatal, or might have led to serious harm: the leads are told at once."""
        return self.harm in SERIOUS_HARM or self.might_have_led_to_serious
