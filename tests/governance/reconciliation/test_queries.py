"""The findings cost the same queries for a few as for many, on the API and the page: findings
of every kind, on cases of two introductions, explained by two leads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.reconciliation import services
from tests.factories import IntroductionFactory

from .conftest import LEVELS_MISSING, RIGHT, TODAY, csv_bytes

pytestmark = pytest.mark.django_db

# Valid NHS numbers (modulus 11), one a case.
PATIENTS = [
    "9434765919",
    "9434765870",
    "4010232137",
    "9434765838",
    "9434765846",
    "9434765854",
    "9434765862",
    "9434765889",
    "9434765897",
    "9434765900",
]


@pytest.fixture
def run_of(reconcile, log_case, live, ipg366, applicant, lead, other_lead):
    """`run_of(n)`: a run of about 4n findings: n miscoded on cases of two introductions, n
    outside governance, n unreadable, the cases of no episode; every other one explained,
    by one lead or the other."""
    second = IntroductionFactory(status="approved", applicant=applicant, guidance__ruleset=ipg366)

    def make(n: int):
        rows = []
        for i in range(n):
            patient = PATIENTS[i % len(PATIENTS)]
            days = 10 + 7 * i
            log_case(days_ago=days, nhs_number=patient, introduction=live if i % 2 else second)
            on = (TODAY - timedelta(days=days)).isoformat()
            rows.append(f"M{i},{patient},{on},{LEVELS_MISSING}")
            rows.append(f"O{i},9000000009,{on},{RIGHT}")
            rows.append(f"R{i},,{on},{RIGHT}")
        log_case(days_ago=12, nhs_number="9434765919")  # no episode: within the period
        run = reconcile(csv_bytes(*rows))
        for number, finding in enumerate(run.findings.order_by("pk")):
            if number % 2:
                actor = lead if number % 4 == 1 else other_lead
                services.finding_explain(finding=finding, note=f"Seen {number}", actor=actor)
        return run

    return make


def count(client, path: str, **headers) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize(
    "query",
    ["", "?finding=miscoded", "?explained=false", "?finding=outside_governance&explained=true"],
)
def test_the_findings_api_costs_the_same_for_a_few_or_many(
    run_of, api_as, lead, django_assert_max_num_queries, query
):
    few_run, many_run = run_of(2), run_of(12)
    client = api_as(lead)

    few, _ = count(client, f"/api/v1/reconciliations/{few_run.pk}/findings/{query}")
    with django_assert_max_num_queries(few):
        response = client.get(f"/api/v1/reconciliations/{many_run.pk}/findings/{query}")

    assert len(response.json()["results"]) >= 3
    assert few <= 6


@pytest.mark.parametrize("query", ["", "?finding=miscoded", "?explained=true"])
def test_the_run_page_costs_the_same_for_a_few_or_many(
    run_of, client, lead, django_assert_max_num_queries, query
):
    few_run, many_run = run_of(2), run_of(12)
    client.force_login(lead)

    few, _ = count(client, reverse("governance:reconciliation_detail", args=[few_run.pk]) + query)
    with django_assert_max_num_queries(few):
        response = client.get(
            reverse("governance:reconciliation_detail", args=[many_run.pk]) + query
        )

    assert len(response.context["rows"]) >= 3
    assert few <= 12


def test_the_list_of_runs_and_the_home_page_cost_the_same_for_one_or_many(
    run_of, client, lead, django_assert_max_num_queries
):
    run_of(1)
    client.force_login(lead)
    few_list, _ = count(client, reverse("governance:reconciliation_list"))
    few_home, _ = count(client, "/")
    for _ in range(3):
        run_of(2)

    with django_assert_max_num_queries(few_list):
        client.get(reverse("governance:reconciliation_list"))
    with django_assert_max_num_queries(few_home):
        client.get("/")
