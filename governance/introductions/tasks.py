"""Celery tasks of introductions: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from governance.introductions import services


@shared_task(
    bind=True,
    ignore_result=True,
    autoretry_for=(OperationalError, OSError),
    retry_backoff=60,
    max_retries=5,
)
def flag_reviews_due(self) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): flag reviews due and overdue and e-mail the leads.

    Idempotent, so a retry after a failed e-mail or database hiccup sends nothing twice.
    """
    return services.reviews_flag_due(now=timezone.now())
