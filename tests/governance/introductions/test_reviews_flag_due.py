"""reviews_flag_due, the daily job: flags reviews due and overdue, e-mails the leads once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from governance import roles
from governance.introductions import services, workflow
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _at(day) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 7, 0))


@pytest.fixture
def periodic(approved):
    return approved.reviews.get(kind="periodic")


def test_nothing_is_flagged_before_the_due_date(periodic, lead):
    assert services.reviews_flag_due(now=_at(periodic.due_on - timedelta(days=1))) == 0

    periodic.refresh_from_db()
    assert periodic.flagged_due_at is None
    assert mail.outbox == []


def test_a_review_falling_due_is_flagged_and_the_leads_emailed_once(
    periodic, applicant, lead, other_lead, other_org_lead
):
    now = _at(periodic.due_on)

    assert services.reviews_flag_due(now=now) == 1
    assert services.reviews_flag_due(now=now + timedelta(hours=1)) == 0
    assert services.reviews_flag_due(now=now + timedelta(days=3)) == 0

    periodic.refresh_from_db()
    assert (periodic.flagged_due_at, periodic.leads_notified_at) == (now, now)
    assert periodic.flagged_overdue_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == [lead.email, other_lead.email]  # not the applicant, not others
    assert message.subject == f"Review due: {periodic.introduction.title}"
    assert periodic.introduction.title in message.body
    record = periodic.history.first()
    assert (record.history_user, record.history_change_reason) == (
        None,
        "Daily review check: review due",
    )


def test_an_overdue_review_is_flagged_overdue_without_a_second_email(periodic):
    services.reviews_flag_due(now=_at(periodic.due_on))

    later = _at(periodic.due_on + services.REVIEW_GRACE + timedelta(days=1))
    assert services.reviews_flag_due(now=later) == 1
    assert services.reviews_flag_due(now=later) == 0

    periodic.refresh_from_db()
    assert periodic.flagged_overdue_at == later
    assert periodic.is_overdue
    assert len(mail.outbox) == 1


def test_a_review_found_already_overdue_gets_one_overdue_email(periodic):
    later = _at(periodic.due_on + services.REVIEW_GRACE + timedelta(days=1))

    assert services.reviews_flag_due(now=later) == 1

    periodic.refresh_from_db()
    assert periodic.flagged_due_at == periodic.flagged_overdue_at == later
    assert [m.subject for m in mail.outbox] == [f"Review overdue: {periodic.introduction.title}"]


def test_completed_and_cancelled_reviews_are_never_flagged(periodic, lead):
    services.review_complete(review=periodic, actor=lead, outcome="continue")
    services.introduction_transition(
        introduction=periodic.introduction, action="withdraw", actor=lead, reason="Stopped"
    )

    assert services.reviews_flag_due(now=_at(periodic.due_on + timedelta(days=400))) == 0
    assert mail.outbox == []


def test_the_first_cases_review_falls_due_when_the_cases_are_logged(monkeypatch, approved):
    first = approved.reviews.get(kind="first_cases")
    today = timezone.localdate()
    monkeypatch.setattr(workflow, "cases_logged", lambda introduction: 4)
    assert services.reviews_flag_due(now=_at(today)) == 0

    monkeypatch.setattr(workflow, "cases_logged", lambda introduction: 5)
    assert services.reviews_flag_due(now=_at(today)) == 1

    first.refresh_from_db()
    assert first.due_on == today
    assert first.is_due
    assert len(mail.outbox) == 1


def test_a_review_with_no_lead_to_tell_is_flagged_and_told_when_one_joins(
    make_introduction, lead_applicant, signed_off
):
    # The only lead is the applicant, who is never told to review their own application.
    introduction = make_introduction("under_review", applicant=lead_applicant)
    reviewer = UserFactory(username="visiting_lead", roles=[roles.LEAD])
    reviewer.organisations.add(introduction.organisation)
    services.introduction_transition(introduction=introduction, action="approve", actor=reviewer)
    reviewer.organisations.remove(introduction.organisation)
    periodic = introduction.reviews.get(kind="periodic")

    assert services.reviews_flag_due(now=_at(periodic.due_on)) == 1
    periodic.refresh_from_db()
    assert periodic.leads_notified_at is None
    assert mail.outbox == []


def test_the_celery_task_runs_the_check(periodic, monkeypatch):
    from governance import tasks

    monkeypatch.setattr(timezone, "now", lambda: _at(periodic.due_on))

    assert tasks.flag_reviews_due.apply().get() == 1
    assert len(mail.outbox) == 1


def test_the_daily_job_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["governance-flag-reviews-due"]
    assert entry["task"] == "governance.introductions.tasks.flag_reviews_due"
    assert entry["schedule"].remaining_estimate(timezone.now()) <= timedelta(days=1)
