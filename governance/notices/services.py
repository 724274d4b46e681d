"""The outbox's use cases: queue a notice in the caller's transaction, send one, send what is
due. The only code that writes `Notice` rows.

    notice_queue(kind=..., to=[...], subject=..., body=..., key="review:42:due")
        # in the transaction of the change that causes it; sent by a Celery task after commit
    notices_send_due(now=...)
        # the sweeper (CELERY_BEAT_SCHEDULE): whatever a broker or mail outage left pending

A notice is claimed before it is sent, by one conditional UPDATE that only one caller can win
(PostgreSQL and SQLite alike), so the task and the sweeper never both send it. A worker that
dies between the claim and the send leaves the notice to the sweeper once the claim lapses; a
worker that dies after sending but before recording it may send it again: at least once, and
once in every other case.
"""

from __future__ import annotations

import logging
import smtplib
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from governance.notices.models import Notice

logger = logging.getLogger(__name__)

SUBJECT_MAX_LENGTH = Notice._meta.get_field("subject").max_length

# Retries of a notice the mail server could not take now: 1, 2, 4 ... minutes, at most 6 hours
# apart, failed at the 12th attempt: a mail outage of most of a day is ridden out.
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 12

# How long a claimed notice is left to its sender before another may try it: longer than a
# send can take (EMAIL_TIMEOUT in settings bounds each SMTP call).
CLAIM_LAPSE = timedelta(minutes=10)

# Errors that sending again will not cure: a header Django refuses (BadHeaderError is a
# ValueError), text that cannot be encoded, every recipient refused by the server.
PERMANENT_ERRORS = (ValueError, smtplib.SMTPRecipientsRefused)


def notice_queue(
    *, kind: str, to: Iterable[str], subject: str, body: str, key: str | None = None
) -> Notice | None:
    """Write a notice in the caller's transaction and send it after that commits.

    The subject is made one line (control characters and line breaks become spaces) of at most
    200 characters. With a `key`, a notice is written once: a second call with the same key
    returns the first. Returns None, writing nothing, when there is nobody to tell.
    """
    recipients = list(dict.fromkeys(address.strip() for address in to if address.strip()))
    if not recipients:
        return None
    fields = {
        "kind": kind,
        "to": recipients,
        "subject": _one_line(subject, SUBJECT_MAX_LENGTH),
        "body": body,
    }
    if key is None:
        notice = Notice.objects.create(**fields)
    else:
        notice, created = Notice.objects.get_or_create(key=key, defaults=fields)
        if not created:
            return notice
    _send_after_commit(notice.pk)
    return notice


def notice_send(*, notice_id: int, now: datetime) -> Notice | None:
    """Send one pending notice whose time has come, and record the outcome on its row: sent
    (with when), retried later with backoff, or failed with the reason.

    Returns the notice, or None when there was nothing to do: already sent or failed, not due
    yet, or claimed by another sender at this moment. Mail errors never escape; database
    errors do (the task retries them).
    """
    # The claim runs from the clock, not from `now`: a long sweep's `now` falls behind.
    claimed_until = max(now, timezone.now()) + CLAIM_LAPSE
    claimed = (
        Notice.objects.due(now=now)
        .filter(pk=notice_id)
        .update(attempts=F("attempts") + 1, next_attempt_at=claimed_until)
    )
    if not claimed:
        return None
    notice = Notice.objects.get(pk=notice_id)
    try:
        EmailMessage(subject=notice.subject, body=notice.body, to=notice.to).send()
    except PERMANENT_ERRORS as exc:
        logger.warning("Notice %s cannot be sent: %s", notice.pk, _describe(exc))
        notice.status = Notice.Status.FAILED
        notice.last_error = _describe(exc)
    except Exception as exc:  # the server down or busy, or unforeseen: retried, then failed
        logger.warning(
            "Notice %s not sent (attempt %s): %s",
            notice.pk,
            notice.attempts,
            _describe(exc),
            exc_info=not isinstance(exc, OSError),  # smtplib's errors are OSErrors
        )
        notice.last_error = _describe(exc)
        if notice.attempts >= MAX_ATTEMPTS:
            notice.status = Notice.Status.FAILED
            notice.last_error = f"Gave up after {notice.attempts} attempts. {notice.last_error}"
        else:
            notice.next_attempt_at = now + backoff(notice.attempts)
    else:
        notice.status = Notice.Status.SENT
        notice.sent_at = now
        notice.last_error = ""
    notice.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
    return notice


def notices_send_due(*, now: datetime) -> int:
    """Send every pending notice whose time has come; returns how many were sent. Idempotent,
    and one notice that cannot be sent never stops the next. The periodic Celery job
    (governance.tasks) calls it."""
    due = list(
        Notice.objects.due(now=now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)
    )
    sent = 0
    for notice_id in due:
        notice = notice_send(notice_id=notice_id, now=now)
        if notice is not None and notice.status == Notice.Status.SENT:
            sent += 1
    return sent


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: doubling, capped."""
    return min(BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_MAX)


def _send_after_commit(notice_id: int) -> None:
    from governance.notices.tasks import send_notice  # tasks import this module

    # robust: a broker outage must not fail or undo the caller's change; the notice stays
    # pending and the sweeper sends it.
    transaction.on_commit(lambda: send_notice.delay(notice_id), robust=True)


def _one_line(text: str, limit: int) -> str:
    """`text` as one line of at most `limit` characters: control characters and line breaks
    become spaces, invisible format characters (bidi overrides, zero-width) go, runs of spaces
    become one."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc":
            kept.append(" ")
        elif category != "Cf":
            kept.append(char)
    line = " ".join("".join(kept).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]
