from __future__ import annotations

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired


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
