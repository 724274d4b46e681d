"""guidance_upsert (import_guidance calls it) and guidance_set_recommendation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from governance.errors import NotPermitted
from governance.models import Guidance
from governance.organisations import services
from tests.factories import coding_ruleset

pytestmark = pytest.mark.django_db


def test_it_creates_guidance_by_reference_with_its_history(admin_user):
    ruleset = coding_ruleset()

    guidance = services.guidance_upsert(
        reference="ipg 366",
        title="Non-rigid stabilisation techniques for the treatment of low back pain",
        supersedes="IPG183",
        ruleset=ruleset,
        actor=admin_user,
    )

    guidance.refresh_from_db()
    assert (guidance.reference, guidance.supersedes, guidance.ruleset) == (
        "IPG366",
        "IPG183",
        ruleset,
    )
    assert guidance.recommendation is None
    record = guidance.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        admin_user,
        "Guidance imported",
    )


def test_updating_keeps_the_recommendation_and_what_was_not_given(admin_user):
    guidance = services.guidance_upsert(
        reference="IPG366", title="Old title", url="https://www.nice.org.uk/guidance/ipg366"
    )
    services.guidance_set_recommendation(
        guidance=guidance, recommendation="special", actor=admin_user
    )

    services.guidance_upsert(reference="IPG366", title="New title", reason="Re-imported")

    guidance.refresh_from_db()
    assert (guidance.title, guidance.recommendation, guidance.url) == (
        "New title",
        "special",
        "https://www.nice.org.uk/guidance/ipg366",
    )
    assert guidance.history.first().history_change_reason == "Re-imported"


def test_an_unchanged_import_writes_nothing():
    services.guidance_upsert(reference="IPG366", title="Title")

    services.guidance_upsert(reference="IPG366", title="Title")

    assert Guidance.history.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"reference": "366"}, "reference"), ({"supersedes": "183"}, "supersedes")],
)
def test_a_malformed_reference_is_refused(fields, field):
    with pytest.raises(ValidationError) as caught:
        services.guidance_upsert(**{"reference": "IPG366", "title": "T", **fields})
    assert field in caught.value.message_dict


@pytest.mark.parametrize("persona", ["lead", "applicant"])
def test_only_administrators_record_the_recommendation(request, persona):
    guidance = services.guidance_upsert(reference="IPG366", title="T")

    with pytest.raises(NotPermitted):
        services.guidance_set_recommendation(
            guidance=guidance, recommendation="special", actor=request.getfixturevalue(persona)
        )

    guidance.refresh_from_db()
    assert guidance.recommendation is None


def test_an_unknown_recommendation_is_refused(admin_user):
    guidance = services.guidance_upsert(reference="IPG366", title="T")

    with pytest.raises(ValidationError):
        services.guidance_set_recommendation(
            guidance=guidance, recommendation="maybe", actor=admin_user
        )
