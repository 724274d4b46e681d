"""API token authentication with an end: a token older than `settings.API_TOKEN_LIFETIME` is
deleted at its first use after that, and the caller told to sign in again (401)."""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from governance.accounts import services


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user, token = result
            if services.token_expired(token):
                services.token_revoke(user=user, request=request, detail="Expired")
                raise AuthenticationFailed("Token expired: sign in again.")
        return result
