"""The record of who signed in, failed, was locked out, signed out, and of API tokens issued
and revoked: one append-only row an event, read by the audit history (governance/audit)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from governance.history import AppendOnly


class SignInEvent(AppendOnly):
    class Outcome(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        FAILED = "failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Locked out"
        SIGNED_OUT = "signed_out", "Signed out"
        TOKEN_ISSUED = "token_issued", "API token issued"
        TOKEN_REVOKED = "token_revoked", "API token revoked"

    class Via(models.TextChoices):
        PAGE = "page", "Sign-in page"
        ADMIN = "admin", "Django admin"
        API = "api", "API"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # What was typed, kept as typed: the user, when one has that name, is `user`.
    username = models.CharField("username tried", max_length=150, blank=True)
    # SET_NULL: the row outlives the account; the username says whose it was.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sign_in_events",
    )
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    via = models.CharField("where", max_length=10, choices=Via.choices, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "sign-in event"

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.username or self.user_id}"
