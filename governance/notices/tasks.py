"""Celery tasks of the outbox: thin wrappers that call notices/services.py.

Mail errors are the service's to handle (recorded on the row and retried by the sweeper with
backoff); only a database that is briefly unavailable is retried here.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from governance.notices import services
from governance.notices.models import Notice

TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def send_notice(self, notice_id: int) -> bool:
    """Send one notice, queued after the transaction that wrote it committed. True if sent."""
    notice = services.notice_send(notice_id=notice_id, now=timezone.now())
    return notice is not None and notice.status == Notice.Status.SENT


@shared_task(bind=True, ignore_result=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True)
def send_due_notices(self) -> int:
    """Every few minutes (CELERY_BEAT_SCHEDULE): send what a broker or mail outage left
    pending. Idempotent: a duplicate run finds nothing more to send."""
    return services.notices_send_due(now=timezone.now())
