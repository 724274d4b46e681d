"""The service status page: the service's health in words for people, signed in like every
page; when the database does not answer it says so to whoever asks, and nothing more."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from config.tasks import HEARTBEAT_KEY
from governance.notices.models import Notice

pytestmark = pytest.mark.django_db

URL = reverse("service_status")


def read(response) -> str:
    """The page's main content as a person reads it."""
    main = response.content.decode().split('id="maincontent"')[-1].split("</main>")[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


@pytest.fixture
def worker(settings, clear_cache):
    """A set-up with a separate Celery worker (REDIS_URL set), whatever this run's is."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


def beat(minutes_ago: int) -> None:
    cache.set(HEARTBEAT_KEY, (timezone.now() - timedelta(minutes=minutes_ago)).isoformat())


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_signed_in_user_reads_that_the_database_answers(client, applicant, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(applicant)

    page = read(client.get(URL))

    assert "The database answers." in page
    assert "Background tasks run inside the web server, as each change asks for them" in page
    assert "E-mails waiting None: every e-mail has been sent." in page
    assert "E-mails that failed None." in page
    assert "null" not in page and "{" not in page


def test_no_worker_yet_says_what_waits(client, applicant, worker):
    client.force_login(applicant)

    page = read(client.get(URL))

    assert "No background worker has reported yet: e-mails and uploads wait until one runs." in (
        page
    )


def test_a_recent_heartbeat_says_how_long_ago(client, applicant, worker):
    beat(minutes_ago=2)
    client.force_login(applicant)

    page = read(client.get(URL))

    assert "The background worker last reported 2 minutes ago." in page
    assert "May have stopped" not in page


def test_an_old_heartbeat_says_the_worker_may_have_stopped(client, applicant, worker):
    beat(minutes_ago=20)
    client.force_login(applicant)

    page = read(client.get(URL))

    assert "May have stopped" in page
    assert "The background worker last reported 20 minutes ago" in page
    assert "E-mails and uploads wait until it runs again." in page


def test_the_outbox_counts_what_waits_and_what_failed(client, applicant):
    three_hours_ago = timezone.now() - timedelta(hours=3)
    for status, created_at in [
        (Notice.Status.PENDING, three_hours_ago),
        (Notice.Status.PENDING, timezone.now()),
        (Notice.Status.FAILED, three_hours_ago),
        (Notice.Status.SENT, three_hours_ago),
    ]:
        Notice.objects.create(
            kind="test", subject="Review due", status=status, created_at=created_at
        )
    client.force_login(applicant)

    page = read(client.get(URL))

    assert "2 waiting to be sent, the oldest since" in page
    assert "(3 hours)" in page
    assert "1 could not be sent" in page


def test_when_the_database_does_not_answer_the_page_says_so_and_nothing_else(
    client, applicant, monkeypatch, django_assert_num_queries
):
    client.force_login(applicant)
    monkeypatch.setattr("config.status.database_answers", lambda: False)

    with django_assert_num_queries(0):  # not even the session: it lives in the database
        response = client.get(URL)

    page = read(response)
    assert response.status_code == 503
    assert "The database does not answer. Until it does, nobody can sign in" in page
    assert "E-mails" not in page and "Background" not in page
    database = settings.DATABASES["default"]
    for secret in (database.get("NAME"), database.get("HOST"), database.get("USER")):
        if secret:
            assert str(secret) not in response.content.decode()


def test_the_footer_links_people_to_the_status_page_not_the_json(client, applicant):
    client.force_login(applicant)

    footer = client.get(reverse("home")).content.decode().split('class="nhsuk-footer"')[1]

    assert f'href="{URL}">Service status</a>' in footer
    assert 'href="/healthz"' not in footer


def test_healthz_keeps_its_json_for_load_balancers(client, clear_cache):
    body = client.get("/healthz").json()

    assert body == {"status": "ok", "database": "ok", "worker_heartbeat": None}


def test_healthz_answers_503_without_naming_the_database_when_it_does_not_answer(
    client, monkeypatch
):
    monkeypatch.setattr("config.status.database_answers", lambda: False)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
