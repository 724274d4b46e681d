"""Settings fail at start, naming the variable, when the environment is wrong (SPEC.md §1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-not-a-real-secret-but-long-enough-for-the-check-" + "x" * 20


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = manage("check", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_it_names_database_url_when_it_is_malformed():
    result = manage("check", DJANGO_DEBUG="true", DATABASE_URL="mysql//nowhere")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_it_names_django_debug_when_it_is_not_a_boolean():
    result = manage("check", DJANGO_DEBUG="perhaps")
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr
    assert "perhaps" in result.stderr


def test_it_names_redis_url_when_it_is_not_a_redis_url():
    result = manage("check", DJANGO_DEBUG="true", REDIS_URL="http://cache:6379")
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


@pytest.mark.parametrize("port", ["twenty-five", "0"])
def test_it_names_email_port_when_it_is_not_a_port(port):
    result = manage("check", DJANGO_DEBUG="true", EMAIL_PORT=port)
    assert result.returncode != 0
    assert "EMAIL_PORT" in result.stderr


def test_the_deployment_check_has_no_warnings_in_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=GOOD_KEY,
        DJANGO_ALLOWED_HOSTS="governance.example.nhs.uk",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("value", "words"),
    [("two", "is not a whole number"), ("-1", "at least 0"), ("400", "at most 90")],
)
@pytest.mark.parametrize("name", ["YELLOW_CARD_DAYS_SERIOUS", "YELLOW_CARD_DAYS_OTHER"])
def test_a_bad_yellow_card_policy_stops_the_start_naming_the_variable(name, value, words):
    result = manage("check", DJANGO_DEBUG="true", **{name: value})

    assert result.returncode != 0
    assert f"{name}={value!r}" in result.stderr
    assert words in result.stderr
