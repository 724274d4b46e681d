"""Celery tasks of introductions: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from governance.introductions import services


@shared_task(
    bind=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    max_retries=5,
)
def flag_reviews_due(self) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): flag reviews due and overdue and queue the notices to
    the leads (sent by the outbox, governance/notices/).

    Idempotent, so a retry after a database hiccup queues nothing twice.
    """
    return services.reviews_flag_due(now=timezone.now())
