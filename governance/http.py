"""HTTP plumbing shared by every feature's pages and API: how domain errors become responses.

service raises          page (`refuses`)                  API (`DomainErrorMixin`)
NotPermitted            the 403 page, reason in words     403 {"detail"}
PermissionDenied        the 403 page                      403
InvalidTransition,      (the view shows it on the page    409 {"detail", "unmet": []}
Concurrency              it came from)
PreconditionsUnmet      (the view lists what is missing)  409 {"detail", "unmet": [codes]}
ValidationError         (the view puts it on the form)    400 {field: [messages]}
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import Conflict
from config.pagination import bounded_int, bounds_schema
from governance.errors import Concurrency, InvalidTransition, NotPermitted, PreconditionsUnmet
from governance.permissions import role_refusal

# --- pages -----------------------------------------------------------------------------------


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "governance/forbidden.html", {"message": message}, status=403)


def refuses(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """NotPermitted (from a service) and PermissionDenied become the 403 page, with the
    reason in words."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotPermitted as error:
            return forbidden(request, error.message)
        except DjangoPermissionDenied as error:
            return forbidden(request, str(error) or "You cannot see this page.")

    return wrapped


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a whole page (so the banner and the page agree)."""
    if is_htmx(request):
        return HttpResponse(headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


def next_url(request: HttpRequest) -> str:
    """The page to return to after a form (`?next=`), when it is a path of this site; "" if
    absent or elsewhere (never an open redirect)."""
    url = request.GET.get("next", "")
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


# --- the API ---------------------------------------------------------------------------------


class HasRole(BasePermission):
    """Signed in and holding one of the three roles (governance/permissions.py, `role_refusal`)."""

    message = role_refusal(None)

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and role_refusal(user) is None)


class DomainErrorMixin:
    """Turns governance.errors into DRF exceptions (403, and 409 with `unmet`), and a service's
    ValidationError into a 400 by field (`field_errors` reshapes it to the request's shape)."""

    def field_errors(self, errors: dict[str, Any]) -> dict[str, Any]:
        return errors

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, NotPermitted):
            exc = PermissionDenied(exc.message)
        elif isinstance(exc, PreconditionsUnmet):
            exc = Conflict(exc.message, exc.unmet)
        elif isinstance(exc, InvalidTransition | Concurrency):
            exc = Conflict(exc.message)
        elif isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
            exc = DRFValidationError(self.field_errors(exc.message_dict))
        return super().handle_exception(exc)


class CursorPages(CursorPagination):
    """The paging of lists that grow with use (cases, outcomes, adverse events, reconciliation
    findings; SPEC section 4): `{"next", "previous", "results"}`, 50 rows a page unless
    `page_size` (at most 200) says otherwise, by cursor, so that page 1,000 costs what page 1
    costs. Each list names its order with `CursorPages.by(...)`: its first field is the
    cursor's position, the last a unique key that breaks ties. A `page_size` out of 1-200,
    or a `cursor` that is not one of this list's, is a 400 naming it (not DRF's silent
    fallback to 50, or its 404)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering: Any = ("-id",)

    @classmethod
    def by(cls, *ordering: str) -> type[CursorPages]:
        return type(cls.__name__, (cls,), {"ordering": ordering})

    def get_page_size(self, request: Request) -> int:
        return bounded_int(
            request, self.page_size_query_param, default=self.page_size, maximum=self.max_page_size
        )

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound:
            message = "Not a cursor of this list: follow the `next` or `previous` link."
            raise DRFValidationError({self.cursor_query_param: [message]}) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds_schema(parameters, self.page_size_query_param, self.max_page_size)
        return parameters


ERRORS = {
    400: OpenApiResponse(description="Bad input: errors by field."),
    403: OpenApiResponse(description="Not signed in, or your role may not do this."),
    404: OpenApiResponse(description="No such record in your organisations."),
}


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    unmet = serializers.ListField(child=serializers.CharField())


CONFLICT = OpenApiResponse(
    ConflictSerializer,
    description="Not possible in the current state, or preconditions unmet (`unmet` codes).",
)


def shared_choice(component: str, choices: type[Any], **kwargs: Any) -> serializers.ChoiceField:
    """A choice field whose schema refers to the enum component another field already makes
    (`StatusEnum`, `ActionEnum`), so that one choice set keeps one name in the schema."""

    @extend_schema_field({"$ref": f"#/components/schemas/{component}"})
    class SharedChoiceField(serializers.ChoiceField):
        pass

    return SharedChoiceField(choices=choices.choices, **kwargs)


def plain_choice(choices: type[Any], **kwargs: Any) -> serializers.ChoiceField:
    """A choice field described in words, not as an enum component: for a second `status`
    with its own choices, which would otherwise collide with the introduction's `StatusEnum`."""

    @extend_schema_field(
        {"type": "string", "description": "One of: " + ", ".join(choices.values) + "."}
    )
    class PlainChoiceField(serializers.ChoiceField):
        pass

    return PlainChoiceField(choices=choices.choices, **kwargs)


class UsernameField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="username", read_only=True, **kwargs)
