"""A walk of every page each role can reach from the home page, on the demo data: no link a
page offers answers 403, 404 or 500, and every page but the home page has a way back (a breadcrumb
or a back link). The walk follows the links a person would (GET only); downloads are fetched
but not walked, and the PDFs, which take a second each, are left to their own tests."""

from __future__ import annotations

import html
import re
from collections import Counter, deque
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a\s[^>]*href="(/[^"#]*)"')
NOT_WALKED = ("/static/", "/admin/", "/api/", "/sign-out/", "/sign-in/")
NOT_FETCHED = (".pdf",)
PER_PATH = 3  # the same page under other query strings (filters, cursors): a few suffice
LIMIT = 600


def walk(client) -> tuple[dict[str, int], dict[str, str], list[str], list[str]]:
    """(status of every URL fetched, the page that first linked each URL, the HTML pages
    without a way back, every HTML page)."""
    statuses: dict[str, int] = {}
    linked_from: dict[str, str] = {}
    no_way_back: list[str] = []
    pages: list[str] = []
    per_path: Counter[str] = Counter()
    queue = deque(["/"])
    while queue and len(statuses) < LIMIT:
        url = queue.popleft()
        if url in statuses:
            continue
        path = urlsplit(url).path
        per_path[path] += 1
        if per_path[path] > PER_PATH:
            continue
        response = client.get(url)
        statuses[url] = response.status_code
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        pages.append(url)
        if path != "/" and "nhsuk-breadcrumb" not in page and "nhsuk-back-link" not in page:
            no_way_back.append(url)
        for href in LINK.findall(page):
            href = html.unescape(href)
            if href.startswith(NOT_WALKED) or urlsplit(href).path.endswith(NOT_FETCHED):
                continue
            if href not in statuses:
                linked_from.setdefault(href, url)
                queue.append(href)
    return statuses, linked_from, no_way_back, pages


@pytest.mark.parametrize("username", ["clinician", "lead", "admin"])
def test_every_page_a_role_reaches_offers_no_refused_link_and_a_way_back(client, username):
    call_command("seed_demo", password="walk-the-pages", stdout=None)
    client.force_login(get_user_model().objects.get(username=username))

    statuses, linked_from, no_way_back, _ = walk(client)

    broken = {url: linked_from.get(url) for url, code in statuses.items() if code >= 400}
    assert broken == {}, "links that answer 403, 404 or 500, with the page that offered them"
    assert no_way_back == []
    assert len(statuses) > 40  # the walk reached the product, not just the home page
