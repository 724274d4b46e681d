"""Fixtures for the outbox's tests: a broker or a mail server that is down, and a real
Celery worker on the real Redis."""

from __future__ import annotations

import os
import threading

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from config.celery import app
from governance.notices.models import Notice
from tests.governance.notices.support import GateBackend, closed_port


@pytest.fixture
def celery_eager():
    """Tasks run in process, as in the embedded default, even when REDIS_URL names a broker:
    these tests are about what the outbox does, not about the broker."""
    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def smtp_down(settings):
    """The mail server down: Django's SMTP backend, pointed at a port nobody listens on."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def mail_server_back(settings):
    """`mail_server_back()`: the mail server answers again (Django's in-memory outbox)."""

    def back() -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    return back


@pytest.fixture
def make_pending(db):
    """`make_pending(**fields)`: a notice written but not yet sent, as a broker outage leaves
    it (written directly, so that no send is attempted on commit)."""

    def make(**fields) -> Notice:
        fields.setdefault("kind", "test")
        fields.setdefault("to", ["lead@example.nhs.uk"])
        fields.setdefault("subject", "Review due: lumbar stabilisation")
        fields.setdefault("body", "Please complete the review.")
        return Notice.objects.create(**fields)

    return make


@pytest.fixture
def redis_broker():
    """The real Redis named by REDIS_URL: skipped without one; in CI a silent Redis fails."""
    if not django_settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no broker")
    try:
        cache.get("notices:ping")
    except Exception as exc:  # Redis named but not answering
        if os.environ.get("CI") == "true":
            pytest.fail(f"REDIS_URL is set but Redis does not answer: {exc}")
        pytest.skip(f"Redis does not answer: {exc}")


@pytest.fixture
def real_worker(redis_broker):
    """`with real_worker():` a Celery worker consuming from the real Redis, in a thread of
    this process (so it writes to this test's database and mail outbox)."""
    from celery.contrib.testing.worker import start_worker

    def start():
        return start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10)

    return start


@pytest.fixture
def gate(settings):
    """Sends pass through GateBackend: each waits until the test sets `gate.release`."""
    GateBackend.sending, GateBackend.release = threading.Event(), threading.Event()
    settings.EMAIL_BACKEND = "tests.governance.notices.support.GateBackend"
    yield GateBackend
    GateBackend.release.set()
