"""The demo's assessments (seed_demo): each state, idempotent, the voided sign-off on record."""

from __future__ import annotations

import pytest

from governance.assessments.models import EqualityAssessment, SustainabilityAssessment
from governance.demo.assessments import seed_assessments
from governance.models import Introduction

pytestmark = pytest.mark.django_db


def reasons(assessment) -> list[str]:
    return list(
        assessment.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )


@pytest.mark.parametrize(
    ("state", "equality", "sustainability"),
    [
        ("not_started", None, None),
        ("in_progress", "in_progress", None),
        ("completed", "completed", "completed"),
        ("signed_off", "signed_off", "signed_off"),
        ("voided", "completed", "signed_off"),
    ],
)
def test_the_demo_seeds_assessments_in_each_state(
    make_introduction, lead, state, equality, sustainability
):
    introduction = make_introduction()

    seed_assessments(introduction=introduction, state=state, lead=lead)

    introduction = Introduction.objects.get(pk=introduction.pk)
    for kind, expected in (("equality", equality), ("sustainability", sustainability)):
        assessment = getattr(introduction, f"{kind}_assessment", None)
        assert (assessment.status if assessment else None) == expected


def test_seeding_the_demo_again_keeps_what_is_there(make_introduction, lead):
    introduction = make_introduction()
    seed_assessments(introduction=introduction, state="completed", lead=lead)

    seed_assessments(introduction=introduction, state="signed_off", lead=lead)

    assert EqualityAssessment.objects.get().history.count() == 1
    assert SustainabilityAssessment.objects.get().signed_off_at is None


def test_the_demo_voided_sign_off_shows_in_the_history(make_introduction, lead):
    introduction = make_introduction()

    seed_assessments(introduction=introduction, state="voided", lead=lead)

    assert reasons(EqualityAssessment.objects.get())[-1].startswith(
        "Large print added after the committee; sign-off by"
    )
