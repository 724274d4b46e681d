"""Sessions that end after SESSION_IDLE_MINUTES without a request, for the price of one write
every tenth of that time rather than one a request.

Django's way to end an idle session, saving it on every request, writes the session row on
every page and API call; on SQLite each of those takes the database's write lock. Instead the
session remembers when it expires (`SessionStore`), and `IdleSessionMiddleware` saves it again,
pushing the expiry a full idle period on, only when a tenth of the period (at least a minute)
has passed since the last save. A session therefore ends between 90% and 100% of the idle
time after the last request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib.sessions.backends import db
from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class SessionStore(db.SessionStore):
    """Django's database sessions (SESSION_ENGINE = "governance.accounts.sessions"), keeping
    the loaded session's expiry date."""

    expire_date: datetime | None = None

    def _get_session_from_db(self):
        session = super()._get_session_from_db()
        self.expire_date = session.expire_date if session is not None else None
        return session


def refresh_after() -> int:
    """Seconds after its last save that a session in use is saved again."""
    return max(60, settings.SESSION_COOKIE_AGE // 10)


class IdleSessionMiddleware:
    """After SessionMiddleware (settings.MIDDLEWARE): a signed-in session read by this request
    is saved again when it was last saved `refresh_after()` seconds ago or more."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        expire_date = getattr(session, "expire_date", None)
        if session is not None and session.accessed and expire_date is not None:
            left = (expire_date - timezone.now()).total_seconds()
            if settings.SESSION_COOKIE_AGE - left >= refresh_after():
                session.modified = True  # SessionMiddleware saves it, with a new expiry
        return response
