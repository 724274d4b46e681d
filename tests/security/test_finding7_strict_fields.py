"""Finding 7: the API ignored fields it does not write and coerced values of the wrong type.

`PATCH {"status": "approved"}` answered 200 (and changed nothing, silently); `"title": 123`
was stored as "123"; `"supplier_carbon_plan": "yes"` became true. Now every writing endpoint
refuses, with a 400 naming the field, a key that is read-only or unknown and a value of the
wrong JSON type, and changes nothing. On the demo data (`seed_demo`), as its users.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from governance.assessments.models import Characteristic
from governance.models import AdverseEvent, Case, Introduction, Reconciliation

pytestmark = pytest.mark.django_db

API = "/api/v1"
READ_ONLY = "This field is read-only."
UNKNOWN = "Unknown field."
TODAY = timezone.localdate()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data, made once for this module and rolled back after it (each test runs in
    a savepoint inside)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--password", "not-used-here", verbosity=0)
        yield
        transaction.set_rollback(True)
    cache.clear()


@pytest.fixture
def as_user(demo, db) -> Callable[[str], APIClient]:
    def client(username: str) -> APIClient:
        api = APIClient()
        api.force_authenticate(get_user_model().objects.get(username=username))
        return api

    return client


def _draft() -> Introduction:
    return Introduction.objects.get(status="draft")  # clinician2's


def _approved() -> Introduction:
    return Introduction.objects.get(status="approved")  # clinician's, with cases and events


def _case() -> Case:
    return _approved().cases.order_by("pk").first()


def _event() -> AdverseEvent:
    return AdverseEvent.objects.order_by("pk").first()


def _impacts() -> list[dict[str, Any]]:
    return [{"characteristic": name, "impact": None} for name in Characteristic.values]


def _new_introduction() -> dict[str, Any]:
    return {"guidance": "IPG366", "title": "Another site", "department": "Spinal surgery"}


def _new_case() -> dict[str, Any]:
    return {"performed_on": YESTERDAY, "codes": ["V40.1", "Z67.6"], "approach": "open"}


def _new_event() -> dict[str, Any]:
    return {
        "introduction": _approved().pk,
        "occurred_on": YESTERDAY,
        "description": "Wound infection",
        "harm": "low",
    }


# (who, method, url, body, the fields that must be refused as read-only, a fingerprint of
# what the request would change: equal before and after)
READ_ONLY_BODIES: dict[str, tuple[Any, ...]] = {
    "create an introduction": (
        "clinician",
        "post",
        lambda: f"{API}/introductions/",
        lambda: {**_new_introduction(), "status": "approved", "applicant": "lead"},
        ("status", "applicant"),
        lambda: Introduction.objects.count(),
    ),
    "change an introduction": (
        "clinician2",
        "patch",
        lambda: f"{API}/introductions/{_draft().pk}/",
        lambda: {"title": "Renamed", "status": "approved", "applicant": 1, "id": 999},
        ("status", "applicant", "id"),
        lambda: (_draft().title, _draft().status, _draft().applicant_id),
    ),
    "take a workflow action": (
        "clinician2",
        "post",
        lambda: f"{API}/introductions/{_draft().pk}/transitions/",
        lambda: {"action": "submit", "status": "approved"},
        ("status",),
        lambda: _draft().status,
    ),
    "fill in the equality assessment": (
        "clinician2",
        "put",
        lambda: f"{API}/introductions/{_draft().pk}/equality-assessment/",
        lambda: {
            "impacts": _impacts(),
            "psed_aims": "Met",
            "status": "signed_off",
            "signed_off_by": "lead",
            "signed_off_at": "2024-01-01T00:00:00Z",
        },
        ("status", "signed_off_by", "signed_off_at"),
        lambda: _draft().history.count(),
    ),
    "fill in the sustainability assessment": (
        "clinician2",
        "put",
        lambda: f"{API}/introductions/{_draft().pk}/sustainability-assessment/",
        lambda: {"supplier_carbon_plan": True, "status": "signed_off", "missing": []},
        ("status", "missing"),
        lambda: hasattr(Introduction.objects.get(pk=_draft().pk), "sustainability_assessment"),
    ),
    "log a case": (
        "clinician",
        "post",
        lambda: f"{API}/introductions/{_approved().pk}/cases/",
        lambda: {**_new_case(), "failed": False, "logged_by": "lead", "coding": {"valid": True}},
        ("failed", "logged_by", "coding"),
        lambda: Case.objects.count(),
    ),
    "change a case": (
        "clinician",
        "patch",
        lambda: f"{API}/cases/{_case().pk}/",
        lambda: {"device_failure": True, "failed": False, "introduction": 1},
        ("failed", "introduction"),
        lambda: (_case().device_failure, _case().introduction_id),
    ),
    "record an outcome": (
        "clinician",
        "post",
        lambda: f"{API}/cases/{_case().pk}/outcomes/",
        lambda: {
            "timepoint": "24m",
            "collected_on": YESTERDAY,
            "odi": 20,
            "recorded_by": "lead",
            "case": 1,
        },
        ("recorded_by", "case"),
        lambda: _case().outcomes.count(),
    ),
    "approve an operator": (
        "lead",
        "post",
        lambda: f"{API}/introductions/{_approved().pk}/operators/",
        lambda: {
            "user": "clinician2",
            "evidence": "Course and ten mentored cases",
            "approved_on": YESTERDAY,
            "added_by": "lead2",
        },
        ("added_by",),
        lambda: _approved().operators.count(),
    ),
    "record an adverse event": (
        "clinician",
        "post",
        lambda: f"{API}/adverse-events/",
        lambda: {**_new_event(), "yellow_card": {"status": "submitted"}, "serious": False},
        ("yellow_card", "serious"),
        lambda: AdverseEvent.objects.count(),
    ),
    "change an adverse event": (
        "clinician",
        "patch",
        lambda: f"{API}/adverse-events/{_event().pk}/",
        lambda: {"description": "Changed", "reporter": "lead", "yellow_card": {}},
        ("reporter", "yellow_card"),
        lambda: (_event().description, _event().reporter_id, _event().yellow_card),
    ),
    "decide a Yellow Card": (
        "lead",
        "post",
        lambda: f"{API}/adverse-events/{_event().pk}/yellow-card/",
        lambda: {"status": "not_reportable", "reason": "No device", "overdue": False},
        (),
        lambda: _event().yellow_card,
    ),
    "validate a coded episode": (
        "clinician",
        "post",
        lambda: f"{API}/coding/validate/",
        lambda: {"ruleset": "IPG366", "codes": ["V40.1"], "valid": True},
        ("valid",),
        lambda: None,
    ),
    "explain a finding": (
        "lead",
        "post",
        lambda: (
            f"{API}/reconciliations/{Reconciliation.objects.first().pk}/findings/"
            f"{Reconciliation.objects.first().findings.first().pk}/explanation/"
        ),
        lambda: {"note": "Private patient", "explained": True, "explained_by": "lead"},
        ("explained", "explained_by"),
        lambda: Reconciliation.objects.first().findings.first().explained_at,
    ),
}


def _call(as_user, who: str, method: str, url: str, body: dict[str, Any]):
    return getattr(as_user(who), method)(url, body, format="json")


@pytest.mark.parametrize("endpoint", list(READ_ONLY_BODIES))
def test_a_read_only_or_unknown_field_is_refused_by_name_and_nothing_changes(as_user, endpoint):
    who, method, url, body, read_only, state = READ_ONLY_BODIES[endpoint]
    sent = {**body(), "colour": "blue"}
    before = state()

    response = _call(as_user, who, method, url(), sent)

    assert response.status_code == 400, response.content
    errors = response.json()
    assert errors["colour"] == [UNKNOWN]
    for field in read_only:
        assert errors[field] == [READ_ONLY], field
    assert state() == before


def test_patching_the_status_of_an_introduction_is_refused_not_ignored(as_user):
    introduction = _draft()

    response = as_user("clinician2").patch(
        f"{API}/introductions/{introduction.pk}/", {"status": "approved"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"status": [READ_ONLY]}
    introduction.refresh_from_db()
    assert introduction.status == "draft"


def test_an_unknown_key_inside_a_nested_object_is_refused_by_its_path(as_user):
    response = as_user("clinician2").patch(
        f"{API}/introductions/{_draft().pk}/",
        {"monitoring": {"cusum_p0": 0.05, "cusum_p3": 0.2}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"monitoring": {"cusum_p3": [UNKNOWN]}}


def test_a_reconciliation_upload_refuses_a_read_only_field(as_user):
    extract = SimpleUploadedFile("extract.csv", b"episode_id,nhs_number,performed_on\n")
    runs = Reconciliation.objects.count()

    response = as_user("lead").post(
        f"{API}/reconciliations/", {"file": extract, "status": "done"}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {"status": [READ_ONLY]}
    assert Reconciliation.objects.count() == runs


# --- types ----------------------------------------------------------------------------------

# (who, method, url, body, the path of the refused field in the errors)
WRONG_TYPES: dict[str, tuple[Any, ...]] = {
    "a number as an introduction's title": (
        "clinician2",
        "patch",
        lambda: f"{API}/introductions/{_draft().pk}/",
        lambda: {"title": 123},
        ("title",),
    ),
    "text as a monitoring count": (
        "clinician2",
        "patch",
        lambda: f"{API}/introductions/{_draft().pk}/",
        lambda: {"monitoring": {"first_review_after_cases": "10"}},
        ("monitoring", "first_review_after_cases"),
    ),
    "text as a CUSUM threshold": (
        "clinician2",
        "patch",
        lambda: f"{API}/introductions/{_draft().pk}/",
        lambda: {"monitoring": {"cusum_h": "3.5"}},
        ("monitoring", "cusum_h"),
    ),
    "text as a device id": (
        "clinician2",
        "patch",
        lambda: f"{API}/introductions/{_draft().pk}/",
        lambda: {"devices": ["1"]},
        ("devices",),
    ),
    "a number as a new introduction's department": (
        "clinician",
        "post",
        lambda: f"{API}/introductions/",
        lambda: {**_new_introduction(), "department": 7},
        ("department",),
    ),
    "a number as a transition's reason": (
        "clinician2",
        "post",
        lambda: f"{API}/introductions/{_draft().pk}/transitions/",
        lambda: {"action": "submit", "reason": 5},
        ("reason",),
    ),
    '"yes" as the supplier carbon plan': (
        "clinician2",
        "put",
        lambda: f"{API}/introductions/{_draft().pk}/sustainability-assessment/",
        lambda: {"supplier_carbon_plan": "yes"},
        ("supplier_carbon_plan",),
    ),
    "1 as the supplier carbon plan": (
        "clinician2",
        "put",
        lambda: f"{API}/introductions/{_draft().pk}/sustainability-assessment/",
        lambda: {"supplier_carbon_plan": 1},
        ("supplier_carbon_plan",),
    ),
    "text as the kgCO2e a case": (
        "clinician2",
        "put",
        lambda: f"{API}/introductions/{_draft().pk}/sustainability-assessment/",
        lambda: {"kgco2e_per_case": "12.5"},
        ("kgco2e_per_case",),
    ),
    "a number as equality evidence": (
        "clinician2",
        "put",
        lambda: f"{API}/introductions/{_draft().pk}/equality-assessment/",
        lambda: {"impacts": _impacts(), "psed_aims": 3},
        ("psed_aims",),
    ),
    "text as a case's levels": (
        "clinician",
        "post",
        lambda: f"{API}/introductions/{_approved().pk}/cases/",
        lambda: {**_new_case(), "levels": "2"},
        ("levels",),
    ),
    "1 as a case's device failure": (
        "clinician",
        "patch",
        lambda: f"{API}/cases/{_case().pk}/",
        lambda: {"device_failure": 1},
        ("device_failure",),
    ),
    '"true" as a major complication': (
        "clinician",
        "patch",
        lambda: f"{API}/cases/{_case().pk}/",
        lambda: {"major_complication": "true"},
        ("major_complication",),
    ),
    "a number as a device lot": (
        "clinician",
        "patch",
        lambda: f"{API}/cases/{_case().pk}/",
        lambda: {"device_lot": 4711},
        ("device_lot",),
    ),
    "text as an ODI": (
        "clinician",
        "post",
        lambda: f"{API}/cases/{_case().pk}/outcomes/",
        lambda: {"timepoint": "24m", "collected_on": YESTERDAY, "odi": "50"},
        ("odi",),
    ),
    "text as an EQ-5D index": (
        "clinician",
        "post",
        lambda: f"{API}/cases/{_case().pk}/outcomes/",
        lambda: {"timepoint": "24m", "collected_on": YESTERDAY, "eq5d_index": "0.5"},
        ("eq5d_index",),
    ),
    '"yes" as device involved': (
        "clinician",
        "post",
        lambda: f"{API}/adverse-events/",
        lambda: {**_new_event(), "device_involved": "yes"},
        ("device_involved",),
    ),
    "text as an event's case": (
        "clinician",
        "post",
        lambda: f"{API}/adverse-events/",
        lambda: {**_new_event(), "case": str(_case().pk)},
        ("case",),
    ),
    "a number as a device's serial number": (
        "clinician",
        "patch",
        lambda: f"{API}/adverse-events/{_event().pk}/",
        lambda: {"device": {"serial_number": 12345}},
        ("device", "serial_number"),
    ),
    "a number as a Yellow Card reference": (
        "lead",
        "post",
        lambda: f"{API}/adverse-events/{_event().pk}/yellow-card/",
        lambda: {"status": "submitted", "reference": 42, "submitted_on": YESTERDAY},
        ("reference",),
    ),
    "text as the levels of a coded episode": (
        "clinician",
        "post",
        lambda: f"{API}/coding/validate/",
        lambda: {"ruleset": "IPG366", "codes": ["V40.1"], "context": {"levels": "2"}},
        ("context", "levels"),
    ),
}


@pytest.mark.parametrize("case", list(WRONG_TYPES))
def test_a_value_of_the_wrong_type_is_refused_by_name(as_user, case):
    who, method, url, body, path = WRONG_TYPES[case]

    response = _call(as_user, who, method, url(), body())

    assert response.status_code == 400, response.content
    errors = response.json()
    for part in path:
        assert part in errors, (part, errors)
        errors = errors[part]
    assert isinstance(errors, list) and errors, errors


def test_a_title_given_as_a_number_is_not_stored_as_text(as_user):
    introduction = _draft()

    response = as_user("clinician2").patch(
        f"{API}/introductions/{introduction.pk}/", {"title": 123}, format="json"
    )

    assert response.json() == {"title": ["Not a valid string."]}
    introduction.refresh_from_db()
    assert introduction.title != "123"


def test_yes_is_not_taken_for_a_supplier_carbon_plan(as_user):
    url = f"{API}/introductions/{_draft().pk}/sustainability-assessment/"

    response = as_user("clinician2").put(url, {"supplier_carbon_plan": "yes"}, format="json")

    assert response.json() == {"supplier_carbon_plan": ["Must be true or false."]}
    assert as_user("clinician2").get(url).json()["supplier_carbon_plan"] is None


def test_json_true_and_false_and_numbers_are_still_taken(as_user):
    url = f"{API}/introductions/{_draft().pk}/sustainability-assessment/"

    response = as_user("clinician2").put(
        url, {"supplier_carbon_plan": False, "kgco2e_per_case": 12.5}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["supplier_carbon_plan"] is False
    assert response.json()["kgco2e_per_case"] == 12.5
