from __future__ import annotations

import sys

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config import faults, status
from config.api import SERVER_ERROR
from config.forms import PasswordChangeForm, SignInForm
from governance import roles


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not. No login: load balancers call it."""
    if not status.database_answers():  # the error, naming host and port, goes to the log
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    body = {"status": "ok", "database": "ok"}
    stamp = status.heartbeat_stamp()
    body["worker_heartbeat"] = None if stamp is status.UNKNOWN else stamp
    return JsonResponse(body)


@login_not_required  # checked below, once the database has answered
@never_cache
@require_GET
def service_status(request: HttpRequest) -> HttpResponse:
    """The service's health in words, for people (/healthz is the JSON for machines).

    For signed-in users, like every page (SPEC.md, section 2). When the database does not
    answer, nobody can sign in and the session cannot be read: then the page says so to
    whoever asks, and shows nothing else (what /healthz already tells anyone)."""
    if not status.database_answers():
        request.user = AnonymousUser()  # the session is in the database: do not read it
        # ...nor save it (governance/accounts/sessions.py): without it the session middleware
        # leaves the session and its cookie as they are.
        del request.session
        context = {"status": status.service_status(database=False), "messages": []}
        return render(request, "status.html", context, status=503)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "status.html", {"status": status.service_status(database=True)})


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


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500 (config/urls.py): under /api/ the JSON that API clients read, `{"detail"}`;
    elsewhere Django's own handler, the page templates/500.html. A database lost (in a view or
    in a middleware's read, such as the session's) is a 503 in words (config/faults.py)."""
    exc = sys.exc_info()[1]
    if exc is not None and faults.database_unavailable(exc):
        return faults.unavailable_response(request, exc)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    return defaults.server_error(request)
