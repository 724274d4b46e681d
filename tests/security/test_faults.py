"""Faults of the services, as the app meets them: PostgreSQL restarted and Redis stopped while
requests are being answered. Nothing that was acknowledged is lost, nothing answers 500, and
the app recovers by itself once the service is back.

- PostgreSQL: a restart or failover ends every open connection, as `pg_terminate_backend`
  does. The app runs in a real WSGI server on one thread (as a gunicorn sync worker does: one
  persistent connection, CONN_MAX_AGE), so that connections live from request to request.
- Redis as broker: a throwaway `redis-server` of the test's own, stopped and started again
  while HTTP requests record serious adverse events. tests/governance/notices/test_worker.py
  and tests/governance/events/test_worker.py cover the outbox with a broker that was never
  there (a closed port); this covers acknowledged requests while a broker that was answering
  stops, and the app's return to it without a restart.
- Redis as cache: down, the pages and API that read the cache still answer.

Skipped on the embedded default (SQLite, eager Celery); in CI a named service that does not
answer fails, as in the other services tests. SQLite's "database is locked" is answered 409
(tests/security, the API's exception handler), not here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
from django.conf import settings
from django.core import mail
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections, transaction
from rest_framework.authtoken.models import Token

from config import faults
from config.celery import app as celery_app
from governance import audited
from governance.cases.models import Case, Outcome
from governance.events.models import AdverseEvent
from governance.introductions.models import Introduction
from governance.notices import tasks
from governance.notices.models import Notice
from tests.governance.cases import conftest as cases_fixtures
from tests.governance.cases.conftest import VALID

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Skipped before a test database is made (the embedded default, SQLite and eager Celery).
on_postgres = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="DATABASE_URL names no PostgreSQL server: nothing to restart",
)
with_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="REDIS_URL is not set: Celery runs eagerly, no Redis to stop"
)

# The cases tests' approved introduction (with its device), to log cases and events under.
live, device = cases_fixtures.live, cases_fixtures.device

TODAY = date.today()


def wait_for(condition: Callable[[], bool], *, timeout: float = 30.0) -> bool:
    """Wait until `condition()` holds, up to `timeout` seconds; whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def case_body(days_ago: int = 3) -> dict:
    return {
        "performed_on": (TODAY - timedelta(days=days_ago)).isoformat(),
        "codes": VALID,
        "approach": "percutaneous",
        "image_guidance": "fluoroscopy",
        "levels": 1,
    }


# --- PostgreSQL ------------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # the access log is noise in the test output
        pass


class AppServer:
    """Django's WSGI handler served on one thread: one request at a time, one persistent
    database connection kept between them, and Django's request signals (which close a
    broken connection and check a kept one) as in production."""

    def __init__(self) -> None:
        self.server: WSGIServer = make_server(
            "127.0.0.1", 0, WSGIHandler(), handler_class=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.http = requests.Session()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        try:
            self.server.serve_forever(poll_interval=0.05)
        finally:
            connections.close_all()  # this thread's connection, not left open to the flush

    def post(self, path: str, body: dict) -> requests.Response:
        return self.http.post(self.url + path, json=body, timeout=60)

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.url + path, timeout=60)


@pytest.fixture
def app_server() -> Iterator[AppServer]:
    server = AppServer()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.thread.join(timeout=30)
    server.server.server_close()
    server.http.close()


@pytest.fixture
def as_applicant(app_server, applicant) -> AppServer:
    token = Token.objects.create(user=applicant)
    app_server.http.headers["Authorization"] = f"Token {token.key}"
    return app_server


@pytest.fixture
def dba() -> Iterator[Callable[..., int]]:
    """`dba(sql, *params)`: run a statement on a connection of the test's own (autocommit)
    and return the first column of its first row, or its row count."""
    own = connection.get_new_connection(connection.get_connection_params())
    own.autocommit = True

    def run(sql: str, *params) -> int:
        with own.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else cursor.rowcount

    yield run
    own.close()


def restart(dba) -> int:
    """What a restart or a failover does to the app: every connection to this database but
    the test's own ends. Returns how many ended."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (test_pid,) = cursor.fetchone()
    return dba(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), %s)",
        test_pid,
    )


def waiting_backend(dba) -> int | None:
    """The pid of a client's backend on this database waiting for a lock, or None."""
    return (
        dba(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND wait_event_type = 'Lock' LIMIT 1"
        )
        or None
    )


@contextmanager
def held(lock_sql: str) -> Iterator[None]:
    """The test's connection holds a table lock, so that the app's request stops where it
    needs that table, in the middle of its work, until the test ends its connection."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(lock_sql)
        yield


def cut_off(app: AppServer, dba, lock_sql: str, send: Callable[[], requests.Response]):
    """Send a request, wait until it is stuck on the lock the test holds, end its connection
    as a restart would, and return its response."""
    stuck: list[int] = []

    def is_stuck() -> bool:
        stuck[:] = [pid for pid in [waiting_backend(dba)] if pid is not None]
        return bool(stuck) or pending.done()

    with held(lock_sql), ThreadPoolExecutor(1) as pool:
        pending = pool.submit(send)
        assert wait_for(is_stuck)
        assert not pending.done(), pending.result().text
        dba("SELECT pg_terminate_backend(%s)", stuck[0])
        return pending.result()


@on_postgres
def test_a_case_cut_off_by_a_restart_answers_503_saves_nothing_and_the_next_one_is_saved(
    as_applicant, live, dba, monkeypatch
):
    # The request waits for the test's lock for as long as the test needs, not the services'
    # five seconds: the restart, not a lock timeout, is what ends it.
    monkeypatch.setattr(audited, "LOCK_TIMEOUT", "60s")
    cases = f"/api/v1/introductions/{live.pk}/cases/"
    acknowledged = []
    where = [
        # waiting for the introduction's row lock, which every change to it takes first
        f"SELECT 1 FROM {Introduction._meta.db_table} WHERE id = {live.pk} FOR UPDATE",
        # its coding stored, inserting the case
        f"LOCK TABLE {Case._meta.db_table} IN SHARE MODE",
        # the history row of the case
        f"LOCK TABLE {Case.history.model._meta.db_table} IN SHARE MODE",
    ]

    for attempt, lock_sql in enumerate(where):
        response = cut_off(
            as_applicant,
            dba,
            lock_sql,
            lambda days_ago=attempt: as_applicant.post(cases, case_body(days_ago=days_ago)),
        )
        assert response.status_code == 503, (lock_sql, response.text)
        assert response.json() == {"detail": faults.NOTHING_SAVED}
        assert response.headers["Retry-After"] == "30"

        again = as_applicant.post(cases, case_body(days_ago=attempt))
        assert again.status_code == 201, again.text
        acknowledged.append(again.json()["id"])

    assert sorted(Case.objects.values_list("pk", flat=True)) == sorted(acknowledged)
    assert Case.history.count() == len(acknowledged)  # no half of a cut-off case either


@on_postgres
def test_a_case_cut_off_after_it_was_saved_says_so_rather_than_nothing_was_saved(
    as_applicant, live, dba
):
    # Outcomes are read only for the answer, after the case has been committed: a user told
    # "nothing was saved" here would log the case twice.
    response = cut_off(
        as_applicant,
        dba,
        f"LOCK TABLE {Outcome._meta.db_table} IN ACCESS EXCLUSIVE MODE",
        lambda: as_applicant.post(f"/api/v1/introductions/{live.pk}/cases/", case_body()),
    )

    assert response.status_code == 503, response.text
    assert response.json() == {"detail": faults.MAYBE_SAVED}
    assert Case.objects.count() == 1


@on_postgres
def test_a_case_cut_off_during_its_commit_says_it_may_have_been_saved(
    as_applicant, applicant, live, dba
):
    # The checks of a case's foreign keys run at COMMIT (Django makes them deferred) and wait
    # for the user row the test holds: whether the server committed, the app cannot know.
    response = cut_off(
        as_applicant,
        dba,
        f"SELECT 1 FROM {applicant._meta.db_table} WHERE id = {applicant.pk} FOR UPDATE",
        lambda: as_applicant.post(f"/api/v1/introductions/{live.pk}/cases/", case_body()),
    )

    assert response.status_code == 503, response.text
    assert response.json() == {"detail": faults.MAYBE_SAVED}
    assert Case.objects.count() == 0  # here it was not: the commit never finished


@on_postgres
def test_connections_ended_between_requests_are_replaced_before_the_next_request(
    as_applicant, live, dba
):
    cases = f"/api/v1/introductions/{live.pk}/cases/"
    acknowledged = []

    for attempt in range(3):
        response = as_applicant.post(cases, case_body(days_ago=attempt))
        assert response.status_code == 201, response.text
        acknowledged.append(response.json()["id"])
        # The app keeps its connection between requests (CONN_MAX_AGE): it is there to end.
        assert restart(dba) >= 1

    response = as_applicant.get(cases)
    assert response.status_code == 200, response.text
    assert sorted(case["id"] for case in response.json()["results"]) == sorted(acknowledged)


@on_postgres
def test_a_stream_of_cases_through_restarts_loses_none_that_was_acknowledged(
    as_applicant, live, dba
):
    cases = f"/api/v1/introductions/{live.pk}/cases/"
    answers: list[requests.Response] = []
    stop = threading.Event()

    def stream() -> None:
        while not stop.is_set():
            answers.append(as_applicant.post(cases, case_body(days_ago=len(answers) % 30)))

    with ThreadPoolExecutor(1) as pool:
        writer = pool.submit(stream)
        for restarts in range(1, 6):
            assert wait_for(lambda n=restarts: len(answers) >= 4 * n or writer.done())
            restart(dba)
        stop.set()
        writer.result()

    assert {answer.status_code for answer in answers} <= {201, 503}
    acknowledged = {answer.json()["id"] for answer in answers if answer.status_code == 201}
    refused = [answer.json()["detail"] for answer in answers if answer.status_code == 503]
    assert set(refused) <= {faults.NOTHING_SAVED, faults.MAYBE_SAVED}
    maybe_saved = refused.count(faults.MAYBE_SAVED)
    saved = set(Case.objects.values_list("pk", flat=True))
    assert acknowledged <= saved
    assert len(saved - acknowledged) <= maybe_saved

    after = as_applicant.post(cases, case_body())
    assert after.status_code == 201, after.text


@on_postgres
def test_a_page_cut_off_by_a_restart_answers_503_in_words(app_server, applicant, dba, client):
    client.force_login(applicant)
    app_server.http.cookies.set("sessionid", client.cookies["sessionid"].value)

    response = cut_off(
        app_server,
        dba,
        "LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE",  # reading the session waits
        lambda: app_server.get("/"),
    )

    assert response.status_code == 503, response.text
    assert faults.NOTHING_SAVED in response.text
    assert "Sorry, the service is unavailable" in response.text
    assert app_server.get("/").status_code == 200


# --- Redis -----------------------------------------------------------------------------------


class ThrowawayRedis:
    """A redis-server of this test's own, with no persistence: stopping it loses what it
    held, as a Redis restarted without a disk does."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(self.answers), "the throwaway redis-server did not start"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None
        assert wait_for(lambda: not self.answers())


@pytest.fixture
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("REDIS_URL is set but redis-server is not installed")
        pytest.skip("redis-server is not installed: no Redis to stop")
    redis = ThrowawayRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def broker(throwaway_redis) -> Iterator[ThrowawayRedis]:
    """Celery publishes to, and a worker consumes from, the throwaway Redis."""
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url = throwaway_redis.url
    celery_app.conf.task_always_eager = False
    celery_app._after_fork()  # Celery's own reset: forget the pooled connections
    yield throwaway_redis
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
    celery_app._after_fork()


def _sent(*notices: Notice) -> bool:
    return all(Notice.objects.get(pk=n.pk).status == Notice.Status.SENT for n in notices)


@with_redis
def test_serious_events_acknowledged_while_the_broker_is_stopped_are_told_once_it_returns(
    broker, api_as, applicant, lead, live
):
    from celery.contrib.testing.worker import start_worker

    client = api_as(applicant)

    def record(description: str) -> Notice:
        response = client.post(
            "/api/v1/adverse-events/",
            {
                "introduction": live.pk,
                "occurred_on": (TODAY - timedelta(days=1)).isoformat(),
                "detected_on": TODAY.isoformat(),
                "description": description,
                "harm": "severe",
                "category": "wound",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        return Notice.objects.get(key=f"event:{response.json()['id']}:serious")

    # Queued on the broker, which then stops and, with no disk, loses the message.
    before = record("Deep wound infection, returned to theatre.")
    broker.stop()
    during = record("Dural tear repaired; headache for a week.")
    assert AdverseEvent.objects.count() == 2
    assert list(Notice.objects.values_list("status", "attempts")) == [("pending", 0)] * 2
    assert mail.outbox == []

    broker.start()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        # The app finds the broker again by itself: the next event's notice goes at once.
        after = record("Nerve root irritation, new leg pain.")
        assert wait_for(lambda: _sent(after))
        # The sweeper sends what the outage left pending; a second sweep finds nothing.
        tasks.send_due_notices.delay()
        assert wait_for(lambda: _sent(before, during))
        tasks.send_due_notices.delay()
        probe = record("Superficial wound ooze, dressed on the ward.")  # in order after it
        assert wait_for(lambda: _sent(probe))

    # Four events, four e-mails to the lead: each notice sent once, at its first attempt.
    assert [message.to for message in mail.outbox] == [[lead.email]] * 4
    assert list(Notice.objects.values_list("status", "attempts")) == [("sent", 1)] * 4


@with_redis
def test_with_the_cache_stopped_the_pages_and_api_that_read_it_still_answer(
    throwaway_redis, settings, api_as, applicant, client, ipg366
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": throwaway_redis.url,
        }
    }
    throwaway_redis.stop()

    validated = api_as(applicant).post(
        "/api/v1/coding/validate/",
        {"ruleset": "IPG366", "codes": VALID, "context": {}},
        format="json",
    )
    assert validated.status_code == 200, validated.json()
    assert client.get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "worker_heartbeat": None,
    }
