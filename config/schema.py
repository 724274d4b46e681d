"""The OpenAPI schema says what the API answers (REST_FRAMEWORK DEFAULT_SCHEMA_CLASS):

- every operation documents its error answers, with their bodies: 400 (DRF's field errors)
  where there is a body or a query to get wrong, 401 and 403 where a sign-in is needed, 404
  where the path names a record, 409 `{detail, unmet}` where a view declares a conflict;
- request bodies are JSON only, except a real file upload, which is multipart only (the
  form encodings DRF would otherwise offer cannot express nested payloads);
- an input serializer that refuses keys it does not write (config/serializers.StrictInput)
  says so: `additionalProperties: false`.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from config.serializers import StrictInput

JSON = "application/json"
MULTIPART = "multipart/form-data"

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": 'DRF\'s field errors: {"field": ["message", ...]}, nested objects and lists '
    'as the request nests them, "non_field_errors" for the body as a whole; or {"detail": '
    '"..."} for a body that is not JSON.',
    "additionalProperties": {},
}
CONFLICT = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "unmet": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["detail", "unmet"],
}
ERRORS: dict[str, tuple[str, dict[str, Any]]] = {
    "400": ("Bad input: the errors by field.", FIELD_ERRORS),
    "401": ("Not signed in, or a token that is not valid.", DETAIL),
    "403": ("Not signed in, or your role may not do this.", DETAIL),
    "404": ("No such record in your organisations.", DETAIL),
    "409": ("Not possible in the current state, or preconditions unmet (`unmet`).", CONFLICT),
}
PATH_PARAMETER = re.compile(r"{[^}]+}")


def _has_file(serializer: Any) -> bool:
    if isinstance(serializer, serializers.ListSerializer):
        serializer = serializer.child
    if not isinstance(serializer, serializers.Serializer):
        return False
    return any(isinstance(field, serializers.FileField) for field in serializer.fields.values())


class AutoSchema(SpectacularAutoSchema):
    def map_parsers(self) -> list[str]:
        offered = super().map_parsers()
        request = self.get_request_serializer()
        if isinstance(request, type):
            request = request()
        wanted = MULTIPART if _has_file(request) else JSON
        return [media for media in offered if media == wanted] or offered

    def _get_request_body(self, direction: str = "request") -> Any:
        body = super()._get_request_body(direction)
        if body and JSON in body["content"]:
            # A media type named in @extend_schema(request={...}) bypasses map_parsers.
            body["content"] = {JSON: body["content"][JSON]}
        return body

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictInput):
            schema["additionalProperties"] = False
        return schema

    def _errors_that_apply(self, responses: dict[str, Any]) -> list[str]:
        codes = ["409"] if "409" in responses else []
        needs_sign_in = any(
            not isinstance(permission, AllowAny) for permission in self.view.get_permissions()
        )
        if needs_sign_in:
            codes += ["401", "403"]
        if PATH_PARAMETER.search(self.path):
            codes.append("404")
        has_query = any(p.get("in") == "query" for p in self._get_parameters())
        if self.method in ("POST", "PUT", "PATCH") or has_query:
            codes.append("400")
        return codes

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in sorted({*self._errors_that_apply(responses), *responses} & set(ERRORS)):
            description, body = ERRORS[code]
            response = responses.setdefault(code, {"description": description})
            if not response.get("description"):
                response["description"] = description
            if not response.get("content"):
                response["content"] = {JSON: {"schema": body}}
        return dict(sorted(responses.items()))
