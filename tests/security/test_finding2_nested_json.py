"""Finding 2: a deeply nested JSON body (`[` a thousand times, then `]`, two kilobytes) answered
500 on every JSON endpoint, the anonymous token endpoint included, and with debugging off the
API answered an HTML 500 page.

Every route under /api/ is found from the URL configuration (a route added later is covered
without touching this file) and sent the body with each method that carries one.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from config.parsers import NESTED_TOO_DEEPLY
from governance.reconciliation.models import Finding
from tests.factories import ConditionFactory, GuidanceFactory, ReviewFactory
from tests.governance.reconciliation.conftest import (  # noqa: F401  (fixtures)
    cases,
    device,
    extract,
    live,
    log_case,
    media,
    reconcile,
)

pytestmark = pytest.mark.django_db

NESTED = "[" * 1000 + "]" * 1000
DEEPER = '{"a":' * 50_000 + "1" + "}" * 50_000
METHODS = ("post", "put", "patch")


def api_routes() -> list[tuple[str, tuple[str, ...]]]:
    """(URL name, its keyword arguments) of every named route under /api/."""
    found: list[tuple[str, tuple[str, ...]]] = []

    def walk(patterns, prefix: str, kwargs: tuple[str, ...]) -> None:
        for pattern in patterns:
            text = prefix + str(pattern.pattern)
            names = kwargs + tuple(pattern.pattern.regex.groupindex)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, text, names)
            elif isinstance(pattern, URLPattern) and pattern.name and text.startswith("api/"):
                found.append((pattern.name, names))

    walk(get_resolver().url_patterns, "", ())
    return sorted(set(found))


@pytest.fixture
def samples(live, lead, reconcile, extract, ipg366, log_case):  # noqa: F811
    """A row for every kind of id a route under /api/ takes, all visible to `lead`."""
    case = live.cases.first() or log_case()
    from governance.events import services as events

    event = events.adverse_event_record(
        introduction=live,
        actor=live.applicant,
        occurred_on=case.performed_on,
        detected_on=case.performed_on,
        description="Superficial wound ooze.",
        harm="low",
        category="wound",
    )
    reconciliation = reconcile(extract)
    return {
        "introductions": live.pk,
        "cases": case.pk,
        "adverse-events": event.pk,
        "reconciliations": reconciliation.pk,
        "findings": Finding.objects.filter(reconciliation=reconciliation).first().pk,
        "conditions": ConditionFactory(introduction=live).pk,
        "reviews": ReviewFactory(introduction=live).pk,
        "guidance": GuidanceFactory().reference,
        "coding": ipg366.name,
    }


def url_of(name: str, kwargs: tuple[str, ...], samples: dict) -> str:
    """The route's URL with ids of real rows: the row kind is the path's first segment."""
    head = reverse(name, kwargs=dict.fromkeys(kwargs, "1")).removeprefix("/api/v1/")
    head = head.split("/", 1)[0]
    values: dict[str, object] = {}
    for kwarg in kwargs:
        if kwarg == "finding_id":
            values[kwarg] = samples["findings"]
        else:
            assert head in samples, f"add a sample row for /api/v1/{head}/ to this test"
            values[kwarg] = samples[head]
    return reverse(name, kwargs=values)


def send_nested(client: APIClient, url: str, method: str, body: str = NESTED):
    return getattr(client, method)(url, body, content_type="application/json")


def test_every_api_route_has_a_sample_and_the_token_is_among_them(samples):
    urls = [url_of(name, kwargs, samples) for name, kwargs in api_routes()]
    assert "/api/v1/auth/token/" in urls
    assert f"/api/v1/introductions/{samples['introductions']}/transitions/" in urls
    assert len(urls) > 30


def test_the_token_endpoint_answers_400_to_a_nested_body_saying_why():
    client = APIClient(raise_request_exception=False)
    response = send_nested(client, "/api/v1/auth/token/", "post")
    assert response.status_code == 400
    assert response.json() == {"detail": NESTED_TOO_DEEPLY}


def test_a_signed_in_lead_gets_400_saying_why_and_nothing_changes(
    api_as,
    lead,
    samples,
    live,  # noqa: F811  (the cases tests' fixture, imported above)
):
    client = api_as(lead)
    client.raise_request_exception = False
    url = f"/api/v1/introductions/{live.pk}/transitions/"
    before = live.transitions.count()
    for body in (NESTED, DEEPER):
        response = send_nested(client, url, "post", body)
        assert response.status_code == 400, response.content[:300]
        assert response.json() == {"detail": NESTED_TOO_DEEPLY}
    live.refresh_from_db()
    assert live.status == "approved"
    assert live.transitions.count() == before


TOKEN = "/api/v1/auth/token/"
NOT_JSON = {"/api/docs/", "/api/schema/"}  # the Swagger UI page and the OpenAPI document


def expected(who: str, url: str) -> set[int]:
    if url == "/api//":  # the JSON 404 of any path under /api/ that names nothing
        return {404}
    if url == TOKEN:  # POST is open to all and reads the body; DELETE signs the caller out
        return {400, 405} if who != "anonymous" else {400, 401, 405}
    if who == "anonymous":  # who first: the body is never read
        return {401, 403, 405}
    # 400 the body; 403 the role; 405 no such method; 415 a file upload takes no JSON.
    return {400, 403, 405, 415}


def test_no_api_route_answers_500_to_a_nested_body_anonymous_or_signed_in(lead, samples):
    anonymous = APIClient(raise_request_exception=False)
    signed_in = APIClient(raise_request_exception=False)
    signed_in.force_authenticate(lead)
    unexpected = {}
    read = set()
    for name, kwargs in api_routes():
        url = url_of(name, kwargs, samples)
        for method in METHODS:
            for who, client in (("anonymous", anonymous), ("lead", signed_in)):
                response = send_nested(client, url, method)
                if response.status_code not in expected(who, url):
                    unexpected[(who, method, url)] = response.status_code
                if url not in NOT_JSON:
                    assert response["Content-Type"].startswith("application/json"), (who, url)
                if response.status_code == 400:
                    assert response.json() == {"detail": NESTED_TOO_DEEPLY}, (who, method, url)
                    read.add((method, url))
    assert unexpected == {}
    # The lead is a lead: the routes that take a body from one read it, and said why not.
    pk = samples["introductions"]
    assert {
        ("post", TOKEN),
        ("post", f"/api/v1/introductions/{pk}/transitions/"),
        ("put", f"/api/v1/introductions/{pk}/equality-assessment/"),
        ("patch", f"/api/v1/cases/{samples['cases']}/"),
        ("post", "/api/v1/adverse-events/"),
        ("post", "/api/v1/coding/validate/"),
    } <= read


def test_every_json_route_accepts_only_json_bodies(api_as, lead, live):  # noqa: F811
    # A form body cannot nest; JSON is the one format the API documents (SPEC section 4).
    client = api_as(lead)
    response = client.post(
        f"/api/v1/introductions/{live.pk}/transitions/", {"action": "suspend", "reason": "x"}
    )
    assert response.status_code == 415


@override_settings(DEBUG=False)
def test_an_unhandled_error_under_the_api_answers_json_not_the_html_page(api_as, lead, monkeypatch):
    from governance.organisations import api

    def boom(*args, **kwargs):
        raise RuntimeError("an unforeseen fault")

    monkeypatch.setattr(api.GuidanceViewSet, "list", boom)
    client = api_as(lead)
    client.raise_request_exception = False
    response = client.get("/api/v1/guidance/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Sorry, there is a problem with the service. Try again later."
    }


def test_an_unhandled_error_on_a_page_still_answers_the_html_page(rf):
    from config.urls import handler500

    response = handler500(rf.get("/introductions/"))
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content
