"""Paging shared by every API list: a page size or page number out of bounds is a 400 naming
the query parameter, as the schema's bounds say; DRF on its own falls back to the default
size without a word, or answers 404 for a page number that is not one."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


def bounded_int(request: Request, name: str, *, default: int, maximum: int | None) -> int:
    """The query parameter `name` as a whole number from 1 to `maximum`; `default` when absent.
    Anything else: 400 on `name`."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if maximum is None:
        message = "Give a whole number, 1 or more."
    else:
        message = f"Give a whole number from 1 to {maximum}."
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ValidationError({name: [message]})
    value = int(raw)
    if value < 1 or (maximum is not None and value > maximum):
        raise ValidationError({name: [message]})
    return value


def bounds_schema(parameters: list[dict[str, Any]], name: str, maximum: int | None) -> None:
    """Writes into the schema of the query parameter `name` the bounds `bounded_int` keeps."""
    for parameter in parameters:
        if parameter["name"] == name:
            parameter["schema"]["minimum"] = 1
            if maximum is not None:
                parameter["schema"]["maximum"] = maximum


class PageNumbers(PageNumberPagination):
    """`?page=N` from 1 to the last page (DRF's default paging of a list, with the 400)."""

    def get_page_number(self, request: Request, paginator: Any) -> int:
        number = bounded_int(request, self.page_query_param, default=1, maximum=None)
        last = max(paginator.num_pages, 1)
        if number > last:
            message = f"There is no page {number}: the last is {last}."
            raise ValidationError({self.page_query_param: [message]})
        return number

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds_schema(parameters, self.page_query_param, None)
        return parameters
