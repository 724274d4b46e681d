from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponse


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a signed-in user, except views marked `login_not_required`.

    The API answers for itself (401/403 in JSON, never a redirect to the sign-in page), so
    paths under /api/ are left to Django REST framework's authentication and permissions.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        # Before Django's check reads the user: an open page (the service status) must answer
        # when the session, kept in the database, cannot be read.
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class PermissionsPolicyMiddleware:
    """Sends `settings.PERMISSIONS_POLICY` ({feature: [allowed origins]}, an empty list for
    none) as the Permissions-Policy header of every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
