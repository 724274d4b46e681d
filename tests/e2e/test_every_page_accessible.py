"""In a real browser: axe finds no WCAG 2.2 AA violation on any page a clinician, a lead or an
administrator reaches from the home page on the demo data. The pages are found by the walk of
tests/governance/test_walk.py (in process, quick); the browser then opens one page of each
route (the first found, for the first role that reaches it) and runs axe on it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import resolve
from playwright.sync_api import expect

from tests.e2e.conftest import axe_run, describe, sign_in_on
from tests.governance.test_walk import walk

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "walk-the-pages"


def pages_by_route() -> dict[str, tuple[str, str]]:
    """route name: (the role's username, one URL of it), over the three roles."""
    routes: dict[str, tuple[str, str]] = {}
    for username in ("clinician", "lead", "admin"):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        *_, pages = walk(client)
        for url in pages:
            route = resolve(urlsplit(url).path).view_name
            routes.setdefault(route, (username, url))
    return routes


def test_no_page_any_role_reaches_has_an_axe_violation(browser, live_server):
    call_command("seed_demo", password=PASSWORD, stdout=None)
    routes = pages_by_route()
    assert len(routes) > 30

    found = {}
    for username in ("clinician", "lead", "admin"):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1200, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in_on(page, username, PASSWORD)
        for route, (who, url) in sorted(routes.items()):
            if who != username:
                continue
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            expect(page.locator("main")).to_be_visible()
            violations = axe_run(page)
            if violations:
                found[f"{route} {url} as {username}"] = violations
        context.close()

    assert found == {}, describe(found)
