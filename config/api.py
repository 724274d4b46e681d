"""API plumbing shared by every app: the exception handler, the workflow-conflict error, the
token view and the JSON answer to an unhandled error."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.contention import BUSY_MESSAGE, is_lock_contention

SERVER_ERROR = "Sorry, there is a problem with the service. Try again later."


class Conflict(APIException):
    """409: the request is well formed but the workflow state does not allow it."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This action is not allowed in the current state."
    default_code = "conflict"

    def __init__(self, detail: str | None = None, unmet: list[str] | None = None) -> None:
        super().__init__(detail)
        self.unmet = list(unmet or [])


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        # A model's full_clean() or a service's validation: DRF's field-error shape.
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = DRFValidationError(detail=detail)
    elif isinstance(exc, PermissionDenied) and not str(exc):
        exc = PermissionDenied("You do not have permission to perform this action.")
    elif is_lock_contention(exc):
        # SQLite: another writer held the database longer than the timeout (config/contention.py).
        exc = Conflict(BUSY_MESSAGE)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, Conflict):
        response.data = {"detail": str(exc.detail), "unmet": exc.unmet}
    return response
