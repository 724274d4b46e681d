from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_is_valid_and_has_no_warnings(tmp_path):
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    for path in (
        "/api/v1/coding/validate/",
        "/api/v1/guidance/{reference}/",
        "/api/v1/introductions/{id}/transitions/",
        "/api/v1/introductions/{id}/history/",
        "/api/v1/introductions/{id}/equality-assessment/sign-off/",
    ):
        assert path in paths, path
