"""reviews_flag_due, the daily job: flags reviews due and overdue, e-mails the leads once
(through the outbox, governance/notices/: the notice is written with the flags and sent after
they commit)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from config.celery import app
from governance import roles
from governance.introductions import services, workflow
from governance.notices import services as notices
from governance.notices.models import Notice
from tests.factories import UserFactory
from tests.governance.notices.support import broker_down

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def celery_eager():
    # Notices are sent in process, as in the embedded default, even when REDIS_URL names a
    # broker: these tests are about who is told what, not about the broker.
    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def check(django_capture_on_commit_callbacks):
    """`check(now)`: the daily job, with what runs after its transactions commit (the e-mails)
    run too, as they would outside a test's transaction."""

    def run(now: datetime) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return services.reviews_flag_due(now=now)

    return run


def _at(day) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 7, 0))


@pytest.fixture
def periodic(approved):
    return approved.reviews.get(kind="periodic")


def test_nothing_is_flagged_before_the_due_date(periodic, lead, check):
    assert check(_at(periodic.due_on - timedelta(days=1))) == 0

    periodic.refresh_from_db()
    assert periodic.flagged_due_at is None
    assert mail.outbox == []


def test_a_review_falling_due_is_flagged_and_the_leads_emailed_once(
    periodic, applicant, lead, other_lead, other_org_lead, check
):
    now = _at(periodic.due_on)

    assert check(now) == 1
    assert check(now + timedelta(hours=1)) == 0
    assert check(now + timedelta(days=3)) == 0

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


def test_an_overdue_review_is_flagged_overdue_without_a_second_email(periodic, check):
    check(_at(periodic.due_on))

    later = _at(periodic.due_on + services.REVIEW_GRACE + timedelta(days=1))
    assert check(later) == 1
    assert check(later) == 0

    periodic.refresh_from_db()
    assert periodic.flagged_overdue_at == later
    assert periodic.is_overdue
    assert len(mail.outbox) == 1


def test_a_review_found_already_overdue_gets_one_overdue_email(periodic, check):
    later = _at(periodic.due_on + services.REVIEW_GRACE + timedelta(days=1))

    assert check(later) == 1

    periodic.refresh_from_db()
    assert periodic.flagged_due_at == periodic.flagged_overdue_at == later
    assert [m.subject for m in mail.outbox] == [f"Review overdue: {periodic.introduction.title}"]


def test_completed_and_cancelled_reviews_are_never_flagged(periodic, lead, check):
    services.review_complete(review=periodic, actor=lead, outcome="continue")
    services.introduction_transition(
        introduction=periodic.introduction, action="withdraw", actor=lead, reason="Stopped"
    )

    assert check(_at(periodic.due_on + timedelta(days=400))) == 0
    assert mail.outbox == []


def test_the_first_cases_review_falls_due_when_the_cases_are_logged(monkeypatch, approved, check):
    first = approved.reviews.get(kind="first_cases")
    today = timezone.localdate()
    monkeypatch.setattr(workflow, "cases_logged", lambda introduction: 4)
    assert check(_at(today)) == 0

    monkeypatch.setattr(workflow, "cases_logged", lambda introduction: 5)
    assert check(_at(today)) == 1

    first.refresh_from_db()
    assert first.due_on == today
    assert first.is_due
    assert len(mail.outbox) == 1


def test_a_review_with_no_lead_to_tell_is_flagged_and_told_when_one_joins(
    make_introduction, lead_applicant, check
):
    # The only lead is the applicant, who is never told to review their own application.
    reviewer = UserFactory(username="visiting_lead", roles=[roles.LEAD])
    introduction = make_introduction(
        "under_review", applicant=lead_applicant, assessments_signed_off_by=reviewer
    )
    reviewer.organisations.add(introduction.organisation)
    services.introduction_transition(introduction=introduction, action="approve", actor=reviewer)
    reviewer.organisations.remove(introduction.organisation)
    periodic = introduction.reviews.get(kind="periodic")

    assert check(_at(periodic.due_on)) == 1
    periodic.refresh_from_db()
    assert periodic.leads_notified_at is None
    assert mail.outbox == []

    newcomer = UserFactory(username="new_lead", roles=[roles.LEAD])
    newcomer.organisations.add(introduction.organisation)
    later = _at(periodic.due_on + services.REVIEW_GRACE + timedelta(days=1))
    assert check(later) == 1

    periodic.refresh_from_db()
    assert periodic.leads_notified_at == later
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([newcomer.email], f"Review overdue: {introduction.title}")
    ]


def test_a_title_with_a_line_break_is_mailed_on_one_line_and_the_other_reviews_go_on(
    make_introduction, lead, other_lead, check
):
    # A line break in a subject is refused by Django; it used to stop the whole run.
    broken = make_introduction(
        "under_review", title="Lumbar\nstabilisation", assessments_signed_off_by=other_lead
    )
    plain = make_introduction(
        "under_review", title="Cervical disc replacement", assessments_signed_off_by=other_lead
    )
    for introduction in (broken, plain):
        services.introduction_transition(introduction=introduction, action="approve", actor=lead)
    due_on = broken.reviews.get(kind="periodic").due_on

    assert check(_at(due_on)) == 2

    assert sorted(m.subject for m in mail.outbox) == [
        "Review due: Cervical disc replacement",
        "Review due: Lumbar stabilisation",
    ]
    assert all(sorted(m.to) == [lead.email, other_lead.email] for m in mail.outbox)


def test_with_the_broker_down_reviews_are_flagged_and_the_leads_emailed_when_it_returns(
    periodic, lead, other_lead, check
):
    now = _at(periodic.due_on)

    with broker_down():
        assert check(now) == 1

    periodic.refresh_from_db()
    assert (periodic.flagged_due_at, periodic.leads_notified_at) == (now, now)
    assert Notice.objects.get(key=f"review:{periodic.pk}:due").status == "pending"
    assert mail.outbox == []

    assert notices.notices_send_due(now=timezone.now()) == 1
    assert notices.notices_send_due(now=timezone.now()) == 0
    [message] = mail.outbox
    assert sorted(message.to) == [lead.email, other_lead.email]


def test_the_celery_task_runs_the_check(periodic, monkeypatch, django_capture_on_commit_callbacks):
    from governance import tasks

    monkeypatch.setattr(timezone, "now", lambda: _at(periodic.due_on))

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.flag_reviews_due.apply().get() == 1
    assert len(mail.outbox) == 1


def test_the_daily_job_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["governance-flag-reviews-due"]
    assert entry["task"] == "governance.introductions.tasks.flag_reviews_due"
    assert entry["schedule"].remaining_estimate(timezone.now()) <= timedelta(days=1)
