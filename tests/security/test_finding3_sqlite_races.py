"""Finding 3: on SQLite, the embedded default, two decisions racing on one introduction
answered 200 and 500 "database is locked" (four rounds of four for two approvals; sign-off,
condition and review likewise). The loser must get 409 with the reason, as on PostgreSQL.

The races are real: two threads, each with its own connection, released together by a
barrier. pytest-django's SQLite test database lives in memory, where SQLite locks otherwise
(shared cache, no waiting), so on SQLite the test runs on a file: a copy of the migrated test
database, opened with the project's own options (config/env.py). On PostgreSQL the threads
share the test database itself.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

import pytest
from django.db import connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.test import Client
from rest_framework.test import APIClient

from config.contention import BUSY_MESSAGE
from governance.introductions.models import Introduction
from tests.factories import (
    ConditionFactory,
    EqualityAssessmentFactory,
    IntroductionFactory,
    ReviewFactory,
    signed_off_assessments,
)

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 4
on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's own locking: PostgreSQL locks rows"
)


@pytest.fixture
def shared_database(transactional_db, tmp_path) -> Iterator[Callable[[], None]]:
    """`use()` in a thread points its connection at the database the racers share."""
    if connection.vendor != "sqlite":
        yield lambda: None
        connections.close_all()
        return
    original = connections["default"]
    original.ensure_connection()
    path = tmp_path / "shared.sqlite3"
    with sqlite3.connect(path) as copy:
        original.connection.backup(copy)
    settings_dict = {**original.settings_dict, "NAME": str(path)}

    def use() -> None:  # each racing thread closes its own connection (`race`)
        connections["default"] = SQLiteWrapper(dict(settings_dict), "default")

    use()  # this thread too: the rows the test makes go to the file
    try:
        yield use
    finally:
        connections["default"].close()
        connections["default"] = original


def race(use: Callable[[], None], *sends: Callable[[], object]) -> list:
    """Run `sends` at once, each in a thread of its own; their answers, in order."""
    barrier = threading.Barrier(len(sends))
    answers: list = [None] * len(sends)

    def run(index: int, send: Callable[[], object]) -> None:
        use()
        try:
            barrier.wait()
            answers[index] = send()
        except BaseException as error:  # reported by the assertion on the answers
            answers[index] = error
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=run, args=(i, send)) for i, send in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def client_of(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def one_wins(answers: list, reason: str) -> None:
    """One 200; the other 409 with the reason: the writers queued, and the later one was
    checked against the earlier one's result."""
    codes = sorted(getattr(answer, "status_code", answer) for answer in answers)
    assert codes == [200, 409], [getattr(a, "content", a) for a in answers]
    loser = next(answer for answer in answers if answer.status_code == 409)
    assert loser.json() == {"detail": reason, "unmet": []}


def test_two_approvals_at_once_one_200_the_other_409_with_the_reason(
    shared_database, applicant, lead, other_lead
):
    for _ in range(ROUNDS):
        introduction = IntroductionFactory(
            status="under_review", applicant=applicant, assessments_signed_off_by=lead
        )
        url = f"/api/v1/introductions/{introduction.pk}/transitions/"
        body = {"action": "approve", "reason": "Approved at committee"}
        answers = race(
            shared_database,
            partial(client_of(lead).post, url, body, format="json"),
            partial(client_of(other_lead).post, url, body, format="json"),
        )
        one_wins(answers, "You cannot approve an introduction that is approved.")
        introduction.refresh_from_db()
        assert introduction.status == "approved"
        assert introduction.transitions.filter(action="approve").count() == 1


def test_two_sign_offs_at_once_one_200_the_other_409_with_the_reason(
    shared_database, applicant, lead, other_lead
):
    for _ in range(ROUNDS):
        introduction = IntroductionFactory(status="under_review", applicant=applicant)
        EqualityAssessmentFactory(introduction=introduction)
        url = f"/api/v1/introductions/{introduction.pk}/equality-assessment/sign-off/"
        answers = race(
            shared_database,
            partial(client_of(lead).post, url, {}, format="json"),
            partial(client_of(other_lead).post, url, {}, format="json"),
        )
        one_wins(answers, "The equality impact assessment is already signed off.")
        assessment = Introduction.objects.get(pk=introduction.pk).equality_assessment
        assert assessment.signed_off_by in (lead, other_lead)


def test_two_leads_meeting_one_condition_at_once_one_200_the_other_409(
    shared_database, applicant, lead, other_lead
):
    for _ in range(ROUNDS):
        introduction = IntroductionFactory(status="approved", applicant=applicant)
        condition = ConditionFactory(introduction=introduction)
        url = f"/api/v1/conditions/{condition.pk}/meet/"
        answers = race(
            shared_database,
            partial(client_of(lead).post, url, {"evidence": "Mentor's log"}, format="json"),
            partial(client_of(other_lead).post, url, {"evidence": "Audit"}, format="json"),
        )
        one_wins(answers, "This condition is already recorded as met.")
        condition.refresh_from_db()
        assert condition.status == "met"
        assert condition.met_by in (lead, other_lead)


def test_two_leads_completing_one_review_at_once_one_200_the_other_409(
    shared_database, applicant, lead, other_lead
):
    for _ in range(ROUNDS):
        introduction = IntroductionFactory(status="approved", applicant=applicant)
        signed_off_assessments(introduction, by=lead)
        review = ReviewFactory(introduction=introduction)
        url = f"/api/v1/reviews/{review.pk}/complete/"
        body = {"outcome": "continue", "notes": "No concerns"}
        answers = race(
            shared_database,
            partial(client_of(lead).post, url, body, format="json"),
            partial(client_of(other_lead).post, url, body, format="json"),
        )
        one_wins(answers, "This review is already completed.")
        review.refresh_from_db()
        assert review.status == "completed"
        # One next periodic review, not two.
        assert introduction.reviews.filter(status="scheduled").count() == 1


# --- SQLite: a writer that waits past the timeout -----------------------------------------


@pytest.fixture
def impatient(shared_database) -> Iterator[Callable[[], None]]:
    """Like `shared_database`, with a wait for the lock of a twentieth of a second."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own locking")

    def use() -> None:
        shared_database()
        wrapper = connections["default"]
        wrapper.settings_dict["OPTIONS"] = {**wrapper.settings_dict["OPTIONS"], "timeout": 0.05}

    yield use


@contextmanager
def another_writer() -> Iterator[None]:
    """Another process's write transaction, open on the shared file while the block runs."""
    other = sqlite3.connect(connections["default"].settings_dict["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@on_sqlite
def test_the_sqlite_database_queues_writers_rather_than_failing():
    options = connections["default"].settings_dict["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5


@on_sqlite
def test_an_api_decision_that_waits_too_long_for_the_lock_is_a_409_and_writes_nothing(
    impatient, applicant, lead
):
    introduction = IntroductionFactory(status="under_review", applicant=applicant)
    url = f"/api/v1/introductions/{introduction.pk}/transitions/"
    body = {"action": "request_changes", "reason": "Say more on consent"}
    with another_writer():
        [answer] = race(impatient, partial(client_of(lead).post, url, body, format="json"))
    assert answer.status_code == 409, answer.content
    assert answer.json() == {"detail": BUSY_MESSAGE, "unmet": []}
    introduction.refresh_from_db()
    assert introduction.status == "under_review"
    assert not introduction.transitions.exists()


@on_sqlite
def test_a_page_decision_that_waits_too_long_for_the_lock_says_so_and_writes_nothing(
    impatient, applicant, lead
):
    introduction = IntroductionFactory(status="under_review", applicant=applicant)
    client = Client(raise_request_exception=False)
    client.force_login(lead)  # the session is written now, before the other writer comes
    url = f"/introductions/{introduction.pk}/actions/request_changes/"
    with another_writer():
        [answer] = race(impatient, partial(client.post, url, {"reason": "Say more on consent"}))
    assert answer.status_code == 409, answer.content[:500]
    assert BUSY_MESSAGE.encode() in answer.content
    introduction.refresh_from_db()
    assert introduction.status == "under_review"
    assert not introduction.transitions.exists()
