"""A serious adverse event against the real Redis and a real Celery worker: with the broker
down the event is recorded and the leads' notice waits; when the broker returns the notice goes
out once. Skipped without REDIS_URL; in CI a silent Redis fails (notices' `redis_broker`)."""

from __future__ import annotations

import pytest
from django.core import mail

from governance.events.models import AdverseEvent
from governance.notices import tasks
from governance.notices.models import Notice
from tests.governance.notices.conftest import real_worker, redis_broker  # noqa: F401
from tests.governance.notices.support import broker_down, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_serious_event_is_recorded_with_the_broker_down_and_told_once_it_returns(
    real_worker,  # noqa: F811  (imported above)
    record,
    lead,
):
    with broker_down():
        event = record(harm="fatal", description="Death on the second day after surgery.")

    assert AdverseEvent.objects.filter(pk=event.pk).exists()
    notice = Notice.objects.get(key=f"event:{event.pk}:serious")
    assert notice.status == "pending"

    with real_worker():
        tasks.send_due_notices.delay()
        assert wait_for(lambda: Notice.objects.get(pk=notice.pk).status == "sent")
        tasks.send_due_notices.delay()  # the next sweep finds nothing more

        assert wait_for(lambda: len(mail.outbox) >= 1)

    [message] = mail.outbox
    assert message.to == [lead.email]
    assert message.subject.startswith("Serious adverse event: ")
