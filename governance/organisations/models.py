"""Organisations and who belongs to them; the reference data introductions are built on:
NICE guidance and the devices used in procedures; and the record of role grants.

Every model is history-tracked (governance/history.py); organisations/services.py is the
only writer.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from governance.history import AppendOnly, tracked_history

# A NICE guidance reference: IPG366, NG59, TA123. The one pattern the API, the services and
# the import command check.
REFERENCE_PATTERN = re.compile(r"^[A-Z]{2,6}\d{1,5}$")


def normalise_reference(value: Any, field: str = "reference") -> str:
    """`ipg 366` -> `IPG366`; ValidationError naming `field` when it is not a reference."""
    reference = re.sub(r"\s+", "", str(value or "")).upper()
    if not REFERENCE_PATTERN.match(reference):
        raise ValidationError(
            {field: [f"{value!r} is not a NICE guidance reference such as IPG366."]}
        )
    return reference


class Organisation(models.Model):
    """An NHS organisation (a trust), known by its ODS code. Roles apply within it."""

    DEFAULT_ODS_CODE = "DEFAULT"  # created on install; a one-trust deployment's only one

    name = models.CharField(max_length=200)
    ods_code = models.CharField("ODS code", max_length=10, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organisations", blank=True
    )
    history = tracked_history()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"

    def save(self, *args, **kwargs):
        self.ods_code = (self.ods_code or "").strip().upper()
        super().save(*args, **kwargs)


class Membership(models.Model):
    """A user's membership of an organisation (the `members` relation), history-tracked so
    that who was given access to whose data, and when, is on record."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    history = tracked_history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation.ods_code}"


class RoleGrant(AppendOnly):
    """One role given to or taken from a user: who did it, when and why (append-only).

    Roles are Django groups (governance/roles.py); the group membership says what a user may
    do now, these rows say how it came to be, for the auditor."""

    # PROTECT: a user who ever held a role is deactivated, never deleted, so the record stays.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_grants"
    )
    role = models.CharField(max_length=50)
    granted = models.BooleanField(default=True, help_text="False when the role was taken away.")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the system: a command, a migration or the demo data.",
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "role grant"

    def __str__(self) -> str:
        verb = "given" if self.granted else "taken from"
        return f"{self.role} {verb} {self.user}"


class Recommendation(models.TextChoices):
    """NICE's recommendation for a procedure (the kind of arrangements it asks for)."""

    STANDARD = "standard", "Standard arrangements"
    SPECIAL = "special", "Special arrangements"
    RESEARCH_ONLY = "research_only", "Research only"
    DO_NOT_USE = "do_not_use", "Do not use"


class Guidance(models.Model):
    """A NICE interventional procedures guidance, e.g. IPG366."""

    Recommendation = Recommendation

    reference = models.CharField(max_length=32, unique=True, help_text="e.g. IPG366")
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=500, blank=True)
    recommendation = models.CharField(
        "NICE recommendation",
        max_length=20,
        choices=Recommendation.choices,
        null=True,
        blank=True,
        help_text="Empty until recorded; approval needs it.",
    )
    supersedes = models.CharField(
        max_length=32,
        blank=True,
        help_text="The reference of the guidance this replaces (e.g. IPG183), which may not "
        "be held here.",
    )
    ruleset = models.ForeignKey(
        "coding.RuleSet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guidance",
        verbose_name="coding rule set",
    )
    history = tracked_history()

    class Meta:
        ordering = ["reference"]
        verbose_name_plural = "guidance"

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Device(models.Model):
    """A medical device used in a procedure."""

    name = models.CharField(max_length=200)
    manufacturer = models.CharField(max_length=200, blank=True)
    model = models.CharField(max_length=200, blank=True)
    catalogue_number = models.CharField(max_length=100, blank=True)
    history = tracked_history()

    class Meta:
        ordering = ["name", "manufacturer"]

    def __str__(self) -> str:
        return f"{self.name} ({self.manufacturer})" if self.manufacturer else self.name
