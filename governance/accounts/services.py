"""Sign-in events and API tokens: the only writers of both.

A token lives `settings.API_TOKEN_LIFETIME` from its issue (README, "Configuration"), and is
revoked by its owner (`DELETE /api/v1/auth/token/`), by a password change and by signing
out (receivers.py). Every issue and revocation is a sign-in event in the audit history.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from governance.accounts.models import SignInEvent

Outcome = SignInEvent.Outcome


def _via(request) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/admin/"):
        return SignInEvent.Via.ADMIN
    if path.startswith("/api/"):
        return SignInEvent.Via.API
    return SignInEvent.Via.PAGE


def _ip_address(request) -> str | None:
    if request is None:
        return None
    # django-axes has read it already on the sign-in paths, the way its lockout counts it.
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    try:
        validate_ipv46_address(address)
    except ValidationError:
        return None
    return address


def sign_in_event_record(
    *, outcome: str, request=None, user=None, username: str | None = None, detail: str = ""
) -> SignInEvent:
    """One row of the sign-in record. `username` is what was typed; the user with that name,
    when there is one, is found here so that the audit shows whose account it was."""
    if user is None and username:
        User = get_user_model()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if not username and user is not None:
        username = user.get_username()
    return SignInEvent.objects.create(
        outcome=outcome,
        username=(username or "")[:150],
        user=user,
        ip_address=_ip_address(request),
        via=_via(request) if request is not None else "",
        detail=detail[:200],
    )


def token_expired(token: Token, now=None) -> bool:
    return token.created <= (now or timezone.now()) - settings.API_TOKEN_LIFETIME


def token_issue(*, user, request) -> Token:
    """The user's API token: the one they hold while it lasts, else a new one."""
    with transaction.atomic():
        token, created = Token.objects.get_or_create(user=user)
        if not created and token_expired(token):
            token_revoke(user=user, request=request, detail="Expired: a new one was issued")
            token, created = Token.objects.create(user=user), True
        sign_in_event_record(
            outcome=Outcome.TOKEN_ISSUED,
            request=request,
            user=user,
            detail="New token" if created else "The token already issued, still valid",
        )
    return token


def token_revoke(*, user, request=None, detail: str) -> bool:
    """Delete the user's API token, if they hold one; True when there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        sign_in_event_record(
            outcome=Outcome.TOKEN_REVOKED, request=request, user=user, detail=detail
        )
    return bool(deleted)
