"""Wrong role before the body (SPEC.md section 4: "Wrong role: 403").

These routes read the request body before asking who the caller is, so a person who may not
take the action at all, sending an empty or a bad body, got a 400 (or, for the upload, a 415)
that described the body of an action never theirs. Now the permission comes first (and the
organisation, where the path names the record: another organisation's is a 404); the body is
read only for those who may, and their bad input is still a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from governance import roles
from governance.models import Introduction
from tests.factories import IntroductionFactory, UserFactory, default_organisation
from tests.security.test_access_walk import fingerprint

pytestmark = pytest.mark.django_db

Body = tuple[dict[str, Any], str]  # (data, format)
EMPTY: Body = ({}, "json")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def bystander(db):
    # A clinician of the organisation who is not the applicant: acts on nobody else's.
    user = UserFactory(username="bystander", roles=[roles.CLINICIAN])
    default_organisation().members.add(user)
    return user


@pytest.fixture
def world(applicant) -> dict[str, Any]:
    """The applicant's approved introduction, with an open condition and a scheduled review,
    and their application under review (whose assessments are still open)."""
    approved = IntroductionFactory(status="approved", applicant=applicant)
    return {
        "approved": approved,
        "under_review": IntroductionFactory(status="under_review", applicant=applicant),
        "condition": approved.conditions.create(text="A mentor attends the first five cases"),
        "review": approved.reviews.create(
            kind="periodic", due_on=timezone.localdate() + timedelta(days=30)
        ),
    }


@dataclass(frozen=True)
class Route:
    method: str
    url: Callable[[dict[str, Any]], str]
    wrong: tuple[str, ...]  # personas who may never take the action
    refusal: str  # what they are told
    bad: Body  # a body that is a 400 for those who may
    right: str  # a persona who may
    field: str  # the field their 400 names
    path_names_the_record: bool = True  # else the body names it: no 404 to give


FILL = "Only the applicant or a governance lead may fill in the assessments of an introduction."
ROUTES = {
    "condition-meet": Route(
        "post",
        lambda w: f"/api/v1/conditions/{w['condition'].pk}/meet/",
        ("applicant", "admin_user"),
        "Only a governance lead may record a condition as met on an introduction.",
        ({"evidence": 42}, "json"),
        "lead",
        "evidence",
    ),
    "review-complete": Route(
        "post",
        lambda w: f"/api/v1/reviews/{w['review'].pk}/complete/",
        ("applicant", "admin_user"),
        "Only a governance lead may complete a review of an introduction.",
        ({"outcome": "maybe"}, "json"),
        "lead",
        "outcome",
    ),
    "introduction-transitions": Route(
        "post",
        lambda w: f"/api/v1/introductions/{w['approved'].pk}/transitions/",
        ("bystander", "admin_user"),
        "Only the applicant, or a governance lead who is not the applicant, may take a "
        "workflow action on this introduction.",
        ({"action": "fly"}, "json"),
        "lead",
        "action",
    ),
    "equality-assessment": Route(
        "put",
        lambda w: f"/api/v1/introductions/{w['under_review'].pk}/equality-assessment/",
        ("bystander", "admin_user"),
        FILL,
        ({"impacts": "all fine"}, "json"),
        "applicant",
        "impacts",
    ),
    "sustainability-assessment": Route(
        "put",
        lambda w: f"/api/v1/introductions/{w['under_review'].pk}/sustainability-assessment/",
        ("bystander", "admin_user"),
        FILL,
        ({"rating": "splendid"}, "json"),
        "applicant",
        "rating",
    ),
    "equality-sign-off": Route(
        "post",
        lambda w: f"/api/v1/introductions/{w['under_review'].pk}/equality-assessment/sign-off/",
        ("applicant", "admin_user"),
        "Only a governance lead may sign off the equality impact assessment.",
        ({"reason": 42}, "json"),
        "lead",
        "reason",
    ),
    "adverse-events": Route(
        "post",
        lambda w: "/api/v1/adverse-events/",
        ("admin_user",),
        "Only a clinician or governance lead may log cases, outcomes and adverse events.",
        ({"introduction": "the new one"}, "json"),
        "applicant",
        "introduction",
        path_names_the_record=False,
    ),
    "reconciliations": Route(
        "post",
        lambda w: "/api/v1/reconciliations/",
        ("applicant", "admin_user"),
        "Only a governance lead may reconcile an extract of coded episodes.",
        ({"organisation": "ZZZ"}, "multipart"),
        "lead",
        "organisation",
        path_names_the_record=False,
    ),
}
WRONG = [(name, persona) for name, route in ROUTES.items() for persona in route.wrong]


def _send(client, route: Route, world: dict[str, Any], body: Body):
    data, kind = body
    return getattr(client, route.method)(route.url(world), data, format=kind)


def _statuses() -> dict[int, str]:
    return dict(Introduction.objects.values_list("pk", "status"))


@pytest.mark.parametrize(("name", "persona"), WRONG)
@pytest.mark.parametrize("which", ["empty", "bad"])
def test_the_wrong_role_is_refused_before_the_body_is_read(
    request, api_as, world, bystander, name, persona, which
):
    route = ROUTES[name]
    client = api_as(request.getfixturevalue(persona))
    before, statuses = fingerprint(), _statuses()

    response = _send(client, route, world, EMPTY if which == "empty" else route.bad)

    assert (response.status_code, response.json()) == (403, {"detail": route.refusal})
    assert fingerprint() == before
    assert _statuses() == statuses


def test_a_json_upload_from_a_clinician_is_refused_not_unsupported(api_as, applicant):
    # The upload takes multipart only: JSON was a 415 before anyone asked who was sending it.
    response = api_as(applicant).post("/api/v1/reconciliations/", {"file": "x"}, format="json")

    assert response.status_code == 403


@pytest.mark.parametrize("name", list(ROUTES))
def test_the_right_role_with_a_bad_body_still_gets_a_400_naming_the_field(
    request, api_as, world, name
):
    route = ROUTES[name]
    client = api_as(request.getfixturevalue(route.right))
    before = fingerprint()

    response = _send(client, route, world, route.bad)

    assert response.status_code == 400
    assert route.field in response.json()
    assert fingerprint() == before


@pytest.mark.parametrize("name", [n for n, r in ROUTES.items() if r.path_names_the_record])
@pytest.mark.parametrize("which", ["empty", "bad"])
def test_another_organisations_lead_gets_404(api_as, world, other_org_lead, name, which):
    route = ROUTES[name]
    before = fingerprint()

    response = _send(api_as(other_org_lead), route, world, EMPTY if which == "empty" else route.bad)

    assert response.status_code == 404
    assert fingerprint() == before


def test_an_applicant_asking_to_approve_still_hears_why_not(api_as, world, applicant):
    # The applicant is a party of some actions, so the body is read, and the service says
    # which party approval needs.
    url = f"/api/v1/introductions/{world['approved'].pk}/transitions/"

    response = api_as(applicant).post(url, {"action": "approve"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "Only a governance lead may approve an introduction."}
    world["approved"].refresh_from_db()
    assert world["approved"].status == "approved"
