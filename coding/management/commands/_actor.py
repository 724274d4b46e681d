"""The user a command acts for, recorded in history (the history middleware only sees
requests)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def actor(username: str | None) -> Any:
    if not username:
        return None
    User = get_user_model()
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"--user: no user named {username!r}.", returncode=2) from None
