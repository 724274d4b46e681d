"""Strict readers of environment variables.

Every reader fails at start with ImproperlyConfigured naming the variable, so a typo in a
deployment is caught before the first request rather than behaving as a silent default.
"""

from __future__ import annotations

import os
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"Set the {name} environment variable.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of true, false, 1, 0, yes, no, on, off."
    )


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at most {maximum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


_DB_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}

# SQLite, the embedded default, lets one writer in at a time. By default a transaction takes
# the write lock only at its first write, and a second writer that has already read cannot
# wait for it: it fails at once with "database is locked" (a 500 for one of two people
# deciding on one introduction). Taken when the transaction begins (IMMEDIATE), the lock is
# waited for (`timeout`, seconds), so writers queue and the later one sees the earlier one's
# result, as with PostgreSQL's row locks (governance/audited.py, `lock`). WAL lets readers
# go on while a writer works. A wait past the timeout is a 409 (config/contention.py).
SQLITE_OPTIONS: dict[str, Any] = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}


def env_database(name: str, default: str) -> dict[str, Any]:
    raw = env_str(name, default) or default
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in _DB_SCHEMES:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a supported database URL: use sqlite:///PATH or "
            "postgres://USER:PASSWORD@HOST:PORT/NAME."
        )
    try:
        config = environ.Env.db_url_config(raw)
    except Exception as exc:  # django-environ raises several types for a malformed URL
        raise ImproperlyConfigured(f"{name}={raw!r} could not be read: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={raw!r} names no database.")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    # Connections kept between requests (checked before reuse): opening one costs more than
    # most pages (SQLite opens the file and runs its PRAGMAs; PostgreSQL authenticates).
    config.setdefault("CONN_MAX_AGE", 60)
    config["CONN_HEALTH_CHECKS"] = True
    return config


def env_redis_url(name: str) -> str | None:
    raw = env_str(name)
    if raw is None:
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a Redis URL: use redis://HOST:PORT/DB.")
    return raw


# Django's own measure of a guessable key (`check --deploy`, security.W009), made fatal.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5
_MAKE_A_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def env_secret_key(name: str) -> str:
    """A required secret key that Django's deploy check would not call weak."""
    value = env_str(name, required=True)
    if value.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            f"{name} is Django's development key (it starts with 'django-insecure-'): "
            f"set a long random one, e.g. from `{_MAKE_A_KEY}`."
        )
    if len(value) < SECRET_KEY_MIN_LENGTH or len(set(value)) < SECRET_KEY_MIN_DISTINCT:
        raise ImproperlyConfigured(
            f"{name} is too weak: use at least {SECRET_KEY_MIN_LENGTH} characters, at least "
            f"{SECRET_KEY_MIN_DISTINCT} of them different, e.g. from `{_MAKE_A_KEY}`."
        )
    return value
