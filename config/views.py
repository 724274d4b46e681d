from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.forms import PasswordChangeForm, SignInForm
from config.tasks import HEARTBEAT_KEY
from governance import roles


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not. No login: load balancers call it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure is an unhealthy node
        return JsonResponse({"status": "unavailable", "database": str(exc)}, status=503)
    body = {"status": "ok", "database": "ok"}
    try:
        body["worker_heartbeat"] = cache.get(HEARTBEAT_KEY)
    except Exception:  # the cache is not what this endpoint answers for
        body["worker_heartbeat"] = None
    return JsonResponse(body)


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


def home(request: HttpRequest) -> HttpResponse:
    """Each role's home page. Sections are filled by the apps through `home_sections`."""
    user_roles = roles.roles_of(request.user)
    from governance.home.sections import home_sections

    return render(
        request,
        "home.html",
        {"roles_label": ", ".join(user_roles) or "No role yet", "sections": home_sections(request)},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
