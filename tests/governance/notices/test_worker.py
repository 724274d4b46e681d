"""The outbox against the real Redis and a real Celery worker: a notice goes out after commit,
and with the broker down the change still commits and the notice goes out once when the broker
returns. Skipped without REDIS_URL; in CI a silent Redis fails (conftest, `redis_broker`)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from config.tasks import HEARTBEAT_KEY, heartbeat
from governance.introductions import services as introductions
from governance.notices import services, tasks
from governance.notices.models import Notice
from tests.governance.notices.support import broker_down, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _drained() -> bool:
    """Send a heartbeat and wait for it: the solo worker takes messages in order, so once it
    has run, everything sent before it has run too."""
    cache.delete(HEARTBEAT_KEY)
    heartbeat.delay()
    return wait_for(lambda: cache.get(HEARTBEAT_KEY) is not None)


def _status(notice: Notice) -> str:
    notice.refresh_from_db()
    return notice.status


def test_a_real_worker_sends_a_notice_once_its_transaction_commits(real_worker):
    with real_worker():
        with transaction.atomic():
            notice = services.notice_queue(
                kind="review_due",
                to=["lead@example.nhs.uk"],
                subject="Review due: Lumbar\nstabilisation",
                body="Please complete the review.",
            )
        assert wait_for(lambda: _status(notice) == "sent")

    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert [m.subject for m in mail.outbox] == ["Review due: Lumbar stabilisation"]


def test_with_the_broker_down_the_review_is_flagged_and_the_leads_told_once_it_returns(
    real_worker, approved, lead, other_lead
):
    periodic = approved.reviews.get(kind="periodic")
    now = timezone.make_aware(datetime.combine(periodic.due_on, datetime.min.time()))

    with broker_down():
        assert introductions.reviews_flag_due(now=now) == 1

    periodic.refresh_from_db()
    assert (periodic.flagged_due_at, periodic.leads_notified_at) == (now, now)
    notice = Notice.objects.get(key=f"review:{periodic.pk}:due")
    assert (notice.status, notice.attempts) == ("pending", 0)
    assert mail.outbox == []

    with real_worker():
        tasks.send_due_notices.delay()
        assert wait_for(lambda: _status(notice) == "sent")
        # A late duplicate of the lost message, and the next sweep, find nothing to send.
        tasks.send_notice.delay(notice.pk)
        tasks.send_due_notices.delay()
        assert _drained()

    notice.refresh_from_db()
    assert notice.attempts == 1
    [message] = mail.outbox
    assert sorted(message.to) == sorted([lead.email, other_lead.email])
    assert message.subject == f"Review due: {approved.title}"
