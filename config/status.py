"""What the service status page and /healthz check: the database, the background worker's
heartbeat and the e-mail outbox, each answered without raising.

`/healthz` (JSON, for load balancers) asks only `database_answers()` and the heartbeat;
`/status/` (for people) reads `service_status()`. Nothing here names a host, a port, a
database or an error message: they are for the logs, not for a page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import metadata

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.tasks import HEARTBEAT_KEY

logger = logging.getLogger(__name__)

# The worker records a heartbeat every minute (CELERY_BEAT_SCHEDULE): longer than this without
# one and it has probably stopped.
HEARTBEAT_STALE_AFTER = timedelta(minutes=5)
UNKNOWN = object()  # the cache did not answer


@dataclass(frozen=True)
class Outbox:
    pending: int
    oldest_pending_at: datetime | None
    failed: int


@dataclass(frozen=True)
class ServiceStatus:
    checked_at: datetime
    database: bool
    worker_in_process: bool  # the embedded default: Celery runs each task inside the request
    heartbeat: datetime | None  # the worker's last report; None when none has reported
    heartbeat_unknown: bool  # the cache, where the heartbeat is kept, did not answer
    outbox: Outbox | None  # None when the database does not answer
    version: str

    @property
    def heartbeat_stale(self) -> bool:
        return self.heartbeat is not None and self.checked_at - self.heartbeat > (
            HEARTBEAT_STALE_AFTER
        )


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure is an unhealthy node
        logger.exception("The database does not answer")
        return False
    return True


def heartbeat_stamp() -> str | object | None:
    """The worker's last heartbeat as it is stored (ISO 8601), None, or UNKNOWN."""
    try:
        return cache.get(HEARTBEAT_KEY)
    except Exception:  # the cache is not what the status answers for
        logger.exception("The cache does not answer")
        return UNKNOWN


def outbox() -> Outbox:
    from governance.notices.models import Notice  # the app registry is ready by the request

    pending = Q(status=Notice.Status.PENDING)
    counts = Notice.objects.aggregate(
        pending=Count("pk", filter=pending),
        failed=Count("pk", filter=Q(status=Notice.Status.FAILED)),
        oldest=Min("created_at", filter=pending),
    )
    return Outbox(counts["pending"], counts["oldest"], counts["failed"])


def version() -> str:
    try:
        return metadata.version("newprocedures")
    except metadata.PackageNotFoundError:
        return ""


def service_status(*, database: bool | None = None) -> ServiceStatus:
    """Everything the status page shows; the outbox only when the database answers."""
    database = database_answers() if database is None else database
    stamp = heartbeat_stamp()
    heartbeat = parse_datetime(stamp) if isinstance(stamp, str) else None
    return ServiceStatus(
        checked_at=timezone.now(),
        database=database,
        worker_in_process=bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)),
        heartbeat=heartbeat,
        heartbeat_unknown=stamp is UNKNOWN,
        outbox=outbox() if database else None,
        version=version(),
    )
