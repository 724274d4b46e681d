"""Every URL of the project, asked by every kind of person (SPEC.md section 2).

The walk enumerates the URL patterns themselves (not the links a page offers, which
tests/governance/test_walk.py follows), fills each pattern's arguments from the demo data of
organisation A (`seed_demo`), and asks it with GET as anonymous, a clinician, a governance
lead and an administrator of A, and a governance lead of organisation B. `ACCESS` below is
the roles matrix of SPEC section 2 as the answer each of them gets; a URL name missing from
it fails the walk. Then every mutating API route is sent an empty JSON body by those who
may not use it, and nothing changes: each asks who before it reads the body, so a 400 would
mean it did not. The Django admin is the superusers' alone, as a group.

Outcomes: OK 200; LOGIN sent to sign in (a page's redirect, the API's 401 or 403 when
anonymous); FORBIDDEN 403 (the role may not); HIDDEN 404 (not theirs, or no such thing for
them); GET_NOT_ALLOWED 405 (the route takes no GET); REDIRECT elsewhere on the site (a page
that sends them on, e.g. to the page that says why not).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from governance import roles
from governance.models import (
    AdverseEvent,
    Case,
    Finding,
    Introduction,
    Organisation,
    Reconciliation,
)
from tests.factories import IntroductionFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

OK, LOGIN, FORBIDDEN, HIDDEN = "ok", "login", "forbidden", "hidden(404)"
GET_NOT_ALLOWED, REDIRECT = "get-not-allowed(405)", "redirect"
ROLES = ("clinician", "lead", "admin", "b_lead")

# URL name -> what (a clinician, a governance lead, an administrator) of organisation A and a
# governance lead of organisation B get. Anonymous callers get LOGIN for every name but
# PUBLIC's (sign-in, /healthz, and the token endpoint, which takes a POST). The objects are
# A's approved introduction and what hangs off it, except where OBJECT_OF_NAME says (the
# clinician's own application, sent back for changes, for editing). Rule sets and guidance
# are reference data every organisation shares.
C, L, A, B = "clinician", "lead", "admin", "b_lead"
ACCESS: dict[str, tuple[str, str, str, str]] = {
    # --- the site ---------------------------------------------------------------------------
    "home": (OK, OK, OK, OK),
    "healthz": (OK, OK, OK, OK),
    "service_status": (OK, OK, OK, OK),
    "login": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # signed in already: home
    "logout": (GET_NOT_ALLOWED,) * 4,  # a POST
    "password_change": (OK, OK, OK, OK),
    "password_change_done": (OK, OK, OK, OK),
    # --- the API: schema, sign-in, coding ---------------------------------------------------
    "api-schema": (OK, OK, OK, OK),
    "api-docs": (OK, OK, OK, OK),
    "api-token": (GET_NOT_ALLOWED,) * 4,
    "api-not-found": (HIDDEN,) * 4,  # any other path under /api/: a JSON 404
    "coding-validate": (GET_NOT_ALLOWED,) * 4,
    "coding-codes": (OK, OK, OK, OK),
    "coding-ruleset-list": (OK, OK, OK, OK),
    "coding-ruleset-detail": (OK, OK, OK, OK),
    "coding-ruleset-history": (FORBIDDEN, OK, OK, OK),  # audit history: finding 9
    "guidance-list": (OK, OK, OK, OK),
    "guidance-detail": (OK, OK, OK, OK),
    # --- the API: audit history (leads and administrators, of their organisations) ---------
    "history": (FORBIDDEN, OK, OK, OK),
    "history-export": (FORBIDDEN, OK, OK, OK),
    "introduction-history": (FORBIDDEN, OK, OK, HIDDEN),
    "introduction-history-csv": (FORBIDDEN, OK, OK, HIDDEN),
    # --- the API: introductions and what hangs off them (read by every role) ---------------
    "introduction-list": (OK, OK, OK, OK),
    "introduction-detail": (OK, OK, OK, HIDDEN),
    "introduction-transitions": (OK, OK, OK, HIDDEN),  # the decisions, as on its page
    "condition-detail": (OK, OK, OK, HIDDEN),
    "condition-meet": (GET_NOT_ALLOWED,) * 4,
    "review-detail": (OK, OK, OK, HIDDEN),
    "review-complete": (GET_NOT_ALLOWED,) * 4,
    "api-equality-assessment": (OK, OK, OK, HIDDEN),
    "api-equality-assessment-sign-off": (GET_NOT_ALLOWED,) * 4,
    "api-sustainability-assessment": (OK, OK, OK, HIDDEN),
    "api-sustainability-assessment-sign-off": (GET_NOT_ALLOWED,) * 4,
    "api-introduction-cases": (OK, OK, OK, HIDDEN),
    "api-introduction-operators": (OK, OK, OK, HIDDEN),
    "api-introduction-monitoring": (OK, OK, OK, HIDDEN),
    "api-case": (OK, OK, OK, HIDDEN),
    "api-case-outcomes": (OK, OK, OK, HIDDEN),
    "api-adverse-events": (OK, OK, OK, OK),
    "api-adverse-event": (OK, OK, OK, HIDDEN),
    "api-adverse-event-yellow-card": (OK, OK, OK, HIDDEN),
    "api-adverse-event-fhir": (OK, OK, OK, HIDDEN),
    # --- the API: reconciliation (governance leads; administrators read) -------------------
    "api-reconciliations": (FORBIDDEN, OK, OK, OK),
    "api-reconciliation": (FORBIDDEN, OK, OK, HIDDEN),
    "api-reconciliation-findings": (FORBIDDEN, OK, OK, HIDDEN),
    "api-finding-explanation": (GET_NOT_ALLOWED,) * 4,
    # --- coding pages: checking for everyone, rule sets and catalogue for administrators ---
    "coding:check": (OK, OK, OK, OK),
    "coding:ruleset_list": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "coding:ruleset_detail": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "coding:catalogue": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    # --- introductions: clinicians and leads apply (their own), leads decide ---------------
    "governance:introduction_list": (OK, OK, OK, OK),
    "governance:introduction_create": (OK, OK, FORBIDDEN, OK),
    "governance:introduction_detail": (OK, OK, OK, HIDDEN),
    "governance:introduction_edit": (OK, FORBIDDEN, FORBIDDEN, HIDDEN),  # own application
    "governance:introduction_section": (OK, FORBIDDEN, FORBIDDEN, HIDDEN),
    "governance:introduction_action": (FORBIDDEN, OK, FORBIDDEN, HIDDEN),  # suspend
    "governance:condition_meet": (FORBIDDEN, OK, FORBIDDEN, HIDDEN),
    "governance:review_complete": (FORBIDDEN, OK, FORBIDDEN, HIDDEN),
    # --- assessments: the applicant and leads fill them, a lead signs off -----------------
    "governance:assessment_summary": (OK, OK, OK, HIDDEN),
    "governance:equality_assessment_edit": (OK, OK, FORBIDDEN, HIDDEN),
    "governance:equality_assessment_part": (OK, OK, FORBIDDEN, HIDDEN),
    "governance:sustainability_assessment_edit": (OK, OK, FORBIDDEN, HIDDEN),
    # signed off already: the lead is sent back to the assessment
    "governance:assessment_sign_off": (FORBIDDEN, REDIRECT, FORBIDDEN, HIDDEN),
    # --- audit history pages --------------------------------------------------------------
    "governance:audit_history": (FORBIDDEN, OK, OK, OK),
    "governance:audit_history_csv": (FORBIDDEN, OK, OK, OK),
    # --- cases and outcomes: clinicians and leads log them, administrators read -----------
    "governance:case_list": (OK, OK, OK, HIDDEN),
    "governance:case_new": (OK, OK, FORBIDDEN, HIDDEN),
    "governance:case_check": (GET_NOT_ALLOWED,) * 4,
    "governance:operator_list": (OK, OK, OK, HIDDEN),
    "governance:case_detail": (OK, OK, OK, HIDDEN),
    "governance:case_change": (OK, OK, FORBIDDEN, HIDDEN),
    "governance:case_failure": (OK, OK, FORBIDDEN, HIDDEN),
    "governance:case_apply_suggestion": (GET_NOT_ALLOWED,) * 4,
    "governance:outcome_new": (OK, OK, FORBIDDEN, HIDDEN),
    "governance:follow_ups": (OK, OK, OK, OK),
    "governance:monitoring": (OK, OK, OK, HIDDEN),
    "governance:monitoring_csv": (OK, OK, OK, HIDDEN),
    "governance:monitoring_chart": (OK, OK, OK, HIDDEN),
    "governance:monitoring_chart_svg": (OK, OK, OK, HIDDEN),
    # --- adverse events: clinicians and leads record them, a lead sets the Yellow Card ----
    "governance:event_new": (OK, OK, FORBIDDEN, HIDDEN),
    "governance:event_new_for_case": (OK, OK, FORBIDDEN, HIDDEN),
    "governance:event_list": (OK, OK, OK, OK),
    "governance:yellow_card_queue": (OK, OK, OK, OK),
    "governance:event_detail": (OK, OK, OK, HIDDEN),
    "governance:event_change": (OK, OK, FORBIDDEN, HIDDEN),
    "governance:yellow_card_submitted": (FORBIDDEN, OK, FORBIDDEN, HIDDEN),
    "governance:yellow_card_not_reportable": (FORBIDDEN, OK, FORBIDDEN, HIDDEN),
    "governance:yellow_card_reopen": (FORBIDDEN, OK, FORBIDDEN, HIDDEN),
    "governance:yellow_card_report": (OK, OK, OK, HIDDEN),
    "governance:yellow_card_pdf": (OK, OK, OK, HIDDEN),
    # --- reconciliation: governance leads; administrators read ----------------------------
    "governance:reconciliation_list": (FORBIDDEN, OK, OK, OK),
    "governance:reconciliation_detail": (FORBIDDEN, OK, OK, HIDDEN),
    "governance:reconciliation_progress": (FORBIDDEN, REDIRECT, REDIRECT, HIDDEN),  # finished
    "governance:reconciliation_findings_csv": (FORBIDDEN, OK, OK, HIDDEN),
    "governance:finding_explain": (FORBIDDEN, OK, FORBIDDEN, HIDDEN),
    # --- the committee report -------------------------------------------------------------
    "governance:committee_report": (OK, OK, OK, HIDDEN),
    "governance:committee_report_pdf": (OK, OK, OK, HIDDEN),
    # --- administration: administrators, for the people of their organisations ------------
    "governance:administration": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "governance:user_list": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "governance:user_create": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "governance:user_detail": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "governance:user_role_give": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "governance:user_role_remove": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "governance:user_membership_add": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "governance:user_membership_remove": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "governance:guidance_list": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "governance:guidance_import": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "governance:guidance_detail": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "governance:guidance_recommendation": (FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
}
# What an anonymous caller gets where it is not LOGIN.
PUBLIC = {
    "login": OK,
    "healthz": OK,
    "api-not-found": HIDDEN,
}  # the token endpoint: POST signs in, DELETE signs out
# The objects of these names, instead of A's approved introduction's.
OBJECT_OF_NAME = {
    "governance:introduction_edit": "editable",
    "governance:introduction_section": "editable",
    "governance:equality_assessment_edit": "editable",
    "governance:equality_assessment_part": "editable",
    "governance:sustainability_assessment_edit": "editable",
}

# Rendered for one reader who may (the lead) and for everyone refused: the PDFs' own tests
# render them for the others, and each takes seconds.
PDFS = {"governance:committee_report_pdf", "governance:yellow_card_pdf"}

# Mutating API route -> who may not use it (besides anonymous callers, refused everywhere but
# PUBLIC_MUTATIONS): each sends it an empty JSON body, and must get 401, 403, 404 or 405,
# and change nothing. Their own role's bad input (a 400) is the payload tests' business, as
# is B's lead naming A's introduction in a body (a 400 on `introduction`: no such id of
# theirs).
NOT_THEIRS = {
    "introduction-list": (A,),  # POST: administrators apply for nothing
    "introduction-detail": (L, A, B),  # PATCH: only the applicant edits
    "introduction-transitions": (A, B),
    "condition-meet": (C, A, B),
    "review-complete": (C, A, B),
    "api-equality-assessment": (A, B),
    "api-equality-assessment-sign-off": (C, A, B),
    "api-sustainability-assessment": (A, B),
    "api-sustainability-assessment-sign-off": (C, A, B),
    "api-introduction-cases": (A, B),
    "api-introduction-operators": (C, A, B),
    "api-case": (A, B),
    "api-case-outcomes": (A, B),
    "api-adverse-events": (A,),
    "api-adverse-event": (A, B),
    "api-adverse-event-yellow-card": (C, A, B),
    "api-reconciliations": (C, A),
    "api-finding-explanation": (C, A, B),
    "coding-validate": (),  # checks, writes nothing: every role may
    "api-token": (),  # signing in: open to anonymous callers
}
PUBLIC_MUTATIONS = {"api-token"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the URL patterns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespaced: "governance:case_detail", "api-case"
    pattern: str  # the route as written, prefixes joined
    pattern_obj: URLPattern
    methods: frozenset[str]  # what the view answers besides GET/HEAD/OPTIONS, when known


def routes(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            yield Route(
                namespace + (entry.name or ""),
                prefix + str(entry.pattern),
                entry,
                mutating_methods(entry.callback),
            )


def mutating_methods(callback) -> frozenset[str]:
    actions = getattr(callback, "actions", None)  # a DRF viewset's route
    if actions is not None:
        return frozenset(m.upper() for m in actions if m not in ("get", "head", "options"))
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is None:
        return frozenset()
    return frozenset(
        m.upper() for m in ("post", "put", "patch", "delete") if callable(getattr(cls, m, None))
    )


def outcome(response) -> str:
    code = response.status_code
    if code in (301, 302, 303):
        where = response["Location"]
        signing_in = where.startswith(reverse("login")) or where.startswith("/admin/login/")
        return LOGIN if signing_in else REDIRECT
    return {200: OK, 403: FORBIDDEN, 404: HIDDEN, 405: GET_NOT_ALLOWED}.get(code, str(code))


# --- the data ---------------------------------------------------------------------------------


@pytest.fixture
def world():
    """seed_demo's organisation A, an administrator of A who is neither staff nor superuser,
    and organisation B with a lead and an application of its own."""
    call_command("seed_demo", password="walk-every-url", stdout=None)
    users = {name: get_user_model().objects.get(username=name) for name in ("clinician", "lead")}
    a = Organisation.objects.get(ods_code=Organisation.DEFAULT_ODS_CODE)
    users["admin"] = UserFactory(username="a_admin", roles=[roles.ADMIN])
    a.members.add(users["admin"])
    b = OrganisationFactory(name="Organisation B NHS Trust", ods_code="RBB")
    users["b_lead"] = UserFactory(username="b_lead", roles=[roles.LEAD])
    b.members.add(users["b_lead"])
    b_introduction = IntroductionFactory(
        organisation=b, applicant=users["b_lead"], title="Organisation B, its own application"
    )
    live = Introduction.objects.get(organisation=a, status="approved")
    editable = Introduction.objects.get(
        organisation=a, status="changes_requested", applicant=users["clinician"]
    )
    reconciliation = Reconciliation.objects.filter(organisation=a).latest("pk")
    return {
        "users": users,
        "a": a,
        "b_introduction": b_introduction,
        "a_titles": list(
            Introduction.objects.filter(organisation=a).values_list("title", flat=True)
        ),
        "introduction": live,
        "editable": editable,
        "case": Case.objects.filter(introduction=live).earliest("pk"),
        "event": AdverseEvent.objects.filter(introduction=live).earliest("pk"),
        "reconciliation": reconciliation,
        "finding": Finding.objects.filter(reconciliation=reconciliation).earliest("pk"),
        "condition": live.conditions.earliest("pk"),
        "review": live.reviews.earliest("pk"),
    }


# The object a `pk` names, by the first words of the route.
PK_OF_PREFIX = {
    "introductions/": "introduction",
    "api/v1/^introductions/": "introduction",
    "api/v1/introductions/": "introduction",
    "cases/": "case",
    "api/v1/cases/": "case",
    "adverse-events/": "event",
    "api/v1/adverse-events/": "event",
    "reconciliations/": "reconciliation",
    "api/v1/reconciliations/": "reconciliation",
    "api/v1/^conditions/": "condition",
    "api/v1/^reviews/": "review",
    "administration/users/": "person",
}


def kwargs_for(route: Route, world: dict) -> dict[str, str]:
    names = list(route.pattern_obj.pattern.regex.groupindex)
    values: dict[str, str] = {}
    for name in names:
        if name == "pk":
            key = next(k for p, k in PK_OF_PREFIX.items() if route.pattern.startswith(p))
            key = OBJECT_OF_NAME.get(route.name, key)
            values[name] = world["users"]["clinician"].pk if key == "person" else world[key].pk
        else:
            values[name] = FIXED_KWARGS[name](world)
    return {k: str(v) for k, v in values.items()}


FIXED_KWARGS = {
    "name": lambda w: "IPG366",
    "reference": lambda w: "IPG366",
    "condition_pk": lambda w: w["condition"].pk,
    "review_pk": lambda w: w["review"].pk,
    "finding_id": lambda w: w["finding"].pk,
    "organisation_pk": lambda w: w["a"].pk,
    "role": lambda w: "clinician",
    "section": lambda w: "procedure",
    "action": lambda w: "suspend",
    "part": lambda w: "age",
    "kind": lambda w: "equality",
    "chart": lambda w: "cusum",
}


def url_of(route: Route, world: dict) -> str:
    kwargs = kwargs_for(route, world)
    return reverse(route.name, kwargs=kwargs) if route.name else route.pattern


def clients(world) -> dict[str, APIClient]:
    signed_in = {}
    for role, user in world["users"].items():
        signed_in[role] = APIClient()
        signed_in[role].force_login(user)
    return signed_in


def anonymous_outcome(path: str, response) -> str:
    # The API answers an anonymous caller 401 or 403 (SPEC section 4): both say "sign in".
    if path.startswith("/api/") and response.status_code in (401, 403):
        return LOGIN
    return outcome(response)


def test_every_url_answers_each_role_as_the_access_table_says(world):
    everyone = clients(world)
    anonymous = APIClient()
    a_titles, b_title = world["a_titles"], world["b_introduction"].title
    wrong: list[str] = []
    missing: list[str] = []
    leaks: list[str] = []
    for route in routes():
        if route.pattern.startswith("admin/"):
            continue  # test_only_superusers_get_into_the_django_admin
        if route.name not in ACCESS:
            missing.append(f"add {route.name} ({route.pattern}) to the access table")
            continue
        url = url_of(route, world)
        expected = dict(zip(ROLES, ACCESS[route.name], strict=True))
        expected["anonymous"] = PUBLIC.get(route.name, LOGIN)
        got = {"anonymous": anonymous_outcome(url, anonymous.get(url))}
        for role in ROLES:
            if route.name in PDFS and expected[role] == OK and role != L:
                got[role] = OK  # rendered once, for the lead: a PDF takes seconds
                continue
            response = everyone[role].get(url)
            got[role] = outcome(response)
            if response.status_code == 200 and not response.streaming:
                body = response.content.decode(errors="replace")
                theirs = a_titles if role == B else [b_title]
                leaks += [f"{role} sees {title!r} at {url}" for title in theirs if title in body]
        wrong += [
            f"{route.name} {url}: {role} got {got[role]}, the table says {expected[role]}"
            for role in ("anonymous", *ROLES)
            if got[role] != expected[role]
        ]
    assert missing == []
    assert wrong == []
    assert leaks == [], "another organisation's introductions shown"


def test_the_lists_show_each_organisation_its_own_rows(world):
    # The walk above finds no leak; this makes sure it looked at lists that show rows.
    everyone = clients(world)
    b_title = world["b_introduction"].title
    live_title = world["introduction"].title

    for path in ("/introductions/", "/api/v1/introductions/"):
        assert b_title in everyone[B].get(path).content.decode()
        assert live_title in everyone[L].get(path).content.decode()


def filled(pattern: str, kwargs: dict[str, str]) -> str:
    """The admin's routes as written (some have no name), each `<converter:name>` filled."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: kwargs[m.group(1)], pattern)


def admin_kwargs(route: Route, world: dict) -> dict[str, str]:
    fill = {
        "object_id": world["introduction"].pk,
        "version_id": world["introduction"].history.earliest("history_id").history_id,
        "app_label": "governance",
        "content_type_id": 1,
        "id": world["users"]["clinician"].pk,
        "url": "anything/",
    }
    return {k: str(fill[k]) for k in route.pattern_obj.pattern.regex.groupindex}


def test_only_superusers_get_into_the_django_admin(world):
    everyone = clients(world)
    for user in world["users"].values():
        user.is_staff = True  # the flag Django's admin would otherwise ask
        user.save()
    superuser = APIClient()
    superuser.force_login(get_user_model().objects.get(username="admin"))  # seed_demo's
    anonymous = APIClient()
    let_in: list[str] = []
    admin_routes = [r for r in routes() if r.name.startswith("admin:") and r.name not in ADMIN_OPEN]
    for route in admin_routes:
        url = filled("/" + route.pattern, admin_kwargs(route, world))
        for who, client in (("anonymous", anonymous), *everyone.items()):
            if (got := outcome(client.get(url))) != LOGIN:
                let_in.append(f"{who} got {got} at {url} ({route.name})")

    assert len(admin_routes) > 50  # every model's pages, not only the index
    assert let_in == []
    assert superuser.get("/admin/").status_code == 200
    history = f"/admin/governance/introduction/{world['introduction'].pk}/history/"
    assert superuser.get(history).status_code == 200


# The admin's own sign-in page (which refuses non-superusers) and sign-out (a POST).
ADMIN_OPEN = {"admin:login", "admin:logout"}


def fingerprint() -> dict[str, int]:
    """How many rows each table of ours holds, history included: an audited change adds a
    history row, so an unchanged fingerprint means nothing was written."""
    counts = {}
    for label in ("governance", "coding", "auth", "authtoken"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            counts[model._meta.label] = model._default_manager.count()
    return counts


def test_no_mutating_api_route_lets_the_wrong_person_write(world):
    everyone = clients(world)
    anonymous = APIClient()
    before = fingerprint()
    statuses = dict(Introduction.objects.values_list("pk", "status"))
    missing: list[str] = []
    let_through: list[str] = []
    for route in routes():
        if not route.pattern.startswith("api/") or not route.methods:
            continue
        if route.name not in NOT_THEIRS:
            missing.append(f"add {route.name} ({route.pattern}) to NOT_THEIRS")
            continue
        url = url_of(route, world)
        callers = [(role, everyone[role]) for role in NOT_THEIRS[route.name]]
        if route.name not in PUBLIC_MUTATIONS:
            callers.append(("anonymous", anonymous))
        for method in sorted(route.methods):
            for who, client in callers:
                response = getattr(client, method.lower())(url, {}, format="json")
                if response.status_code not in (401, 403, 404, 405):
                    let_through.append(f"{method} {url} as {who}: {response.status_code}")

    assert missing == []
    assert let_through == []
    assert fingerprint() == before
    assert dict(Introduction.objects.values_list("pk", "status")) == statuses
