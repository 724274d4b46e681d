"""The admin: rule-set changes go through the service (a new version, who and why); history
is read only."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from coding.models import Code, RuleSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(admin_user):
    admin_user.is_superuser = True
    admin_user.save()
    return admin_user


def test_changing_a_rule_set_in_the_admin_makes_a_new_version_with_the_reason(
    client, superuser, ipg366, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    definition = {**ipg366.definition, "spinal_categories": ["V40"]}

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("admin:coding_ruleset_change", args=[ipg366.pk]),
            {"definition": json.dumps(definition), "reason": "Only V40 is spinal here"},
        )

    assert response.status_code == 302
    ipg366.refresh_from_db()
    assert ipg366.version == 2
    assert ipg366.definition["spinal_categories"] == ["V40"]
    latest = ipg366.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        superuser,
        "Only V40 is spinal here",
    )
    revalidations = [c for c in callbacks if "_enqueue_revalidation" in c.__qualname__]
    assert len(revalidations) == 1  # the stored codings are checked against version 2


def test_the_admin_refuses_a_definition_the_engine_refuses(client, superuser, ipg366):
    client.force_login(superuser)
    definition = {**ipg366.definition, "procedure_codes": []}

    response = client.post(
        reverse("admin:coding_ruleset_change", args=[ipg366.pk]),
        {"definition": json.dumps(definition), "reason": "Broken"},
    )

    assert response.status_code == 200
    assert "needs at least one procedure code" in response.content.decode()
    assert RuleSet.objects.get(pk=ipg366.pk).version == 1


def test_a_code_added_in_the_admin_is_normalised_and_recorded(client, superuser):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:coding_code_add"), {"code": " v402 ", "title": "Rigid stabilisation"}
    )

    assert response.status_code == 302
    code = Code.objects.get(code="V40.2")
    assert code.history.get().history_user == superuser


def test_history_cannot_be_reverted_from_the_admin(client, superuser, ipg366):
    client.force_login(superuser)
    record = ipg366.history.get()
    url = reverse("admin:coding_ruleset_simple_history", args=[ipg366.pk, record.history_id])

    assert client.get(url).status_code == 200
    assert client.post(url, {"definition": "{}"}).status_code == 403
    assert RuleSet.objects.get(pk=ipg366.pk).version == 1
