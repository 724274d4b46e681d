"""Model invariants: organisation scoping, append-only transitions, immutable history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from governance.history import HistoryIsImmutable
from governance.introductions import services
from governance.introductions.workflow import Status
from governance.models import Introduction, Organisation, Transition
from tests.factories import IntroductionFactory

pytestmark = pytest.mark.django_db


def test_installing_creates_one_default_organisation_with_its_history():
    organisation = Organisation.objects.get()

    assert organisation.ods_code == Organisation.DEFAULT_ODS_CODE
    assert organisation.history.get().history_type == "+"


def test_members_of_one_organisation_see_only_its_introductions(
    make_introduction, applicant, lead, admin_user, other_org_lead, other_organisation
):
    ours = make_introduction("submitted")
    theirs = IntroductionFactory(
        organisation=other_organisation, applicant=other_org_lead, status="submitted"
    )

    for user in (applicant, lead, admin_user):
        assert list(Introduction.objects.visible_to(user)) == [ours]
    assert list(Introduction.objects.visible_to(other_org_lead)) == [theirs]


def test_a_draft_is_visible_to_its_applicant_only_but_stays_in_the_audit_scope(
    make_introduction, applicant, clinician, lead, admin_user
):
    draft = make_introduction()

    assert list(Introduction.objects.visible_to(applicant)) == [draft]
    for user in (clinician, lead, admin_user):
        assert not Introduction.objects.visible_to(user).exists()
    for user in (lead, admin_user):
        assert list(Introduction.objects.in_organisations_of(user)) == [draft]


def test_a_member_without_a_role_and_an_outsider_see_nothing(
    make_introduction, organisation, outsider
):
    make_introduction()
    assert not Introduction.objects.visible_to(outsider).exists()

    organisation.members.add(outsider)
    outsider = type(outsider).objects.get(pk=outsider.pk)
    assert not Introduction.objects.visible_to(outsider).exists()


def test_another_organisations_lead_is_offered_no_action(make_introduction, other_org_lead):
    introduction = make_introduction("submitted")

    assert introduction.allowed_actions(other_org_lead) == []


def test_allowed_actions_follow_the_state_and_the_caller(
    make_introduction, applicant, lead, admin_user
):
    introduction = make_introduction("under_review")

    assert introduction.allowed_actions(lead) == ["request_changes", "approve", "reject"]
    assert introduction.allowed_actions(applicant) == []
    assert introduction.allowed_actions(admin_user) == []


def test_editable_only_as_a_draft_or_when_changes_are_requested(make_introduction):
    assert {s for s in Status if make_introduction(s).is_editable} == {
        Status.DRAFT,
        Status.CHANGES_REQUESTED,
    }


def test_a_transition_row_cannot_be_changed_or_deleted(make_introduction, applicant):
    introduction = make_introduction()
    services.introduction_transition(introduction=introduction, action="submit", actor=applicant)
    row = Transition.objects.get()

    row.reason = "rewritten"
    with pytest.raises(HistoryIsImmutable):
        row.save()
    with pytest.raises(HistoryIsImmutable):
        row.delete()
    with pytest.raises(HistoryIsImmutable):
        Transition.objects.all().update(reason="rewritten")
    with pytest.raises(HistoryIsImmutable):
        Transition.objects.all().delete()

    assert Transition.objects.get().reason == ""


def test_history_rows_cannot_be_changed_or_deleted(make_introduction, applicant):
    introduction = make_introduction()
    record = introduction.history.first()

    record.title = "rewritten"
    with pytest.raises(HistoryIsImmutable):
        record.save()
    with pytest.raises(HistoryIsImmutable):
        record.delete()
    with pytest.raises(HistoryIsImmutable):
        introduction.history.all().delete()
    with pytest.raises(HistoryIsImmutable):
        Introduction.history.all().update(title="rewritten")
    with pytest.raises(HistoryIsImmutable):
        Introduction.history.model.objects.all().delete()

    assert introduction.history.first().title == introduction.title


def test_an_introduction_with_transitions_cannot_be_deleted(make_introduction, applicant):
    from django.db.models import ProtectedError

    introduction = make_introduction()
    services.introduction_transition(introduction=introduction, action="submit", actor=applicant)

    with pytest.raises(ProtectedError):
        introduction.delete()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cusum_p0": 0}, "cusum_p0"),
        ({"cusum_p0": 1}, "cusum_p0"),
        ({"cusum_p1": 1.5}, "cusum_p1"),
        ({"cusum_p0": float("nan")}, "cusum_p0"),
        ({"cusum_p0": 0.2, "cusum_p1": 0.1}, "cusum_p1"),
        ({"cusum_p0": 0.2, "cusum_p1": 0.2}, "cusum_p1"),
        ({"cusum_h": 0}, "cusum_h"),
        ({"cusum_h": float("inf")}, "cusum_h"),
        ({"first_review_after_cases": 0}, "first_review_after_cases"),
        ({"review_interval_months": 121}, "review_interval_months"),
    ],
)
def test_a_monitoring_plan_out_of_range_names_the_field(make_introduction, fields, field):
    introduction = make_introduction()
    for name, value in fields.items():
        setattr(introduction, name, value)

    with pytest.raises(ValidationError) as caught:
        introduction.full_clean()

    assert set(caught.value.message_dict) == {field}


def test_a_complete_plan_is_a_monitoring_plan_and_a_partial_one_is_not(make_introduction):
    assert make_introduction().has_monitoring_plan
    assert not make_introduction(cusum_h=None).has_monitoring_plan
