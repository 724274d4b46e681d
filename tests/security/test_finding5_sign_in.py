"""Finding 5 (issue 14): sign-in had no lockout, tokens never ended, nothing was recorded.

Now: failed sign-ins lock a username out from an address (the sign-in page, the API token
endpoint and the Django admin's login alike), every sign-in, failure, lockout, sign-out and
token is in the audit history, sessions end after inactivity, tokens end after their
lifetime, on a password change, on signing out and when their owner revokes them, and new
passwords are checked by the validators.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from governance import roles
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGN_IN = "/sign-in/"
TOKEN = "/api/v1/auth/token/"
ADMIN_LOGIN = "/admin/login/"
LOCKED = "Too many failed sign-ins"
AN_API_PAGE = "/api/v1/guidance/"


def text(response) -> str:
    return " ".join(response.content.decode().split())


def sign_in(client, username: str, password: str, **extra):
    return client.post(SIGN_IN, {"username": username, "password": password}, **extra)


def signed_in_as(client) -> str | None:
    user = client.get("/").wsgi_request.user
    return user.username if user.is_authenticated else None


def token_for(username: str, password: str = PASSWORD):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json")


def api_get(token: str, path: str = AN_API_PAGE):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get(path)


def sign_in_events(viewer_client, **filters) -> list[dict]:
    response = viewer_client.get("/api/v1/history/", {"model": "signinevent", **filters})
    assert response.status_code == 200, response.content
    return response.json()


# --- lockout --------------------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_sign_in_page_and_then_the_right_one_is_refused(
    client, lead
):
    responses = [sign_in(client, "lead", f"guess-{n}") for n in range(30)]

    limit = settings.SIGN_IN_FAILURE_LIMIT
    assert [r.status_code for r in responses[: limit - 1]] == [200] * (limit - 1)
    assert all(r.status_code == 429 for r in responses[limit - 1 :])
    page = text(responses[-1])
    assert LOCKED in page
    assert "Try again after" in page and "(UK time)" in page

    refused = sign_in(client, "lead", PASSWORD)

    assert refused.status_code == 429
    assert LOCKED in text(refused)
    assert signed_in_as(client) is None


def test_the_lockout_page_says_when_to_try_again(client, lead):
    for n in range(settings.SIGN_IN_FAILURE_LIMIT):
        response = sign_in(client, "lead", f"guess-{n}")

    from axes.models import AccessAttempt  # here: the file must load without django-axes

    last_failure = AccessAttempt.objects.get(username="lead").attempt_time
    ends = last_failure + timedelta(minutes=settings.SIGN_IN_LOCKOUT_MINUTES)
    assert timezone.localtime(ends).strftime("%H:%M") in text(response)
    assert 0 < int(response["Retry-After"]) <= settings.SIGN_IN_LOCKOUT_MINUTES * 60 + 1


def test_the_lockout_reads_the_same_whether_or_not_the_account_exists(client, lead):
    for n in range(settings.SIGN_IN_FAILURE_LIMIT):
        real = sign_in(client, "lead", f"guess-{n}")
        made_up = sign_in(client, "nobody-by-this-name", f"guess-{n}")

    assert real.status_code == made_up.status_code == 429

    def without_time(response) -> str:
        main = text(response).split("<main", 1)[1].split("</main>", 1)[0]
        return main.split("Try again after", 1)[0] + main.split("(UK time)", 1)[1]

    assert without_time(real) == without_time(made_up)
    assert "lead" not in without_time(real).split()


def test_a_locked_out_username_can_still_sign_in_from_another_address(client, lead):
    for n in range(settings.SIGN_IN_FAILURE_LIMIT):
        sign_in(client, "lead", f"guess-{n}")

    sign_in(client, "lead", PASSWORD, REMOTE_ADDR="10.1.2.3")

    assert signed_in_as(client) == "lead"


def test_the_lockout_ends_after_the_cool_off(client, lead):
    for n in range(settings.SIGN_IN_FAILURE_LIMIT):
        sign_in(client, "lead", f"guess-{n}")
    from axes.models import AccessAttempt

    cool_off = timedelta(minutes=settings.SIGN_IN_LOCKOUT_MINUTES)
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - timedelta(seconds=1))

    sign_in(client, "lead", PASSWORD)

    assert signed_in_as(client) == "lead"


def test_thirty_wrong_passwords_lock_the_token_endpoint_with_a_json_429(lead):
    responses = [token_for("lead", f"guess-{n}") for n in range(30)]

    limit = settings.SIGN_IN_FAILURE_LIMIT
    assert [r.status_code for r in responses[: limit - 1]] == [400] * (limit - 1)
    assert all(r.status_code == 429 for r in responses[limit - 1 :])
    body = responses[-1].json()
    assert body["detail"].startswith(LOCKED)
    assert "try again after" in body["detail"]
    assert body["retry_after"]
    assert int(responses[-1]["Retry-After"]) > 0

    refused = token_for("lead", PASSWORD)

    assert refused.status_code == 429
    assert "token" not in refused.json()
    assert not Token.objects.filter(user=lead).exists()


def test_thirty_wrong_passwords_lock_the_django_admin_login(client):
    UserFactory(username="root", is_staff=True, is_superuser=True)

    responses = [
        client.post(ADMIN_LOGIN, {"username": "root", "password": f"guess-{n}"}) for n in range(30)
    ]

    assert all(r.status_code == 429 for r in responses[settings.SIGN_IN_FAILURE_LIMIT - 1 :])
    assert LOCKED in text(responses[-1])

    refused = client.post(ADMIN_LOGIN, {"username": "root", "password": PASSWORD})

    assert refused.status_code == 429
    assert client.get("/admin/").status_code == 302  # still sent to the login


def test_the_page_and_the_token_endpoint_share_one_count(client, lead):
    for n in range(settings.SIGN_IN_FAILURE_LIMIT - 1):
        sign_in(client, "lead", f"guess-{n}")

    assert token_for("lead", "one-more-guess").status_code == 429
    assert sign_in(client, "lead", PASSWORD).status_code == 429


def test_a_successful_sign_in_forgets_the_earlier_typos(client, lead):
    for n in range(settings.SIGN_IN_FAILURE_LIMIT - 1):
        sign_in(client, "lead", f"guess-{n}")
    sign_in(client, "lead", PASSWORD)
    client.post("/sign-out/")

    for n in range(settings.SIGN_IN_FAILURE_LIMIT - 1):
        assert sign_in(client, "lead", f"again-{n}").status_code == 200


def test_a_token_issued_forgets_the_earlier_typos_too(lead):
    for n in range(settings.SIGN_IN_FAILURE_LIMIT - 1):
        token_for("lead", f"guess-{n}")
    assert token_for("lead").status_code == 200

    for n in range(settings.SIGN_IN_FAILURE_LIMIT - 1):
        assert token_for("lead", f"again-{n}").status_code == 400


# --- the audit history ----------------------------------------------------------------------


def test_sign_ins_failures_and_the_lockout_are_in_the_audit_history(client, lead, admin_user):
    sign_in(client, "lead", PASSWORD)
    client.post("/sign-out/")
    for n in range(settings.SIGN_IN_FAILURE_LIMIT + 2):
        sign_in(client, "lead", f"guess-{n}")
    client.force_login(admin_user)

    events = sign_in_events(client, user="lead")

    actions = [e["action"] for e in reversed(events)]  # oldest first
    limit = settings.SIGN_IN_FAILURE_LIMIT
    assert actions == [
        "Signed in",
        "Signed out",
        *["Sign-in failed"] * (limit - 1),
        *["Locked out"] * 3,
    ]
    assert f"Locked out after {limit} failed sign-ins" in events[2]["reason"]
    assert "Refused while locked out" in events[0]["reason"]
    assert all("from 127.0.0.1" in e["reason"] for e in events)
    assert {e["user"] for e in events} == {"lead"}

    page = text(client.get("/audit/", {"model": "signinevent"}))
    for words in ("Signed in", "Signed out", "Sign-in failed", "Locked out", "127.0.0.1"):
        assert words in page
    export = client.get("/audit/export.csv", {"model": "signinevent", "user": "lead"})
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert sum(",signinevent," in line for line in lines) == len(events)
    # Everyone signs in every day: unasked, the history shows the changes only.
    everything = client.get("/api/v1/history/").json()
    assert "signinevent" not in {e["model"] for e in everything}


def test_tokens_issued_and_revoked_are_in_the_audit_history(lead, admin_user, api_as):
    token = token_for("lead").json()["token"]
    APIClient().delete(TOKEN, HTTP_AUTHORIZATION=f"Token {token}")

    events = sign_in_events(api_as(admin_user), user="lead")

    assert [(e["action"], e["reason"]) for e in reversed(events)] == [
        ("API token issued", "New token; API; from 127.0.0.1"),
        ("API token revoked", "Revoked by its owner; API; from 127.0.0.1"),
    ]


def test_the_record_type_filter_offers_sign_in_events(client, admin_user):
    client.force_login(admin_user)

    page = client.get("/audit/").content.decode()

    assert '<option value="signinevent">Sign-in event</option>' in page


def test_a_lead_sees_the_sign_ins_of_their_organisation_only(lead, other_org_lead, api_as):
    sign_in(Client(), "other_org_lead", PASSWORD)
    sign_in(Client(), "nobody-by-this-name", "guess")
    sign_in(Client(), "lead", "guess")

    events = sign_in_events(api_as(lead))

    assert [(e["action"], e["user"]) for e in events] == [("Sign-in failed", "lead")]


def test_administrators_also_see_failures_for_usernames_that_are_nobodys(
    client, admin_user, api_as
):
    sign_in(client, "nobody-by-this-name", "guess")

    (event,) = sign_in_events(api_as(admin_user))

    assert event["action"] == "Sign-in failed"
    assert event["user"] is None
    assert event["user_display"] == "nobody-by-this-name (no such user)"


# --- sessions -------------------------------------------------------------------------------


def _session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_each_request_keeps_the_session_alive(client, applicant):
    sign_in(client, "applicant", PASSWORD)
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))  # 29 idle minutes

    assert signed_in_as(client) == "applicant"

    idle = timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    assert _session(client).expire_date > timezone.now() + idle - timedelta(minutes=1)


def test_a_session_in_use_is_not_written_on_every_request(client, applicant):
    sign_in(client, "applicant", PASSWORD)
    saved = _session(client).expire_date

    with CaptureQueriesContext(connection) as queries:
        assert signed_in_as(client) == "applicant"

    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert _session(client).expire_date == saved


def test_a_session_ends_after_inactivity(client, applicant):
    sign_in(client, "applicant", PASSWORD)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)


# --- API tokens -----------------------------------------------------------------------------


def test_a_token_expires_and_a_new_sign_in_issues_a_fresh_one(lead):
    token = token_for("lead").json()["token"]
    assert api_get(token).status_code == 200
    Token.objects.update(created=timezone.now() - settings.API_TOKEN_LIFETIME)

    expired = api_get(token)

    assert expired.status_code == 401
    assert expired.json()["detail"] == "Token expired: sign in again."
    assert not Token.objects.filter(key=token).exists()

    fresh = token_for("lead").json()["token"]

    assert fresh != token
    assert api_get(fresh).status_code == 200


def test_asking_again_before_expiry_gives_the_same_token(lead):
    assert token_for("lead").json()["token"] == token_for("lead").json()["token"]


def test_a_post_with_an_expired_token_header_still_issues_a_fresh_one(lead):
    old = token_for("lead").json()["token"]
    Token.objects.update(created=timezone.now() - settings.API_TOKEN_LIFETIME)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old}")

    response = client.post(TOKEN, {"username": "lead", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json()["token"] != old


def test_delete_revokes_the_callers_own_token(lead, other_lead):
    token = token_for("lead").json()["token"]
    others = token_for("other_lead").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.delete(TOKEN)

    assert response.status_code == 204
    assert api_get(token).status_code == 401
    assert api_get(others).status_code == 200


def test_delete_needs_a_signed_in_caller():
    assert APIClient().delete(TOKEN).status_code == 401


def test_a_password_change_revokes_the_token(client, applicant):
    token = token_for("applicant").json()["token"]
    sign_in(client, "applicant", PASSWORD)

    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-longer-pass-phrase-7",
            "new_password2": "a-longer-pass-phrase-7",
        },
    )

    assert response.status_code == 302
    assert api_get(token).status_code == 401
    assert signed_in_as(client) == "applicant"  # the page's own session goes on


def test_signing_out_revokes_the_token(client, applicant):
    token = token_for("applicant").json()["token"]
    sign_in(client, "applicant", PASSWORD)

    client.post("/sign-out/")

    assert api_get(token).status_code == 401


def test_a_users_other_saves_leave_the_token_alone(applicant):
    token = token_for("applicant").json()["token"]
    applicant.first_name = "Renamed"
    applicant.save()

    assert api_get(token).status_code == 200


# --- password validators --------------------------------------------------------------------


def test_the_new_account_page_refuses_a_short_password_with_the_validators_message(
    client, admin_user, organisation
):
    password = "short-pw-9"  # ten characters: enough before, too few now
    client.force_login(admin_user)

    response = client.post(
        "/administration/users/new/",
        {
            "first_name": "Ada",
            "last_name": "Okafor",
            "username": "aokafor",
            "email": "ada.okafor@example.nhs.uk",
            "organisation": organisation.pk,
            "role": roles.CLINICIAN,
            "password": password,
            "password_again": password,
            "reason": "New consultant in spinal surgery",
        },
    )

    assert response.status_code == 200
    assert "This password is too short. It must contain at least 12 characters." in text(response)
    assert not get_user_model().objects.filter(username="aokafor").exists()


def test_the_change_password_page_refuses_a_short_password(client, applicant):
    client.force_login(applicant)

    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "short-pw-9", "new_password2": "short-pw-9"},
    )

    assert response.status_code == 200
    assert "This password is too short. It must contain at least 12 characters." in text(response)
    applicant.refresh_from_db()
    assert applicant.check_password(PASSWORD)


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variable",
    ["SIGN_IN_FAILURE_LIMIT", "SIGN_IN_LOCKOUT_MINUTES", "SESSION_IDLE_MINUTES", "API_TOKEN_HOURS"],
)
def test_a_bad_sign_in_setting_stops_the_start_naming_the_variable(variable):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update({"DJANGO_DEBUG": "true", variable: "0"})

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert f"{variable}='0' must be at least 1" in result.stderr
