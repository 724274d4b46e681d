"""Anonymous users reach nothing but sign-in, /healthz and static files (SPEC.md §2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


def test_the_home_page_sends_anonymous_users_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_sign_in_page_is_open_to_anonymous_users(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content


@pytest.mark.parametrize("path", ["/api/v1/auth/token/"])
def test_the_token_endpoint_refuses_wrong_credentials_with_400(api_client, lead, path):
    response = api_client.post(path, {"username": "lead", "password": "wrong"}, format="json")
    assert response.status_code == 400


def test_a_token_authenticates_api_requests(api_client, lead):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "lead", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/schema/").status_code == 200


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_the_api_schema_and_docs_need_a_signed_in_user(api_client, path):
    assert api_client.get(path).status_code in (401, 403)


def test_the_api_docs_are_served_to_signed_in_users(client, lead):
    client.force_login(lead)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/auth/token/" in schema.json()["paths"]


def test_signing_in_through_the_form_lands_on_the_home_page(client, applicant):
    response = client.post(
        reverse("login"), {"username": "applicant", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Clinician" in response.content


def test_a_wrong_password_shows_an_error_summary_and_keeps_the_username(client, applicant):
    response = client.post(reverse("login"), {"username": "applicant", "password": "nope"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b'value="applicant"' in response.content


def test_signing_out_needs_a_post_and_ends_the_session(client, applicant):
    client.force_login(applicant)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302
