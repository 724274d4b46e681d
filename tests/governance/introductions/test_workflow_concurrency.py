"""Concurrent actions on one introduction: exactly one wins, the other gets the conflict.

PostgreSQL only: the row lock (SELECT ... FOR UPDATE) is what makes it so; SQLite serialises
writers by locking the whole database, which proves nothing about the code.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from governance.errors import DomainError, InvalidTransition
from governance.introductions import services
from governance.models import Introduction, Transition

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]


def _in_thread(target, results: dict, key: str) -> threading.Thread:
    def run():
        try:
            results[key] = target()
        except DomainError as exc:
            results[key] = exc
        finally:
            connection.close()  # each thread has its own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_second_action_waits_for_the_first_and_then_meets_the_new_state(
    make_introduction, lead, other_lead
):
    introduction = make_introduction("under_review", assessments_signed_off_by=lead)
    holding = threading.Event()
    results: dict[str, object] = {}

    def approve_and_hold():
        with transaction.atomic():
            services.introduction_transition(
                introduction=introduction, action="approve", actor=lead
            )
            holding.set()
            time.sleep(0.5)  # the row stays locked until this transaction commits
        return "approved"

    def reject():
        holding.wait(5)
        return services.introduction_transition(
            introduction=introduction, action="reject", actor=other_lead
        )

    first = _in_thread(approve_and_hold, results, "approve")
    second = _in_thread(reject, results, "reject")
    first.join(10)
    second.join(10)

    assert results["approve"] == "approved"
    assert isinstance(results["reject"], InvalidTransition)
    introduction = Introduction.objects.get(pk=introduction.pk)
    assert introduction.status == "approved"
    assert list(Transition.objects.values_list("action", flat=True)) == ["approve"]


@pytest.mark.parametrize(
    ("state", "one", "other"),
    [("under_review", "approve", "reject"), ("approved", "withdraw", "adopt")],
)
def test_of_two_racing_decisions_exactly_one_wins(
    make_introduction, lead, other_lead, state, one, other
):
    introduction = make_introduction(
        state, first_review_after_cases=5, assessments_signed_off_by=lead
    )
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def act(action, actor):
        def run():
            start.wait(5)
            return services.introduction_transition(
                introduction=introduction, action=action, actor=actor, reason=f"Racing {action}"
            )

        return run

    threads = [
        _in_thread(act(one, lead), results, one),
        _in_thread(act(other, other_lead), results, other),
    ]
    for thread in threads:
        thread.join(10)

    winners = [key for key, value in results.items() if isinstance(value, Introduction)]
    losers = [key for key, value in results.items() if isinstance(value, DomainError)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert Transition.objects.filter(introduction=introduction).count() == 1
    assert Introduction.objects.get(pk=introduction.pk).status == results[winners[0]].status


def test_an_action_kept_waiting_too_long_for_the_lock_gets_a_conflict(
    monkeypatch, make_introduction, applicant, lead
):
    from governance import audited
    from governance.errors import Concurrency

    monkeypatch.setattr(audited, "LOCK_TIMEOUT", "200ms")
    introduction = make_introduction("submitted")
    holding = threading.Event()
    results: dict[str, object] = {}

    def start_review_and_hold():
        with transaction.atomic():
            services.introduction_transition(
                introduction=introduction, action="start_review", actor=lead
            )
            holding.set()
            time.sleep(1.5)
        return "started"

    def cancel():
        holding.wait(5)
        return services.introduction_transition(
            introduction=introduction, action="cancel", actor=applicant
        )

    first = _in_thread(start_review_and_hold, results, "start_review")
    second = _in_thread(cancel, results, "cancel")
    first.join(10)
    second.join(10)

    assert results["start_review"] == "started"
    assert isinstance(results["cancel"], Concurrency)
    assert Introduction.objects.get(pk=introduction.pk).status == "under_review"
