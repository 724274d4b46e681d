"""Every list, monitoring and history endpoint of the API, and the main pages, run as many
queries with three times the rows: a request's query count is constant in the number of rows.

The data is the load generator's (governance/demo/load.py, as `seed_load` makes it), run twice
into one database, each time with a reconciliation of the largest introduction's cases, some
approved operators, some guidance and a serious device event of its own. Each size's requests
name that size's largest introduction and what hangs off it: at the larger size it has three
times the cases, outcomes, events, history and findings, and the organisation's lists about
three times the rows. The data is made once for the module and rolled back after it.

The pages are asked as the organisation's governance lead (the follow-ups as the clinician
who logged the cases, the administration as its administrator), the API with the lead's token.
Each request is sent three times: once to fill what a process keeps for good (content types,
the coding engine's tables), once after the cache is cleared ("cold": whatever is cached is
made again) and once more ("warm"). The larger size's cold and warm counts must equal the
smaller size's. No count is written down here, since making a page cheaper changes them; the
ceiling (CEILING) catches only the absurd.

`TABLE` names each request; `GROWS_TODAY` those whose count grows, as expected failures. A URL
pattern in neither `TABLE` nor `NOT_COUNTED` fails `test_every_route_is_counted_or_says_why_not`,
so a new list cannot go unmeasured. The Django admin, the superusers' own, is left out.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Count
from django.http import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from governance import roles
from governance.audit.index import index_missing
from governance.cases import services as cases
from governance.cases.models import Case, Outcome
from governance.demo.load import Plan, seed_load
from governance.demo.reconciliation import _extract
from governance.events import services as events
from governance.events.models import AdverseEvent
from governance.introductions.models import Introduction
from governance.organisations import services as organisations
from governance.reconciliation import services as reconciliation
from governance.reconciliation.models import Reconciliation
from tests.factories import GuidanceFactory, UserFactory
from tests.security.test_access_walk import routes

pytestmark = pytest.mark.django_db

# Above what any request needs today: a count past it is a loop over rows, whatever the two
# sizes say.
CEILING = 50


@dataclass(frozen=True)
class Size:
    plan: Plan  # seed_load's: two introductions, the first (the largest) with half the cases
    operators: int  # approved for the largest introduction
    guidance: int
    reconciliations: int  # each of the largest introduction's cases


# Both largest introductions are past their first review (due after 10 cases).
# The newest page of the history is the revisions (more than a page at both sizes) and what
# grow() adds after them, so that both sizes' first pages hold the same kinds of record.
SMALL = Size(Plan(introductions=2, cases=24, events=8, revisions=150, seed=1), 1, 2, 1)
LARGE = Size(Plan(introductions=2, cases=72, events=24, revisions=450, seed=2), 3, 6, 2)


@dataclass(frozen=True)
class World:
    """What one size's requests name."""

    introduction: Introduction  # the size's largest
    case: Case  # of it, with the most outcomes, and the event
    event: AdverseEvent  # serious, of a device: a Yellow Card due
    reconciliation: Reconciliation  # of the introduction's cases
    person: AbstractUser  # an operator, a member of the organisation


# --- what a request shows -----------------------------------------------------------------------


def entries(text: str) -> int:
    """The rows of an API list: in `results` when paged by the body, else the list itself."""
    data = json.loads(text)
    return len(data["results"] if isinstance(data, dict) else data)


def csv_rows(text: str) -> int:
    return len(list(csv.reader(io.StringIO(text)))) - 1  # the header


TBODY = re.compile(r"<tbody.*?</tbody>", re.S)


def table_rows(text: str) -> int:
    """The rows of a page's tables, header rows (in <thead>) aside."""
    return sum(part.count("<tr") for part in TBODY.findall(text))


# --- the requests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    name: str  # the URL pattern's
    path: Callable[[World], str]
    query: str | Callable[[World], str] = ""
    who: str = "lead"  # a lead, clinician or admin of the organisation; the API: the lead's token
    rows: Callable[[str], int] | None = None  # a list: the rows it shows, more at LARGE
    fixed: bool = False  # a list whose rows do not grow (a full page, reference data)
    variant: str = ""  # in the test id after the name, when `query` is made from the world

    @property
    def id(self) -> str:
        return self.name + (self.variant or (self.query if isinstance(self.query, str) else ""))

    def url(self, world: World) -> str:
        return self.path(world) + (self.query(world) if callable(self.query) else self.query)


def to(name: str, *args: Callable[[World], object]) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[arg(w) for arg in args])


def introduction(w: World) -> int:
    return w.introduction.pk


def case(w: World) -> int:
    return w.case.pk


def event(w: World) -> int:
    return w.event.pk


def run(w: World) -> int:
    return w.reconciliation.pk


def condition(w: World) -> int:
    return w.introduction.conditions.earliest("pk").pk


def review(w: World) -> int:
    return w.introduction.reviews.earliest("pk").pk


def person(w: World) -> int:
    return w.person.pk


def ipg366(w: World) -> str:
    return "IPG366"


def cusum(w: World) -> str:
    return "cusum"


def of_introduction(w: World) -> str:
    return f"?introduction={w.introduction.pk}"


CASES = Request("api-introduction-cases", to("api-introduction-cases", introduction), rows=entries)
CASE_LIST = Request(
    "governance:case_list", to("governance:case_list", introduction), rows=table_rows
)
AUDIT = Request("governance:audit_history", to("governance:audit_history"), rows=table_rows)
AUDIT_CSV = Request(
    "governance:audit_history_csv", to("governance:audit_history_csv"), rows=csv_rows
)


TABLE: tuple[Request, ...] = (
    # --- the API: introductions and what hangs off them -------------------------------------
    Request("introduction-list", to("introduction-list"), rows=entries),
    Request("introduction-detail", to("introduction-detail", introduction)),
    # the decisions: the same workflow at both sizes
    Request(
        "introduction-transitions",
        to("introduction-transitions", introduction),
        rows=entries,
        fixed=True,
    ),
    Request("condition-detail", to("condition-detail", condition)),
    Request("review-detail", to("review-detail", review)),
    Request("api-equality-assessment", to("api-equality-assessment", introduction)),
    Request("api-sustainability-assessment", to("api-sustainability-assessment", introduction)),
    CASES,
    replace(CASES, query="?coding=valid&failed=false"),
    Request(
        "api-introduction-operators", to("api-introduction-operators", introduction), rows=entries
    ),
    Request("api-introduction-monitoring", to("api-introduction-monitoring", introduction)),
    Request("api-case", to("api-case", case)),
    # a case's outcomes: baseline, 6 weeks and 3 months at both sizes
    Request("api-case-outcomes", to("api-case-outcomes", case), rows=entries, fixed=True),
    Request("api-adverse-events", to("api-adverse-events"), rows=entries),
    Request("api-adverse-event", to("api-adverse-event", event)),
    Request("api-adverse-event-yellow-card", to("api-adverse-event-yellow-card", event)),
    Request("api-adverse-event-fhir", to("api-adverse-event-fhir", event)),
    # --- the API: reconciliation ----------------------------------------------------------------
    Request("api-reconciliations", to("api-reconciliations"), rows=entries),
    Request("api-reconciliation", to("api-reconciliation", run)),
    Request("api-reconciliation-findings", to("api-reconciliation-findings", run), rows=entries),
    # --- the API: audit history: a full page of 50 at both sizes, and 500 a page, of which the
    # small size fills a part ------------------------------------------------------------------
    Request("history", to("history"), rows=entries, fixed=True),
    Request("history", to("history"), "?model=case&limit=500", rows=entries),
    Request("history-export", to("history-export"), rows=csv_rows),
    Request(
        "introduction-history", to("introduction-history", introduction), rows=entries, fixed=True
    ),
    Request(
        "introduction-history", to("introduction-history", introduction), "?limit=500", rows=entries
    ),
    Request(
        "introduction-history-csv", to("introduction-history-csv", introduction), rows=csv_rows
    ),
    # --- the API: reference data, the same at both sizes -----------------------------------
    Request("coding-codes", to("coding-codes"), rows=entries, fixed=True),
    Request("coding-ruleset-list", to("coding-ruleset-list"), rows=entries, fixed=True),
    Request("coding-ruleset-detail", to("coding-ruleset-detail", ipg366)),
    Request(
        "coding-ruleset-history", to("coding-ruleset-history", ipg366), rows=entries, fixed=True
    ),
    Request("guidance-list", to("guidance-list"), rows=entries),
    Request("guidance-detail", to("guidance-detail", ipg366)),
    # --- pages ----------------------------------------------------------------------------------
    Request("home", to("home")),
    Request("home", to("home"), who="clinician", variant="(clinician)"),
    Request("governance:introduction_list", to("governance:introduction_list"), rows=table_rows),
    Request("governance:introduction_detail", to("governance:introduction_detail", introduction)),
    Request("governance:assessment_summary", to("governance:assessment_summary", introduction)),
    CASE_LIST,
    replace(CASE_LIST, query="?show=follow_up"),
    Request("governance:case_detail", to("governance:case_detail", case)),
    Request(
        "governance:operator_list", to("governance:operator_list", introduction), rows=table_rows
    ),
    # the follow-ups of the cases a clinician logged: the load's clinician logged them all
    Request("governance:follow_ups", to("governance:follow_ups"), who="clinician", rows=table_rows),
    Request("governance:monitoring", to("governance:monitoring", introduction)),
    # the tables' first page: 50 cases at both sizes
    Request(
        "governance:monitoring",
        to("governance:monitoring", introduction),
        query="?page=1",
        rows=table_rows,
        fixed=True,
    ),
    Request(
        "governance:monitoring_csv", to("governance:monitoring_csv", introduction), rows=csv_rows
    ),
    Request(
        "governance:monitoring_chart_svg",
        to("governance:monitoring_chart_svg", introduction, cusum),
    ),
    Request("governance:monitoring_chart", to("governance:monitoring_chart", introduction, cusum)),
    Request("governance:committee_report", to("governance:committee_report", introduction)),
    Request("governance:event_list", to("governance:event_list"), rows=table_rows),
    Request("governance:yellow_card_queue", to("governance:yellow_card_queue"), rows=table_rows),
    Request("governance:event_detail", to("governance:event_detail", event)),
    Request("governance:yellow_card_report", to("governance:yellow_card_report", event)),
    Request(
        "governance:reconciliation_list", to("governance:reconciliation_list"), rows=table_rows
    ),
    Request(
        "governance:reconciliation_detail",
        to("governance:reconciliation_detail", run),
        rows=table_rows,
    ),
    Request(
        "governance:reconciliation_findings_csv",
        to("governance:reconciliation_findings_csv", run),
        rows=csv_rows,
    ),
    # the audit page: 50 entries a page, full at both sizes unfiltered; the events fewer
    replace(AUDIT, fixed=True),
    replace(AUDIT, query=of_introduction, variant="?introduction", fixed=True),
    replace(AUDIT, query="?model=adverseevent"),
    AUDIT_CSV,
    replace(AUDIT_CSV, query=of_introduction, variant="?introduction"),
    # --- the forms a lead opens on the introduction and its rows -----------------------------
    Request("governance:introduction_create", to("governance:introduction_create")),
    Request("governance:case_new", to("governance:case_new", introduction)),
    Request("governance:case_change", to("governance:case_change", case)),
    Request("governance:case_failure", to("governance:case_failure", case)),
    Request("governance:outcome_new", to("governance:outcome_new", case)),
    Request("governance:event_new", to("governance:event_new", introduction)),
    Request("governance:event_new_for_case", to("governance:event_new_for_case", case)),
    Request("governance:event_change", to("governance:event_change", event)),
    Request("coding:check", to("coding:check")),
    # --- administration ------------------------------------------------------------------------
    Request("governance:administration", to("governance:administration"), who="admin"),
    Request("governance:user_list", to("governance:user_list"), who="admin", rows=table_rows),
    Request("governance:user_detail", to("governance:user_detail", person), who="admin"),
    Request(
        "governance:guidance_list", to("governance:guidance_list"), who="admin", rows=table_rows
    ),
    Request("governance:guidance_detail", to("governance:guidance_detail", ipg366), who="admin"),
    Request(
        "coding:ruleset_list", to("coding:ruleset_list"), who="admin", rows=table_rows, fixed=True
    ),
    Request("coding:ruleset_detail", to("coding:ruleset_detail", ipg366), who="admin"),
    Request("coding:catalogue", to("coding:catalogue"), who="admin", rows=table_rows, fixed=True),
)

# Requests whose count grows with the rows today: id -> why. Each is an expected failure until
# it does not grow (strict: then the entry must go).
BATCHES = (
    "the export reads the history 500 entries at a time (audit.history_all): each batch is a page "
    "of the history, a keyset query on the history index and one query a record type and a "
    "related model on it, so about 15 more queries a 500 entries. One batch at the small size, "
    "two at the large; the exports of one introduction, one batch at both sizes, do not grow."
)
GROWS_TODAY: dict[str, str] = {
    "history-export": BATCHES,
    "governance:audit_history_csv": BATCHES,
}

# URL names not in TABLE, and why. The Django admin (admin:...) is the superusers' alone and
# not counted, as a group.
NOT_COUNTED: dict[str, str] = {
    **dict.fromkeys(
        ("healthz", "service_status", "api-schema", "api-docs", "api-not-found"),
        "no rows: the service's health, the API's schema, a 404",
    ),
    **dict.fromkeys(
        ("login", "logout", "password_change", "password_change_done", "api-token"),
        "signing in and out, one's own password",
    ),
    **dict.fromkeys(
        (
            "coding-validate",
            "condition-meet",
            "review-complete",
            "api-equality-assessment-sign-off",
            "api-sustainability-assessment-sign-off",
            "api-finding-explanation",
            "governance:case_check",
            "governance:case_apply_suggestion",
        ),
        "POST only",
    ),
    **dict.fromkeys(
        (
            "governance:introduction_edit",
            "governance:introduction_section",
            "governance:equality_assessment_edit",
            "governance:equality_assessment_part",
            "governance:sustainability_assessment_edit",
        ),
        "the applicant's forms of an application not yet decided: no rows that grow",
    ),
    **dict.fromkeys(
        (
            "governance:introduction_action",
            "governance:condition_meet",
            "governance:review_complete",
            "governance:assessment_sign_off",
            "governance:yellow_card_submitted",
            "governance:yellow_card_not_reportable",
            "governance:yellow_card_reopen",
            "governance:finding_explain",
            "governance:user_create",
            "governance:user_role_give",
            "governance:user_role_remove",
            "governance:user_membership_add",
            "governance:user_membership_remove",
            "governance:guidance_import",
            "governance:guidance_recommendation",
        ),
        "the form of one decision or change: no list",
    ),
    "governance:reconciliation_progress": "a run still going; a finished one redirects",
    **dict.fromkeys(
        ("governance:committee_report_pdf", "governance:yellow_card_pdf"),
        "seconds to render; the context is their pages' (committee_report, yellow_card_report)",
    ),
}


# --- the data -----------------------------------------------------------------------------------


def grow(size: Size) -> World:
    """Add one size's data; returns what its requests name."""
    summary = seed_load(size.plan)
    index_missing()  # as the command does: bulk inserts send no signal
    largest = Introduction.objects.get(pk=summary["introduction"])
    organisation = largest.organisation
    ods = organisation.ods_code.lower()
    lead = get_user_model().objects.get(username=f"{ods}-lead")
    clinician = get_user_model().objects.get(username=f"{ods}-clinician")
    today = timezone.localdate()
    operators = UserFactory.create_batch(size.operators, roles=[roles.CLINICIAN])
    for operator in operators:
        organisations.organisation_add_member(organisation=organisation, user=operator)
        cases.operator_add(
            introduction=largest,
            user=operator,
            evidence="Course and mentored cases",
            approved_on=today,
            actor=lead,
        )
    GuidanceFactory.create_batch(size.guidance)
    runs = []
    for _ in range(size.reconciliations):
        # the demo's extract (one of each kind of finding), of all the introduction's cases
        extract = _extract(list(largest.cases.order_by("performed_on", "pk")), today)
        started = reconciliation.reconciliation_start(
            organisation=organisation,
            file=SimpleUploadedFile("extract.csv", extract, content_type="text/csv"),
            actor=lead,
            background=False,
        )
        run = reconciliation.reconciliation_run(started.pk)
        runs.append(run)
        outside = run.findings.filter(finding="outside_governance").earliest("pk")
        reconciliation.finding_explain(finding=outside, note="Private patient", actor=lead)
    case = (
        largest.cases.annotate(outcomes_=Count("outcomes"))
        .order_by("-outcomes_", "performed_on", "pk")
        .first()
    )
    event = events.adverse_event_record(
        introduction=largest,
        actor=clinician,
        case=case,
        occurred_on=case.performed_on + timedelta(days=3),
        description="The rod broke at 3 days; revised.",
        harm="severe",
        category="device_failure",
        device_involved=True,
    )
    return World(largest, case, event, runs[-1], operators[-1])


def rows_of(world: World) -> dict[str, int]:
    """What grows: of the world's introduction, and of its organisation."""
    introduction = world.introduction
    return {
        "cases": introduction.cases.count(),
        "outcomes": Outcome.objects.filter(case__introduction=introduction).count(),
        "case revisions": Case.history.filter(introduction=introduction, history_type="~").count(),
        "findings": world.reconciliation.findings.count(),
        "organisation's events": AdverseEvent.objects.filter(
            introduction__organisation=introduction.organisation
        ).count(),
    }


# --- the measuring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    status: int
    cold: int  # queries, the cache cleared first
    warm: int  # queries, sent again
    rows: int | None  # of a list
    sql: tuple[str, ...]  # the cold request's, to say which repeat


def body(response: HttpResponseBase) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")  # a chart is a PNG


def sent(client: Client, url: str) -> tuple[int, str, list[str]]:
    """The status, body and queries of a GET. A streamed body is read while counting: its
    queries run as it streams."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        text = body(response)
    return response.status_code, text, [query["sql"] for query in captured.captured_queries]


def clients(world: World) -> dict[str, Client]:
    """A browser signed in as each person; "api": the lead's token."""
    ods = world.introduction.organisation.ods_code.lower()
    User = get_user_model()
    signed_in = {}
    for who, username in (
        ("lead", f"{ods}-lead"),
        ("clinician", f"{ods}-clinician"),
        ("admin", "load-admin"),
    ):
        signed_in[who] = Client()
        signed_in[who].force_login(User.objects.get(username=username))
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=f"{ods}-lead"))
    signed_in["api"] = Client(headers={"Authorization": f"Token {token.key}"})
    return signed_in


def measure(request: Request, world: World, signed_in: dict[str, Client]) -> Measured:
    url = request.url(world)
    client = signed_in["api" if url.startswith("/api/") else request.who]
    client.get(url)
    cache.clear()
    status, text, cold = sent(client, url)
    _, _, warm = sent(client, url)
    rows = request.rows(text) if request.rows and status == 200 else None
    return Measured(status, len(cold), len(warm), rows, tuple(cold))


@dataclass(frozen=True)
class Sizes:
    requests: dict[str, tuple[Measured, Measured]]  # id -> at SMALL, at LARGE
    rows: tuple[dict[str, int], dict[str, int]]


@pytest.fixture(scope="module")
def sizes(django_db_setup, django_db_blocker) -> Sizes:
    """Each request of TABLE at the two sizes; the data is rolled back after."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    measured, rows = [], []
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast):
        with transaction.atomic():
            cache.clear()
            for size in (SMALL, LARGE):
                world = grow(size)
                signed_in = clients(world)
                measured.append({r.id: measure(r, world, signed_in) for r in TABLE})
                rows.append(rows_of(world))
            transaction.set_rollback(True)
        cache.clear()
    small, large = measured
    return Sizes({key: (small[key], large[key]) for key in small}, (rows[0], rows[1]))


# --- the tests ----------------------------------------------------------------------------------


def shape(sql: str) -> str:
    """A query without its columns, numbers, strings and the length of its IN lists."""
    sql = re.sub(r"^SELECT .*? FROM ", "SELECT ... FROM ", sql, flags=re.S)
    sql = re.sub(r"\b\d+\b|'[^']*'|%s", "?", sql)
    return re.sub(r"IN \([?, ]*\)", "IN (...)", sql)


def repeating(small: Measured, large: Measured) -> list[str]:
    """The queries run more (or fewer) times at LARGE, by shape."""
    before, after = Counter(map(shape, small.sql)), Counter(map(shape, large.sql))
    return [
        f"{before[sql]} -> {after[sql]}: {sql[:400]}"
        for sql in sorted(before.keys() | after.keys())
        if before[sql] != after[sql]
    ]


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(
            request,
            id=request.id,
            marks=[pytest.mark.xfail(strict=True, reason=GROWS_TODAY[request.id])]
            if request.id in GROWS_TODAY
            else [],
        )
        for request in TABLE
    ],
)
def test_a_request_runs_as_many_queries_with_three_times_the_rows(request_, sizes):
    small, large = sizes.requests[request_.id]

    assert (small.status, large.status) == (200, 200)
    if request_.rows is not None:
        assert small.rows > 0, "the list shows no rows: the count measures nothing"
        assert request_.fixed or large.rows > small.rows, "the larger size shows no more rows"
    counts = {"cold": (small.cold, large.cold), "warm": (small.warm, large.warm)}
    assert small.cold == large.cold and small.warm == large.warm, (
        f"{request_.id}: queries (small, large) {counts}; repeating:\n"
        + "\n".join(repeating(small, large))
    )
    assert large.cold <= CEILING, f"{request_.id}: {large.cold} queries"


def test_the_larger_size_has_three_times_the_rows(sizes):
    small, large = sizes.rows

    assert large["cases"] == 3 * small["cases"]
    assert all(large[key] >= 2 * small[key] > 0 for key in small), sizes.rows


def test_every_route_is_counted_or_says_why_not():
    counted = {request.name for request in TABLE}
    names = {route.name for route in routes() if not route.name.startswith("admin:")}

    assert len({request.id for request in TABLE}) == len(TABLE), "two requests of one id"
    assert names - counted - NOT_COUNTED.keys() == set(), "add them to TABLE or NOT_COUNTED"
    assert counted & NOT_COUNTED.keys() == set()
    assert (counted | NOT_COUNTED.keys()) - names == set(), "no such route any more"
