"""What the outbox's tests stand on: a mail server's answers (e-mail backends named by dotted
path in `settings.EMAIL_BACKEND`), a broker that is down, and waiting with a deadline."""

from __future__ import annotations

import smtplib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.mail.backends import locmem

from config.celery import app


def closed_port() -> int:
    """A local TCP port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], bool], *, timeout: float = 20.0) -> bool:
    """Wait until `condition()` holds, up to `timeout` seconds; whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@contextmanager
def broker_down() -> Iterator[None]:
    """The broker unreachable: tasks are published (not run in process) to a port nobody
    listens on, so `delay()` raises as it does when Redis is down."""
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app.conf.task_always_eager = False
    app._after_fork()  # Celery's own reset: forget the pooled connections to the old broker
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        app._after_fork()


REFUSED_DOMAIN = "refused.example.nhs.uk"


class RefusingBackend(locmem.EmailBackend):
    """Refuses every address at REFUSED_DOMAIN, as an SMTP server answers 550."""

    def send_messages(self, messages):
        for message in messages:
            refused = [a for a in message.recipients() if a.endswith(f"@{REFUSED_DOMAIN}")]
            if refused:
                raise smtplib.SMTPRecipientsRefused(
                    {address: (550, b"5.1.1 User unknown") for address in refused}
                )
        return super().send_messages(messages)


class GateBackend(locmem.EmailBackend):
    """Holds each send until `release` is set, so that a test can act while a notice is being
    sent. `sending` is set once a send has begun."""

    sending = threading.Event()
    release = threading.Event()

    def send_messages(self, messages):
        type(self).sending.set()
        if not type(self).release.wait(timeout=20):
            raise TimeoutError("The test never released the gate.")
        return super().send_messages(messages)
