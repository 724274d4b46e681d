"""Two people changing one record at once, on SQLite: a 409 that says so, never a 500.

SQLite lets one writer in at a time. The database settings (config/env.py, `env_database`)
make each transaction take the write lock when it begins and wait for it, so that concurrent
writers queue and the later one is checked against the earlier one's result, as PostgreSQL's
row locks do (governance/audited.py, `lock`). Should a writer wait longer than the timeout,
SQLite answers "database is locked": the API (config/api.py, `exception_handler`) and the
pages (`LockContentionMiddleware`) turn it into a 409 with this message. Nothing was written:
the transaction that met the lock is rolled back whole.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.sessions import middleware as session_middleware
from django.contrib.sessions.exceptions import SessionInterrupted
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

BUSY_MESSAGE = "Someone else is changing this record; try again."


def is_lock_contention(exc: BaseException | None) -> bool:
    """SQLite's "database is locked" (or "database table is locked"): a writer waited too long."""
    return isinstance(exc, OperationalError) and "is locked" in str(exc)


class LockContentionMiddleware:
    """Pages: a request that met another writer's lock answers 409 with the reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_lock_contention(exception):
            return None
        if request.path_info.startswith("/api/"):  # a plain Django view under /api/: JSON
            return JsonResponse({"detail": BUSY_MESSAGE}, status=409)
        return render(request, "409.html", {"message": BUSY_MESSAGE}, status=409)


class SessionMiddleware(session_middleware.SessionMiddleware):
    """Django's, but a session that cannot be saved because another writer holds SQLite's lock
    leaves the answer as it is: a session in use is saved now and then to push its idle end
    on (governance/accounts/sessions.py), and a missed refresh is harmless, where Django's own
    would turn the answer (a decision made, or the 409 saying why not) into a 400."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        try:
            return super().process_response(request, response)
        except SessionInterrupted as interrupted:
            update_error = interrupted.__context__  # Django's UpdateError, from the database's
            if update_error is not None and is_lock_contention(update_error.__context__):
                return response
            raise
