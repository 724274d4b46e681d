from __future__ import annotations

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
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


def test_the_interactive_docs_load_swagger_ui_from_this_server(client, applicant):
    client.force_login(applicant)

    page = client.get("/api/docs/").content.decode()

    bundle = "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    assert f'src="{settings.STATIC_URL}{bundle}"' in page
    assert finders.find(bundle)  # served with the app's own static files
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
