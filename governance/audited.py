"""Audited writes and row locks: what every governance service does before it saves.

    audited(instance, actor, reason).save()   # simple-history records who and why
    lock(Introduction.objects, pk)            # the row is locked until the transaction ends

Services are the only writers of governance data (STYLE.md, "Audit"); they set the user and
the reason explicitly, so the history is right from the pages, the API, Celery and commands.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import OperationalError, connection, models

from config.faults import database_unavailable
from governance.errors import Concurrency

M = TypeVar("M", bound=models.Model)

# How long a service waits for another's lock on the same row before answering 409.
LOCK_TIMEOUT = "5s"


def audited(instance: M, actor, reason: str | None) -> M:
    """Set the user and reason simple-history records for the instance's next save or
    delete."""
    instance._history_user = actor
    instance._change_reason = reason or None
    return instance


def lock(queryset: models.QuerySet[M], pk: int, *, what: str = "record") -> M:
    """The row `pk` of `queryset`, locked until the transaction ends (PostgreSQL; SQLite
    serialises writers anyway). Concurrent services on one row run one after the other and
    the later one sees the earlier one's result; a wait longer than LOCK_TIMEOUT raises
    Concurrency (409) rather than hanging the request."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        return queryset.select_for_update(of=("self",)).get(pk=pk)
    except OperationalError as exc:
        if database_unavailable(exc):
            raise  # the database gone, not someone else's lock: 503 (config/faults.py)
        raise Concurrency(
            f"Someone else is changing this {what} at this moment. Try again."
        ) from exc
