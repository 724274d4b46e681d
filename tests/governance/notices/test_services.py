"""The outbox: a notice is written with the change that causes it, sent once after commit,
retried with backoff while the mail server is down, failed with its reason when it can never
be sent, and never stops the others."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from governance.notices import services
from governance.notices.models import Notice
from tests.governance.notices.support import REFUSED_DOMAIN, broker_down

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

LEADS = ["lead@example.nhs.uk", "other.lead@example.nhs.uk"]


@pytest.fixture
def queue(django_capture_on_commit_callbacks):
    """`queue(**fields)`: notice_queue in a transaction that then commits, so that what runs
    after commit (the send) runs."""

    def _queue(**fields) -> Notice | None:
        fields.setdefault("kind", "review_due")
        fields.setdefault("to", LEADS)
        fields.setdefault("subject", "Review due: lumbar stabilisation")
        fields.setdefault("body", "Please complete the review.")
        with django_capture_on_commit_callbacks(execute=True):
            return services.notice_queue(**fields)

    return _queue


# --- queued in the caller's transaction, sent after it commits ---------------------------


def test_a_notice_is_sent_to_its_recipients_once_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_queue(
            kind="review_due", to=LEADS, subject="Review due: X", body="Please review X."
        )
        assert mail.outbox == []  # not while the transaction is open

    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == ("sent", 1, "")
    assert notice.sent_at is not None
    [message] = mail.outbox
    assert (message.to, message.subject) == (LEADS, "Review due: X")
    assert message.body == "Please review X."


def test_a_notice_is_neither_kept_nor_sent_when_the_change_rolls_back(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.notice_queue(kind="review_due", to=LEADS, subject="S", body="B")
        raise RuntimeError("the change failed")

    assert Notice.objects.count() == 0
    assert mail.outbox == []


def test_nobody_to_tell_writes_no_notice(queue):
    assert queue(to=[]) is None
    assert queue(to=["", "  "]) is None

    assert Notice.objects.count() == 0


def test_each_address_is_written_once(queue):
    notice = queue(to=[" lead@example.nhs.uk", "lead@example.nhs.uk", "other@example.nhs.uk"])

    assert notice.to == ["lead@example.nhs.uk", "other@example.nhs.uk"]


def test_a_notice_with_a_key_is_written_and_sent_once_however_often_it_is_queued(queue):
    first = queue(key="review:42:due")
    again = queue(key="review:42:due", subject="Review due: said twice")

    assert again.pk == first.pk
    assert Notice.objects.count() == 1
    assert [m.subject for m in mail.outbox] == ["Review due: lumbar stabilisation"]


# --- subjects are one sanitised line -----------------------------------------------------


def test_a_subject_with_a_newline_is_sent_on_one_line(queue):
    notice = queue(subject="Review due: Lumbar\nstabilisation\r\n\tBcc: everyone@example.org")

    notice.refresh_from_db()
    assert notice.status == "sent"
    [message] = mail.outbox
    assert message.subject == "Review due: Lumbar stabilisation Bcc: everyone@example.org"
    assert message.to == LEADS
    assert message.bcc == []


def test_control_and_invisible_characters_are_taken_out_of_a_subject(queue):
    queue(subject="Review\x00 due:\u202e Lumbar\u200b stabilisation\u2028now")

    assert mail.outbox[0].subject == "Review due: Lumbar stabilisation now"


def test_a_long_subject_is_cut_to_200_characters_with_an_ellipsis(queue):
    queue(subject="Review due: " + "stabilisation " * 30)

    subject = mail.outbox[0].subject
    assert len(subject) == 200
    assert subject.endswith("…")


# --- sent once ---------------------------------------------------------------------------


def test_a_sent_notice_is_never_sent_again(queue):
    notice = queue()
    sent_at = Notice.objects.get(pk=notice.pk).sent_at
    later = timezone.now() + timedelta(days=1)

    assert services.notice_send(notice_id=notice.pk, now=later) is None
    assert services.notices_send_due(now=later) == 0

    notice.refresh_from_db()
    assert (notice.sent_at, notice.attempts) == (sent_at, 1)
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_the_same_moment_send_a_notice_once(make_pending, gate):
    # The task after commit and the sweeper may reach the same notice together; only the one
    # that claims it sends it. The first holds in the mail server while the second tries.
    notice = make_pending()
    now = timezone.now()

    def send_in_another_thread():
        try:
            return services.notice_send(notice_id=notice.pk, now=now)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(send_in_another_thread)
        assert gate.sending.wait(timeout=20)
        second = services.notice_send(notice_id=notice.pk, now=now)
        sweep = services.notices_send_due(now=now)
        gate.release.set()
        first = first.result(timeout=20)

    assert (second, sweep) == (None, 0)
    assert first.status == "sent"
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


# --- a notice that can never be sent is failed with its reason, and stops nothing --------


def test_a_notice_with_a_bad_header_is_failed_with_the_reason_and_the_next_is_sent(make_pending):
    bad = make_pending(to=["lead@example.nhs.uk\nBcc: everyone@example.org"])
    good = make_pending(subject="Review overdue: lumbar stabilisation")

    assert services.notices_send_due(now=timezone.now()) == 1

    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == "failed"
    assert bad.last_error.startswith("BadHeaderError: Header values can't contain newlines")
    assert bad.sent_at is None
    assert good.status == "sent"
    assert [m.subject for m in mail.outbox] == ["Review overdue: lumbar stabilisation"]


def test_a_refused_address_is_failed_and_never_tried_again(make_pending, settings):
    settings.EMAIL_BACKEND = "tests.governance.notices.support.RefusingBackend"
    refused = make_pending(to=[f"left@{REFUSED_DOMAIN}"])
    other = make_pending()
    now = timezone.now()

    assert services.notices_send_due(now=now) == 1
    assert services.notices_send_due(now=now + timedelta(days=2)) == 0

    refused.refresh_from_db()
    other.refresh_from_db()
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert refused.last_error.startswith("SMTPRecipientsRefused:")
    assert f"left@{REFUSED_DOMAIN}" in refused.last_error
    assert other.status == "sent"
    assert [m.to for m in mail.outbox] == [["lead@example.nhs.uk"]]


# --- a mail outage: retried with backoff, sent when the server returns --------------------


def test_while_the_mail_server_is_down_a_notice_is_retried_ever_later(make_pending, smtp_down):
    notice = make_pending()
    now = timezone.now()
    waits = []

    for _ in range(5):
        assert services.notices_send_due(now=now) == 0
        notice.refresh_from_db()
        waits.append(notice.next_attempt_at - now)
        # Not tried again before its time.
        assert services.notices_send_due(now=notice.next_attempt_at - timedelta(seconds=1)) == 0
        now = notice.next_attempt_at

    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert (notice.status, notice.attempts) == ("pending", 5)
    assert notice.last_error.startswith("ConnectionRefusedError:")


def test_a_notice_goes_out_once_when_the_mail_server_returns(
    make_pending, smtp_down, mail_server_back
):
    notice = make_pending()
    now = timezone.now()
    services.notices_send_due(now=now)
    notice.refresh_from_db()
    retry_at = notice.next_attempt_at

    mail_server_back()
    assert services.notices_send_due(now=retry_at) == 1
    assert services.notices_send_due(now=retry_at + timedelta(hours=1)) == 0

    notice.refresh_from_db()
    assert (notice.status, notice.sent_at, notice.attempts, notice.last_error) == (
        "sent",
        retry_at,
        2,
        "",
    )
    assert len(mail.outbox) == 1


def test_a_notice_is_failed_when_the_mail_server_stays_down_past_its_last_attempt(
    make_pending, smtp_down
):
    notice = make_pending()
    now = timezone.now()
    for _ in range(services.MAX_ATTEMPTS):
        services.notices_send_due(now=now)
        notice.refresh_from_db()
        now = notice.next_attempt_at

    assert services.notices_send_due(now=now + timedelta(days=30)) == 0
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("failed", services.MAX_ATTEMPTS)
    assert notice.last_error.startswith(
        f"Gave up after {services.MAX_ATTEMPTS} attempts. ConnectionRefusedError:"
    )


def test_the_wait_between_attempts_doubles_up_to_six_hours():
    assert [services.backoff(n) for n in (1, 2, 3, 9, 10, 11)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=256),
        timedelta(hours=6),
        timedelta(hours=6),
    ]


# --- a broker outage: the change commits, the sweeper sends ------------------------------


def test_with_the_broker_down_the_change_commits_and_the_sweeper_sends_the_notice_once(
    django_capture_on_commit_callbacks,
):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_queue(kind="review_due", to=LEADS, subject="S", body="B")

    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("pending", 0)
    assert mail.outbox == []

    now = timezone.now()
    assert services.notices_send_due(now=now) == 1
    assert services.notices_send_due(now=now) == 0
    notice.refresh_from_db()
    assert (notice.status, notice.sent_at) == ("sent", now)
    assert len(mail.outbox) == 1
