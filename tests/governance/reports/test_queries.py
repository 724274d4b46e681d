"""The committee report reads what it shows in a fixed number of queries: the same with 3
cases and their events as with 24 (reports/content.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from governance.cases import services as cases
from governance.events import services as events
from tests.governance.cases.conftest import CONTEXT, TODAY, VALID

from .conftest import report_url

pytestmark = pytest.mark.django_db

# The session and the user, the monitoring's stamp, then the paper: one query a kind of row.
MAX_QUERIES = 16


def more_cases(committee, actor, count: int) -> None:
    """`count` more cases, each with a baseline outcome and an adverse event."""
    for n in range(count):
        case = cases.case_log(
            introduction=committee.introduction,
            actor=actor,
            codes=VALID,
            performed_on=TODAY - timedelta(days=40 + n),
            local_reference=f"H-3{n:03d}",
            major_complication=n % 4 == 0,
            **CONTEXT,
        )
        cases.outcome_record(
            case=case,
            actor=actor,
            timepoint="baseline",
            collected_on=case.performed_on,
            odi=40 + n % 20,
        )
        events.adverse_event_record(
            introduction=committee.introduction,
            actor=actor,
            case=case,
            occurred_on=case.performed_on,
            description="Wound ooze.",
            harm="low",
            category="wound",
        )


def test_the_page_costs_the_same_with_3_cases_or_24(
    client, lead, applicant, committee, django_assert_max_num_queries
):
    def count() -> int:
        client.force_login(get_user_model().objects.get(pk=lead.pk))  # nothing cached
        with django_assert_max_num_queries(MAX_QUERIES) as captured:
            assert client.get(report_url(committee.introduction)).status_code == 200
        return len(captured)

    few = count()
    more_cases(committee, applicant, 21)

    assert count() == few
