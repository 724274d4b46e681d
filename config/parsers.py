"""The API's JSON parser: a body it cannot read is a 400 that says why, never a 500.

Django REST framework's JSONParser turns a ValueError into a ParseError, but not the
RecursionError of a deeply nested body (`[` a thousand times, two kilobytes): that escaped
as a 500 on every JSON endpoint, the anonymous token endpoint included. Settings make this
the only parser by default (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES); the views that take a
file (governance/reconciliation/api.py) or a form (the token endpoint, config/api.py) name
their extra parsers themselves.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

NESTED_TOO_DEEPLY = "JSON parse error: the body is nested too deeply to read."


class SafeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(NESTED_TOO_DEEPLY) from None
        except ValueError as exc:  # what the parent does not catch: a bad encoding's error
            raise ParseError(f"JSON parse error: {exc}") from None
