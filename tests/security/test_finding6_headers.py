"""Finding 6: every response carries a Content-Security-Policy with no inline script or style
and no origin but this server and the NHS.UK font host, and a Permissions-Policy; no page
needs more (no inline script, style or event handler in what it sends); a production start
fails on a missing host list or a guessable key, naming the variable; `check --deploy` is
clean with a production environment.

The start-up tests run Python in a subprocess: the settings relax their checks under pytest
(config/settings.py, TESTING), and production is a process that pytest is not in.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from governance.models import Introduction
from tests.governance.test_walk import walk

pytestmark = pytest.mark.django_db

FONT_HOST = "https://assets.nhs.uk"
# Each directive a page's policy may have, with every source it may name.
ALLOWED_SOURCES = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'", FONT_HOST},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
NO_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics")

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_STYLE = re.compile(r"<style\b|\sstyle=")
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+=", re.IGNORECASE)
NEEDS_EVAL = re.compile(r"\shx-on[:-]|\shx-vars=|\shx-[a-z-]+=\"js:|javascript:")


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def policy_problems(response) -> list[str]:
    """What is wrong with a page's Content-Security-Policy: nothing for the policy we mean."""
    if "Content-Security-Policy" not in response:
        return ["no Content-Security-Policy"]
    directives = policy(response)
    problems = [f"{name} is missing" for name in ALLOWED_SOURCES if name not in directives]
    for name, sources in directives.items():
        extra = set(sources) - ALLOWED_SOURCES.get(name, set())
        if extra:
            problems.append(f"{name} allows {sorted(extra)}")
    return problems


def permissions_problems(response) -> list[str]:
    header = response.get("Permissions-Policy", "")
    return [f"{feature} is not refused" for feature in NO_FEATURES if f"{feature}=()" not in header]


def inline_problems(html: str) -> list[str]:
    """What a page sends that its policy would refuse, or that would need eval."""
    found = []
    for name, pattern in (
        ("inline script", INLINE_SCRIPT),
        ("inline style", INLINE_STYLE),
        ("inline event handler", INLINE_HANDLER),
        ("htmx or a link that needs eval", NEEDS_EVAL),
    ):
        found += [f"{name}: {match.group(0)[:80]}" for match in pattern.finditer(html)]
    return found


class Recording:
    """The test client, keeping every response the walk fetched."""

    def __init__(self, client) -> None:
        self.client = client
        self.responses: dict[str, object] = {}

    def get(self, url: str):
        response = self.client.get(url)
        self.responses[url] = response
        return response


@pytest.mark.parametrize("username", ["clinician", "lead", "admin"])
def test_every_response_a_role_reaches_carries_both_policies_and_no_inline_code(client, username):
    call_command("seed_demo", password="walk-the-pages", stdout=None)
    client.force_login(get_user_model().objects.get(username=username))
    recording = Recording(client)

    *_, pages = walk(recording)

    assert len(pages) > 30  # the walk reached the product, not just the home page
    problems = {}
    for url, response in recording.responses.items():
        found = policy_problems(response) + permissions_problems(response)
        if url in pages:
            found += inline_problems(response.content.decode())
        if found:
            problems[url] = found
    assert problems == {}


def test_the_pages_around_signing_in_and_the_error_pages_carry_both_policies(client, lead):
    responses = [client.get(reverse("login")), client.get("/no-such-page/")]
    client.force_login(lead)
    responses.append(client.get("/no-such-page/"))

    for response in responses:
        assert policy_problems(response) == []
        assert permissions_problems(response) == []
        assert inline_problems(response.content.decode()) == []


def test_the_server_error_page_needs_no_inline_style():
    from django.template.loader import render_to_string

    assert inline_problems(render_to_string("500.html")) == []


def test_the_api_and_its_docs_carry_both_policies_and_the_docs_no_inline_code(client, lead):
    client.force_login(lead)

    docs = client.get(reverse("api-docs"))
    script = client.get(reverse("api-docs"), {"script": ""})
    data = client.get("/api/v1/introductions/", HTTP_ACCEPT="application/json")

    assert docs.status_code == script.status_code == data.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    for response in (docs, script, data):
        assert policy_problems(response) == []
        assert permissions_problems(response) == []
    assert inline_problems(docs.content.decode()) == []


def test_a_chart_opened_on_its_own_may_draw_its_styles_and_nothing_else(client):
    call_command("seed_demo", password="walk-the-pages", stdout=None)
    client.force_login(get_user_model().objects.get(username="lead"))
    live = Introduction.objects.filter(cases__isnull=False).first()

    response = client.get(reverse("governance:monitoring_chart_svg", args=[live.pk, "cusum"]))

    assert response["Content-Type"] == "image/svg+xml"
    assert policy(response) == {
        "default-src": ["'none'"],
        "style-src": ["'unsafe-inline'"],
        "frame-ancestors": ["'none'"],
    }


# --- start-up ----------------------------------------------------------------------------

STRONG_KEY = secrets.token_urlsafe(50)
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "governance.example.nhs.uk",
}


def run(args: list[str], **variables: str | None) -> subprocess.CompletedProcess:
    """Python in a fresh process (not under pytest) with the production environment, changed
    by `variables` (None: unset)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")}
    env |= PRODUCTION
    for name, value in variables.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


START = ["-c", "import config.wsgi"]  # what gunicorn does first


def test_production_starts_with_a_strong_key_and_a_host_list():
    started = run(START)

    assert started.returncode == 0, started.stderr


@pytest.mark.parametrize("hosts", [None, "", " , "], ids=["unset", "empty", "only-separators"])
def test_production_refuses_to_start_without_the_host_list(hosts):
    started = run(START, DJANGO_ALLOWED_HOSTS=hosts)

    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert "DJANGO_ALLOWED_HOSTS" in started.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "key",
    [
        None,
        "x" * 60,  # long, but one character: the finding's key
        "abcd" * 15,  # four different characters
        STRONG_KEY[:49],
        "django-insecure-" + STRONG_KEY,  # Django's startproject key
    ],
    ids=["unset", "one-character", "four-characters", "49-characters", "django-insecure"],
)
def test_production_refuses_to_start_with_a_weak_key(key):
    started = run(START, DJANGO_SECRET_KEY=key)

    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert "DJANGO_SECRET_KEY" in started.stderr.strip().splitlines()[-1]
    if key:
        assert key not in started.stderr  # the message names the variable, never the value


def test_the_deploy_check_finds_nothing_in_production():
    checked = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout
    assert "WARNING" not in checked.stdout + checked.stderr


def test_the_deploy_check_finds_nothing_behind_a_tls_terminating_proxy():
    checked = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_BEHIND_PROXY="true",
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
