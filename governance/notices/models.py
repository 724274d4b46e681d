"""The outbox: every e-mail to people is a `Notice` row, written in the same transaction as
the change that causes it and sent after commit (DESIGN.md, "Architecture").

A notice is sent once: `sent_at` records when. One that cannot be sent now is retried with
backoff (`next_attempt_at`); one that can never be sent (a header Django refuses, every address
refused) is marked failed with the reason, and never stops the others.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class NoticeQuerySet(models.QuerySet):
    def due(self, *, now) -> NoticeQuerySet:
        """Pending notices whose next attempt has come."""
        return self.filter(status=Notice.Status.PENDING, next_attempt_at__lte=now)


class Notice(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=40, help_text="What it tells, e.g. review_due.")
    key = models.CharField(
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        help_text="Names the event the notice is about (review:42:due), so that it is written "
        "once however often the job that finds it runs.",
    )
    to = models.JSONField(default=list, help_text="The e-mail addresses.")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notice_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.subject}"
