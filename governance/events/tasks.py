"""Celery tasks of adverse events: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from governance.events import services


@shared_task(
    bind=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=60,
    max_retries=5,
)
def yellow_cards_overdue_digest(self) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): one notice to each lead listing the overdue Yellow Cards.
    Idempotent within a day, so a retry sends nothing twice."""
    return services.yellow_cards_overdue_digest(now=timezone.now())
