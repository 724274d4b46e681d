"""What a locked-out person is told: on the sign-in page, the Django admin's login and the
API token endpoint alike, when to try again, and nothing about whether the account exists.

django-axes counts failed sign-ins by username and IP address together (settings, "Sign-in")
and calls `lockout_response` for the pages (AXES_LOCKOUT_CALLABLE); the token endpoint
(accounts/api.py) answers in JSON with the same `lockout_message`.
"""

from __future__ import annotations

from datetime import datetime

from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from governance.dates import nhs_datetime


def lockout_ends(request: HttpRequest, credentials: dict | None = None) -> datetime:
    """When the lockout of this username from this address ends: the cool-off counts from the
    last failure django-axes recorded (failures while locked out are not recorded)."""
    cool_off = get_cool_off(request)
    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    last = AccessAttempt.objects.filter(username=username, ip_address=address).aggregate(
        last=Max("attempt_time")
    )["last"]
    return (last or timezone.now()) + cool_off


def lockout_message(ends: datetime) -> str:
    return (
        "Too many failed sign-ins. For your security, signing in from here is paused: "
        f"try again after {nhs_datetime(ends)} (UK time)."
    )


def retry_after_seconds(ends: datetime) -> int:
    return max(1, int((ends - timezone.now()).total_seconds()) + 1)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    ends = lockout_ends(request, credentials)
    response = render(
        request,
        "registration/locked_out.html",
        {"ends": ends, "admin": request.path.startswith("/admin/")},
        status=429,
    )
    response["Retry-After"] = str(retry_after_seconds(ends))
    return response
