"""An administrator who is neither staff nor superuser gives a clinician the governance lead
role from the administration pages (never the Django admin), with the reason on record; the
clinician, signed in again, can do what a lead does: start the review of a colleague's
application. Then a walk of the pages each role can reach: no link leads to a refusal, every
administration page has a way back, and axe finds nothing on any of them."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from governance import roles
from governance.models import RoleGrant
from tests.e2e.conftest import describe, sign_out
from tests.factories import (
    PASSWORD,
    GuidanceFactory,
    IntroductionFactory,
    UserFactory,
    default_organisation,
)

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Non-rigid stabilisation of the lumbar spine"


@pytest.fixture
def trust(transactional_db):
    for name in roles.ALL:
        Group.objects.get_or_create(name=name)
    administrator = UserFactory(
        username="alex", first_name="Alex", last_name="Byrne", roles=[roles.ADMIN]
    )
    clinician = UserFactory(
        username="clare", first_name="Clare", last_name="Morgan", roles=[roles.CLINICIAN]
    )
    colleague = UserFactory(username="tom", roles=[roles.CLINICIAN])
    lead = UserFactory(username="priya", roles=[roles.LEAD])
    default_organisation().members.add(administrator, clinician, colleague, lead)
    guidance = GuidanceFactory(reference="IPG366", recommendation=None, ruleset=None)
    introduction = IntroductionFactory(
        status="submitted", title=TITLE, applicant=colleague, guidance=guidance
    )
    assert not (administrator.is_staff or administrator.is_superuser)
    return {"clinician": clinician, "administrator": administrator, "introduction": introduction}


@pytest.fixture
def accessible(page, axe_violations):
    def check() -> None:
        violations = axe_violations()
        assert violations == [], f"{page.url}: {describe(violations)}"

    return check


def test_an_administrator_gives_a_clinician_the_lead_role_and_the_clinician_then_reviews(
    page, sign_in, accessible, trust
):
    sign_in("alex", PASSWORD)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible()
    accessible()

    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    page.get_by_label("Name or username").fill("Morgan")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("users")).to_contain_text("1 user found")
    expect(page.get_by_test_id("users")).to_contain_text("Clinician")
    accessible()

    page.get_by_role("link", name="Clare Morgan").click()
    expect(page.get_by_role("heading", name="Clare Morgan")).to_be_visible()
    expect(page.get_by_test_id("roles")).to_contain_text("Clinician")
    accessible()

    page.get_by_role("link", name="Give a role").click()
    expect(page.get_by_role("heading", name="Give a role")).to_be_visible()
    page.get_by_role("button", name="Give the role").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Choose the role to give")
    expect(summary).to_contain_text("Enter why you are giving this role")
    accessible()
    page.get_by_label("Governance lead").check()
    page.get_by_label("Why are you giving this role?").fill("Joins the governance committee")
    page.get_by_role("button", name="Give the role").click()

    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Clare Morgan now has the role Governance lead"
    )
    expect(page.get_by_test_id("roles")).to_contain_text("Governance lead")
    expect(page.get_by_test_id("role-history")).to_contain_text("Joins the governance committee")
    accessible()
    grant = RoleGrant.objects.get(user=trust["clinician"], role=roles.LEAD)
    assert (grant.by, grant.reason) == (trust["administrator"], "Joins the governance committee")

    sign_out(page)
    sign_in("clare", PASSWORD)
    expect(page.get_by_test_id("signed-in-user").locator("..")).to_contain_text("Governance lead")
    page.goto(f"/introductions/{trust['introduction'].pk}/")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    page.get_by_role("button", name="Start review").first.click()
    panel = page.locator("form", has=page.get_by_role("button", name="Start review", exact=True))
    panel.get_by_role("textbox").first.fill("On the agenda for May")
    panel.get_by_role("button", name="Start review", exact=True).click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "You have started the review"
    )


# --- the walk --------------------------------------------------------------------------------

LINKS = (
    """() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"""
)


def _links(page) -> set[str]:
    found = set()
    for href in page.evaluate(LINKS):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(("/static/", "/api/")) or parts.path in ("/sign-out/",):
            continue
        found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def walk(page, accessible, start: str, within: tuple[str, ...], depth: int = 10) -> set[str]:
    """Every page reachable from `start` in `depth` clicks whose path starts with one of
    `within`: each checked by axe and for a way back (but the home page); every link on them
    answers without a refusal."""
    seen: set[str] = set()
    queue = [(start, 0)]
    checked: dict[str, tuple[int, bool]] = {}  # link: (status, is an HTML page)
    while queue:
        url, clicks = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        expect(page.locator("main")).to_be_visible()
        accessible()
        if url != "/":
            way_back = page.locator(".nhsuk-breadcrumb a, .nhsuk-back-link").count()
            assert way_back > 0, f"{url} has no way back"
        for link in _links(page):
            if link not in checked:
                answer = page.request.get(link, max_redirects=0)
                html = answer.headers.get("content-type", "").startswith("text/html")
                checked[link] = (answer.status, html)
            status, html = checked[link]
            assert status != 403, f"{url} links to {link}, which refuses"
            if not (html and clicks < depth and link not in seen):
                continue
            if link.split("?")[0].startswith(within):
                queue.append((link, clicks + 1))
    return seen


def test_the_administration_pages_walk_clean_for_an_administrator(page, sign_in, accessible, trust):
    sign_in("alex", PASSWORD)
    seen = walk(page, accessible, "/administration/", ("/administration/",))
    seen |= walk(page, accessible, "/", ("/",), depth=1)  # and what the navigation leads to

    assert {
        "/administration/users/",
        "/administration/users/new/",
        "/administration/guidance/",
        "/administration/guidance/IPG366/",
        "/administration/guidance/import/",
        "/administration/guidance/IPG366/recommendation/",
        f"/administration/users/{trust['clinician'].pk}/roles/give/",
    } <= seen
    # The approval warning would link them to the guidance page, which they may open.
    page.goto(f"/introductions/{trust['introduction'].pk}/")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()


@pytest.mark.parametrize("username", ["clare", "priya"])
def test_clinicians_and_leads_find_no_link_they_cannot_open(
    page, sign_in, accessible, trust, username
):
    sign_in(username, PASSWORD)
    seen = walk(page, accessible, "/", ("/",), depth=1)

    assert "/introductions/" in seen
    assert not any(url.startswith("/administration/") for url in seen)
