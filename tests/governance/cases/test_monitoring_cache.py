"""The monitoring is kept by the introduction's last change, never by time: whatever changes a
case, an outcome or an adverse event shows in the next answer, in every process (each worker
of its own cache, as gunicorn's are without Redis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.cases import services
from governance.events import services as events

from .conftest import CONTEXT, TODAY, VALID
from .test_pages_monitoring import text

pytestmark = pytest.mark.django_db


def worker(name: str):
    """Requests served by worker `name`: a local-memory cache that no other worker sees."""
    backend = "django.core.cache.backends.locmem.LocMemCache"
    return override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": name}})


def monitoring_url(introduction) -> str:
    return f"/api/v1/introductions/{introduction.pk}/monitoring/"


def answer(api, introduction) -> dict:
    response = api.get(monitoring_url(introduction))
    assert response.status_code == 200
    return response.json()


def test_a_case_logged_through_the_api_shows_in_the_next_answer_of_every_worker(
    api_as, applicant, live, log_case
):
    log_case(days_ago=3)
    api = api_as(applicant)
    for name in ("a", "b"):
        with worker(name):
            assert answer(api, live)["cases"] == 1

    with worker("a"):
        logged = api.post(
            f"/api/v1/introductions/{live.pk}/cases/",
            {"performed_on": (TODAY - timedelta(days=1)).isoformat(), "codes": VALID,
             "device_failure": True, **CONTEXT},
            format="json",
        )  # fmt: skip
    assert logged.status_code == 201, logged.json()

    for name in ("b", "a"):
        with worker(name):
            data = answer(api, live)
        assert (data["cases"], data["failures"]) == (2, 1)
        assert data["cusum"][-1]["case"] == logged.json()["id"]


def test_a_failure_recorded_on_the_case_page_shows_on_the_monitoring_page(
    client, applicant, live, log_case
):
    case = log_case(days_ago=2)
    log_case(days_ago=1)
    client.force_login(applicant)
    page = reverse("governance:monitoring", args=[live.pk])
    with worker("b"):
        before = text(client.get(page))

    with worker("a"):
        client.post(
            reverse("governance:case_failure", args=[case.pk]),
            {"failures": ["major_complication"]},
        )
    with worker("b"):
        after = text(client.get(page))

    assert "Failures 0" in before
    assert "Failures 1 (50%)" in after


def test_an_outcome_recorded_changes_the_prom_summary(api_as, applicant, live, log_case):
    case = log_case(days_ago=100)
    services.outcome_record(
        case=case,
        actor=applicant,
        timepoint="baseline",
        odi=50,
        collected_on=TODAY - timedelta(101),
    )
    api = api_as(applicant)
    assert answer(api, live)["prom"]["patients"] == 0

    recorded = api.post(
        f"/api/v1/cases/{case.pk}/outcomes/",
        {"timepoint": "3m", "odi": 30, "collected_on": (TODAY - timedelta(days=5)).isoformat()},
        format="json",
    )

    assert recorded.status_code == 201, recorded.json()
    assert answer(api, live)["prom"] == {
        "patients": 1,
        "mean_odi_change": -20.0,
        "share_odi_improved_30": 1.0,
    }


def test_an_adverse_event_that_fails_the_case_counts_until_it_is_changed_not_to(
    api_as, applicant, lead, live, log_case
):
    case = log_case(days_ago=5)
    api = api_as(lead)
    assert answer(api, live)["failures"] == 0

    event = events.adverse_event_record(
        introduction=live,
        actor=applicant,
        case=case,
        occurred_on=TODAY - timedelta(days=4),
        description="The cord pulled out of the upper screw head.",
        harm="moderate",
        category="device_failure",
    )
    failed = answer(api, live)
    events.adverse_event_update(
        event=event, actor=lead, reason="Not the device", harm="low", category="wound"
    )
    not_failed = answer(api, live)

    assert failed["failures"] == 1 and failed["cusum"][0]["failed"] is True
    assert not_failed["failures"] == 0 and not_failed["cusum"][0]["failed"] is False


def test_the_charts_follow_the_cases(client, lead, live, log_case):
    log_case(days_ago=3)
    client.force_login(lead)
    chart = reverse("governance:monitoring_chart_svg", args=[live.pk, "cusum"])
    quiet = client.get(chart).content.decode()

    log_case(days_ago=2, device_failure=True)
    log_case(days_ago=1, major_complication=True)  # S = 0.575 + 0.693: over h = 1

    assert "Signal" not in quiet
    assert "Signal" in client.get(chart).content.decode()


def test_a_change_of_the_monitoring_plan_shows_at_once(api_as, lead, live, log_case):
    log_case(days_ago=2, device_failure=True)
    log_case(days_ago=1, device_failure=True)
    api = api_as(lead)
    assert answer(api, live)["signal"] is True

    live.cusum_h = 5.0
    live.save()

    data = answer(api, live)
    assert (data["h"], data["signal"], data["signal_at_case"]) == (5.0, False, None)


def test_a_change_rolled_back_never_shows(api_as, lead, live, log_case):
    # Logging a case checks the CUSUM, which reads (and keeps) the monitoring before its
    # transaction commits: a rolled-back change must not leave that behind for a later one.
    log_case(days_ago=3)
    api = api_as(lead)
    answer(api, live)
    with pytest.raises(RuntimeError), transaction.atomic():
        log_case(days_ago=2, device_failure=True)
        raise RuntimeError("rolled back")

    kept = log_case(days_ago=1)

    data = answer(api, live)
    assert (data["cases"], data["failures"]) == (2, 0)
    assert data["cusum"][-1]["case"] == kept.pk


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("endpoint", ["page", "api"])
def test_the_page_and_the_api_cost_the_same_queries_with_3_cases_or_120(
    client, api_as, lead, live, log_case, endpoint
):
    if endpoint == "page":
        client.force_login(lead)
        path = reverse("governance:monitoring", args=[live.pk])
    else:
        client = api_as(lead)
        path = monitoring_url(live)

    def cold_and_warm() -> tuple[int, int]:
        cache.clear()
        return queries(client, path), queries(client, path)

    for days_ago in range(3):
        log_case(days_ago=days_ago, device_failure=days_ago == 1)
    client.get(path)  # the session and the roles
    few = cold_and_warm()
    for days_ago in range(3, 120):
        log_case(days_ago=days_ago, device_failure=days_ago % 10 == 0)

    assert cold_and_warm() == few
    assert few[1] < few[0]  # kept: the cases and outcomes are not read again


def test_the_case_counts_follow_each_change_of_a_case_an_event_and_a_rule_set(
    client, applicant, live, log_case, ipg366, admin_user
):
    """The introduction's counts (all, coding needs attention, failures, follow-up due) are
    kept with its monitoring: each write that changes one renews them, in every worker."""
    from coding import services as coding

    log_case(days_ago=400)
    client.force_login(applicant)
    page = reverse("governance:case_list", args=[live.pk])

    def filters(name: str) -> str:
        with worker(name):
            return text(client.get(page))

    before = filters("a")
    assert "Coding needs attention (0)" in before and "Failures (0)" in before
    assert filters("b") == before
    second = log_case(days_ago=1)
    events.adverse_event_record(
        introduction=live,
        actor=applicant,
        case=second,
        occurred_on=second.performed_on,
        detected_on=second.performed_on,
        description="The rod broke.",
        harm="severe",
        category="device_failure",
    )
    for name in ("a", "b"):
        after = filters(name)
        assert "Coding needs attention (0)" in after and "Failures (1)" in after
    definition = {**ipg366.definition, "procedure_codes": ["V40.2"]}  # every coding now invalid
    coding.ruleset_update(ruleset=ipg366, definition=definition, actor=admin_user, reason="Test")
    coding.codings_revalidate(ruleset=ipg366)

    for name in ("a", "b"):
        after = filters(name)
        assert "Coding needs attention (2)" in after and "Failures (1)" in after
