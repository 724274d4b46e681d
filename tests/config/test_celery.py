"""Celery: eager in process without Redis; a real worker consumes from Redis when it is set."""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings
from django.core.cache import cache

from config.celery import app
from config.tasks import HEARTBEAT_KEY, heartbeat


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="eager mode is the embedded default")
def test_tasks_run_eagerly_in_process_without_redis():
    cache.delete(HEARTBEAT_KEY)
    heartbeat.delay()
    assert cache.get(HEARTBEAT_KEY) is not None


@pytest.mark.services
@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_consumes_a_task_from_redis(client):
    from celery.contrib.testing.worker import start_worker

    try:
        cache.delete(HEARTBEAT_KEY)
    except Exception as exc:  # Redis named but not answering
        if os.environ.get("CI") == "true":
            pytest.fail(f"REDIS_URL is set but Redis does not answer: {exc}")
        pytest.skip(f"Redis does not answer: {exc}")

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        heartbeat.delay()
        deadline = time.monotonic() + 20
        while cache.get(HEARTBEAT_KEY) is None and time.monotonic() < deadline:
            time.sleep(0.1)
    stamp = cache.get(HEARTBEAT_KEY)
    assert stamp is not None
    assert client.get("/healthz").json()["worker_heartbeat"] == stamp
