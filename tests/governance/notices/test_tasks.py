"""The outbox's Celery tasks: one sends a notice after commit, the sweeper sends what is due
every five minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from governance import tasks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def test_the_task_sends_the_notice_it_is_given_once(make_pending):
    notice = make_pending()

    assert tasks.send_notice.delay(notice.pk).get() is True
    assert tasks.send_notice.delay(notice.pk).get() is False

    notice.refresh_from_db()
    assert notice.status == "sent"
    assert len(mail.outbox) == 1


def test_the_task_does_nothing_for_a_notice_that_is_gone():
    assert tasks.send_notice.delay(999_999).get() is False
    assert mail.outbox == []


def test_the_sweeper_task_sends_every_pending_notice_that_is_due(make_pending):
    make_pending(subject="First")
    make_pending(subject="Second")
    make_pending(subject="Not yet", next_attempt_at=timezone.now() + timedelta(minutes=5))

    assert tasks.send_due_notices.delay().get() == 2
    assert sorted(m.subject for m in mail.outbox) == ["First", "Second"]


def test_the_sweeper_is_in_the_beat_schedule_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["governance-send-due-notices"]

    assert entry["task"] == "governance.notices.tasks.send_due_notices"
    assert entry["schedule"] == 300.0
