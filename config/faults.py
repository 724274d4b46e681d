"""The database gone in the middle of a request: 503 with words, never a 500.

A PostgreSQL restart or failover ends every open connection; a request that was using one
meets `OperationalError` or `InterfaceError`. `FaultsMiddleware` answers that request with 503
(JSON under /api/, a page elsewhere) saying whether anything was saved, and Django closes the
broken connection when the request ends (`close_old_connections`), so the next request opens
a new one. A connection that died between requests is found and replaced before it is used
(`CONN_HEALTH_CHECKS`, config/env.py). "database is locked" (SQLite) is not an outage: it is
left to the API's exception handler (config/api.py), which answers 409.

Whether anything was saved: the middleware watches the request's statements, and a write
counts once it is committed (at once in autocommit, otherwise when its transaction commits).
A request cut off after its service committed (while the response was being built from the
database) must not tell the user that nothing was saved: they would log the case again. Nor
may one cut off during its COMMIT: the server may have committed before the connection went.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

NOTHING_SAVED = "The database is unavailable; nothing was saved. Try again in a minute."
MAYBE_SAVED = (
    "The database became unavailable part-way through: your change may have been saved. "
    "Check it before you try again."
)

# SQLSTATEs of a connection that is gone or refused: class 08 (connection exception), and the
# server shutting down (57P01 pg_terminate_backend or a fast shutdown, 57P02 crash, 57P03
# starting up). psycopg raises errors with no SQLSTATE at all when it finds the connection
# lost or closed on its side, or cannot open it.
_GONE_SQLSTATES = {"57P01", "57P02", "57P03"}
# Statements that change nothing; any other statement counts as a write.
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "SET", "SHOW")


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` is the database connection lost or refused (not a lock, a timeout or a
    serialisation failure, which are OperationalErrors too)."""
    if isinstance(exc, InterfaceError):  # Django's and psycopg's "connection already closed"
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if type(cause).__module__.split(".")[0] != "psycopg":
        return False  # SQLite's errors are about its file (locked, read-only), not a server
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _GONE_SQLSTATES


def _during_commit(exc: BaseException) -> bool:
    """Whether `exc` was raised while committing a transaction (Django's `_commit`)."""
    frame = exc.__traceback__
    while frame is not None:
        code, local = frame.tb_frame.f_code, frame.tb_frame.f_locals
        if code.co_name == "_commit" and isinstance(local.get("self"), BaseDatabaseWrapper):
            return True
        frame = frame.tb_next
    return False


class _Writes:
    """Counts the request's committed writes on the default database (an execute wrapper)."""

    def __init__(self) -> None:
        self.committed = False

    def _committed(self) -> None:
        self.committed = True

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict
    ) -> Any:
        result = execute(sql, params, many, context)
        # Every query of every request passes here: read the first word, not the whole SQL.
        if not sql.lstrip()[:9].upper().startswith(_READS):
            connection = context["connection"]
            if not connection.in_atomic_block:
                self._committed()
            elif not any(entry[1] == self._committed for entry in connection.run_on_commit):
                connection.on_commit(self._committed)  # once a transaction, however many writes
        return result


class FaultsMiddleware:
    """503 for a view that lost the database (settings.MIDDLEWARE); `server_error` answers
    for the other middleware (the session and the signed-in user are read there)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request._database_writes = writes = _Writes()
        with connections[DEFAULT_DB_ALIAS].execute_wrapper(writes):
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not database_unavailable(exc):
            return None
        return unavailable_response(request, exc)


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503: `{"detail": ...}` under /api/, otherwise a page that needs no database (no
    request context: the user and the navigation are read from the database)."""
    logger.warning("The database is unavailable (%s %s): %s", request.method, request.path, exc)
    writes = getattr(request, "_database_writes", None)
    saved = (writes is not None and writes.committed) or _during_commit(exc)
    message = MAYBE_SAVED if saved else NOTHING_SAVED
    headers = {"Retry-After": "30"}
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=503, headers=headers)
    page = render_to_string("503.html", {"message": message})
    return HttpResponse(page, status=503, headers=headers)
