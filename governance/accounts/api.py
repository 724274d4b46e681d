"""`/api/v1/auth/token/` (SPEC.md section 4): POST `{"username", "password"}` -> `{"token"}`;
DELETE revokes the caller's own token (204).

Sign-in through here counts towards the same lockout as the sign-in page: the credentials
go to `authenticate` with the request, so django-axes sees them (settings, "Sign-in").
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.parsers import SafeJSONParser
from governance.accounts import lockout, services

TOKEN = inline_serializer("Token", {"token": serializers.CharField()})
DETAIL = inline_serializer(
    "LockedOut",
    {"detail": serializers.CharField(), "retry_after": serializers.DateTimeField()},
)


class TokenView(ObtainAuthToken):
    # JSON through the project's parser (DRF's own list names its JSONParser, which a deeply
    # nested body crashed), and forms as DRF's view takes them.
    parser_classes = (SafeJSONParser, FormParser, MultiPartParser)

    def _signing_in(self) -> bool:
        request = getattr(self, "request", None)  # None while the schema is made
        return request is not None and request.method == "POST"

    def get_authenticators(self):
        # A POST is a sign-in with the credentials in the body: an old (expired) token sent
        # along must not stand in its way.
        return [] if self._signing_in() else super().get_authenticators()

    def get_permissions(self):
        return [] if self._signing_in() else [IsAuthenticated()]

    @extend_schema(
        request=ObtainAuthToken.serializer_class,
        responses={
            200: TOKEN,
            400: OpenApiResponse(description="Wrong username or password, or one missing."),
            429: OpenApiResponse(
                DETAIL, description="Too many failed sign-ins: when to try again."
            ),
        },
        description="A token for `Authorization: Token <token>`, valid for API_TOKEN_HOURS "
        "(12 by default) from its issue; the same token while it lasts.",
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                return self.locked_out(request)
            raise
        user = serializer.validated_data["user"]
        # As a sign-in on the page does (AXES_RESET_ON_SUCCESS): earlier typos are forgotten.
        axes_reset(ip=get_client_ip_address(request), username=user.get_username())
        token = services.token_issue(user=user, request=request)
        return Response({"token": token.key})

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="The caller's token, if any, is revoked.")},
        description="Revoke the caller's own token: it authenticates nothing from now on.",
    )
    def delete(self, request: Request, *args, **kwargs) -> Response:
        services.token_revoke(user=request.user, request=request, detail="Revoked by its owner")
        return Response(status=status.HTTP_204_NO_CONTENT)

    def locked_out(self, request: Request) -> Response:
        ends = lockout.lockout_ends(request, getattr(request, "axes_credentials", None))
        return Response(
            {"detail": lockout.lockout_message(ends), "retry_after": ends.isoformat()},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(lockout.retry_after_seconds(ends))},
        )
