"""The API keeps to its own schema, whatever a client sends (issue 14): schemathesis reads
/api/schema/ from the app in process (WSGI, no server) and sends every operation requests made
from the schema, as a clinician and as a governance lead of the demo data (`seed_demo`), each
with a token. Every answer must be no 500, a status code the operation documents, a body that
conforms to the documented schema, with the documented content type.

Deterministic: Hypothesis is derandomized (the examples follow from the schema alone) and
keeps no example database, so a run fails every time or never. The budget (EXAMPLES a
operation and persona) keeps the run to a couple of minutes on SQLite.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from governance.models import AdverseEvent, Case, Introduction, Reconciliation

pytestmark = pytest.mark.django_db

EXAMPLES = 40  # a operation and persona: about 3,900 requests, under a minute on SQLite
PERSONAS = ("clinician", "lead")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--password", "not-used-here", verbosity=0)
    # The WSGI application is called here directly, not through Django's test client, which
    # is what keeps a request from closing the test's connection (close_old_connections on
    # request_started and request_finished): on PostgreSQL that closes the connection holding
    # the test's transaction, and every later request would meet a closed connection.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
        cache.clear()


def _token(username: str) -> str:
    user = get_user_model().objects.get(username=username)
    return Token.objects.get_or_create(user=user)[0].key


def _real_ids() -> dict[str, list[dict[str, Any]]]:
    """Path parameters of records that exist, by the path's first segment, so that requests
    reach the records and not only 404s (the generated ids are kept half the time)."""
    introductions = list(Introduction.objects.order_by("pk"))
    approved = next(i for i in introductions if i.status == "approved")
    reconciliation = Reconciliation.objects.order_by("pk").first()
    findings = list(reconciliation.findings.values_list("pk", flat=True)[:2])
    return {
        "introductions": [{"id": i.pk} for i in introductions],
        "cases": [{"id": pk} for pk in Case.objects.values_list("pk", flat=True)[:3]],
        "adverse-events": [{"id": pk} for pk in AdverseEvent.objects.values_list("pk", flat=True)],
        "conditions": [{"id": pk} for pk in approved.conditions.values_list("pk", flat=True)],
        "reviews": [{"id": pk} for pk in approved.reviews.values_list("pk", flat=True)],
        "reconciliations": [{"id": reconciliation.pk, "finding_id": pk} for pk in findings],
        "guidance": [{"reference": "IPG366"}],
        "coding": [{"name": "IPG366"}],
    }


def _strategy(operation, real: dict[str, list[dict[str, Any]]]):
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    if "{" in operation.path:
        segment = operation.path.removeprefix("/api/v1/").split("/")[0]
        wanted = set(re.findall(r"{(\w+)}", operation.path))
        for params in real.get(segment, []):
            known = {name: value for name, value in params.items() if name in wanted}
            if set(known) == wanted:
                strategies.append(
                    operation.as_strategy(
                        generation_mode=GenerationMode.POSITIVE, path_parameters=known
                    )
                )
    return st.one_of(strategies)


def _summary(error: BaseException) -> str:
    """Each failure's title, the answer's status line and the request as curl (schemathesis's
    own report runs to pages)."""
    parts = getattr(error, "exceptions", None) or [error]
    lines = [f"  {type(part).__name__}: {str(part)[:300]}" for part in parts]
    context = [
        line.strip()
        for line in getattr(error, "message", str(error)).splitlines()
        if line.strip().startswith(("[", "curl"))
    ]
    return "\n".join(lines + [f"  {line[:300]}" for line in context])


def _fuzz(operation, strategy, auth: dict[str, str], sent: list[int]) -> None:
    @FUZZ
    @given(case=strategy)
    def run(case) -> None:
        sent.append(1)
        response = case.call(headers=auth)
        case.validate_response(response, checks=CHECKS, headers=auth)

    run()


def test_every_operation_keeps_to_the_schema_as_a_clinician_and_as_a_lead(demo):
    tokens = {name: _token(name) for name in PERSONAS}
    headers = {"Authorization": f"Token {tokens['lead']}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application, headers=headers
    )
    real = _real_ids()
    failures: list[str] = []
    sent: list[int] = []

    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for persona in PERSONAS:
            auth = {"Authorization": f"Token {tokens[persona]}"}
            try:
                _fuzz(operation, _strategy(operation, real), auth, sent)
            except (Exception, BaseExceptionGroup) as error:  # one report for the whole API
                failures.append(f"{persona}: {operation.label}\n{_summary(error)}")

    print(f"schemathesis: {len(operations)} operations, {len(sent)} requests")
    assert len(operations) > 40  # the whole API, not a schema that failed to load
    assert not failures, "\n\n".join(failures)
