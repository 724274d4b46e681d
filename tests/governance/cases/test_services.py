"""Logging cases: the state, date, NHS number, operator and device rules, the coding link and
its revalidation, the first-cases review, and what the leads are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from coding import services as coding
from governance.cases import services
from governance.cases.models import Case
from governance.errors import InvalidTransition, NotPermitted
from governance.models import Notice, Review
from tests.factories import ConditionFactory, IntroductionFactory

from .conftest import INVALID, TODAY, VALID

pytestmark = pytest.mark.django_db


def reasons(case) -> list[str]:
    return list(case.history.order_by("history_id").values_list("history_change_reason", flat=True))


def test_a_case_is_logged_with_its_coding_validated_and_linked(log_case, applicant, live):
    case = log_case(nhs_number="943 476 5919", local_reference="H123456")

    case.refresh_from_db()
    assert case.coding.codes == VALID
    assert case.coding.valid is True and case.coding_valid is True
    assert case.coding.ruleset.name == live.guidance.ruleset.name
    assert case.coding.ruleset_version == live.guidance.ruleset.version
    assert case.nhs_number == "9434765919"
    assert case.operator == applicant and case.logged_by == applicant
    assert reasons(case) == ["Case logged"]
    assert case.history.get().history_user == applicant


def test_invalid_coding_is_saved_and_flagged_never_refused(log_case):
    case = log_case(codes=INVALID)

    case.refresh_from_db()
    assert case.coding_valid is False
    assert {issue["rule"] for issue in case.coding.issues} >= {"levels-missing", "approach-missing"}
    assert case.coding.suggested == VALID


@pytest.mark.parametrize(
    ("status", "words"),
    [("suspended", "suspended"), ("draft", "draft"), ("withdrawn", "withdrawn")],
)
def test_no_case_is_logged_unless_the_introduction_is_approved_or_adopted(
    status, words, log_case, live
):
    live.status = status
    live.save()

    with pytest.raises(
        InvalidTransition, match=f"approved or adopted introduction; this one is {words}"
    ):
        log_case()

    assert not Case.objects.exists()


def test_a_case_is_logged_under_an_adopted_introduction(log_case, live):
    live.status = "adopted"
    live.save()

    assert log_case().pk is not None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"performed_on": TODAY + timedelta(days=1)}, "performed_on", "cannot be in the future"),
        ({"performed_on": None}, "performed_on", "Enter the date of the procedure"),
        ({"nhs_number": "943 476 5918"}, "nhs_number", "check digit is wrong"),
        ({"nhs_number": "12345"}, "nhs_number", "as 10 digits"),
        ({"reoperation_on": TODAY - timedelta(days=9)}, "reoperation_on", "before the procedure"),
        ({"levels": 0}, "levels", "greater than or equal to 1"),
        ({"approach": "keyhole"}, "approach", "not a valid choice"),
    ],
)
def test_bad_input_is_refused_naming_the_field(log_case, fields, field, message):
    with pytest.raises(ValidationError) as raised:
        log_case(days_ago=3, **fields)

    assert message in " ".join(raised.value.message_dict[field])
    assert not Case.objects.exists()


def test_a_case_of_a_procedure_already_in_use_can_be_entered_years_later(log_case):
    case = log_case(days_ago=3 * 365)

    assert case.performed_on == TODAY - timedelta(days=3 * 365)


def test_the_operator_must_belong_to_the_organisation(log_case, other_org_lead):
    with pytest.raises(ValidationError) as raised:
        log_case(operator=other_org_lead)

    assert "operator" in raised.value.message_dict


def test_the_device_must_be_one_of_the_introductions(log_case):
    from tests.factories import DeviceFactory

    with pytest.raises(ValidationError) as raised:
        log_case(device=DeviceFactory())

    assert raised.value.message_dict["device"] == [
        "Choose one of the devices approved for this introduction."
    ]


def test_a_case_keeps_its_device_and_lot(log_case, device):
    case = log_case(device=device.pk, device_lot="LOT-77")

    case.refresh_from_db()
    assert (case.device, case.device_lot) == (device, "LOT-77")


@pytest.mark.parametrize("persona", ["admin_user", "other_org_lead"])
def test_an_administrator_or_another_trust_may_not_log_a_case(persona, request, log_case):
    with pytest.raises(NotPermitted):
        log_case(actor=request.getfixturevalue(persona))


def test_the_nth_case_makes_the_first_cases_review_due(log_case, live):
    review = Review.objects.create(introduction=live, kind="first_cases", due_after_cases=2)

    log_case(days_ago=2)
    review.refresh_from_db()
    assert review.due_on is None
    log_case(days_ago=1)

    review.refresh_from_db()
    assert review.due_on == TODAY
    assert review.history.latest("history_id").history_change_reason == "First cases logged"


def test_the_leads_hear_of_a_cusum_crossing_once(log_case, live, lead):
    # p0 0.1, p1 0.2, h 1: two failures make S = 1.386 at the second case.
    log_case(days_ago=3, device_failure=True)
    assert not Notice.objects.filter(kind="cusum_signal").exists()

    second = log_case(days_ago=2, major_complication=True)
    log_case(days_ago=1, reoperation_on=TODAY)  # still above h: the same crossing

    signal = Notice.objects.get(kind="cusum_signal")
    assert signal.key == f"cusum:{live.pk}:{second.pk}"
    assert signal.to == [lead.email]
    assert live.title in signal.subject
    assert "crossed the alarm threshold" in signal.body


def test_a_case_edited_into_a_failure_can_make_the_signal(log_case, live, applicant, lead):
    first = log_case(days_ago=3, device_failure=True)
    second = log_case(days_ago=2)

    services.case_update(case=second, actor=applicant, device_failure=True, reason="Screw loose")

    assert Notice.objects.get(kind="cusum_signal").key == f"cusum:{live.pk}:{second.pk}"
    assert first.pk < second.pk


def test_a_case_by_an_operator_not_approved_is_saved_and_the_leads_told(log_case, live, lead):
    case = log_case()

    notice = Notice.objects.get(kind="case_attention")
    assert Case.objects.filter(pk=case.pk).exists()
    assert "is not an approved operator" in notice.body
    assert notice.to == [lead.email]


def test_a_case_by_an_approved_operator_tells_nobody(log_case, live, lead, applicant):
    services.operator_add(
        introduction=live,
        user=applicant,
        evidence="Cadaver course 2026; 10 cases observed; mentor's sign-off",
        approved_on=TODAY,
        actor=lead,
    )

    log_case()

    assert not Notice.objects.filter(kind="case_attention").exists()


def test_a_condition_asking_for_a_mentor_flags_a_first_case_without_one(
    log_case, live, lead, applicant
):
    services.operator_add(
        introduction=live, user=applicant, evidence="Course", approved_on=TODAY, actor=lead
    )
    ConditionFactory(introduction=live, text="A mentor attends the first 2 cases.")

    log_case(days_ago=3, mentor="Ms A Surgeon")
    log_case(days_ago=2)
    log_case(days_ago=1)  # the third case needs no mentor

    notices = Notice.objects.filter(kind="case_attention")
    assert notices.count() == 1
    assert "asks for a mentor at the first 2 cases; none is recorded" in notices.get().body


def test_only_a_lead_approves_an_operator(live, applicant, clinician):
    with pytest.raises(NotPermitted, match="Only a governance lead"):
        services.operator_add(
            introduction=live, user=clinician, evidence="x", approved_on=TODAY, actor=applicant
        )


def test_an_operator_needs_evidence(live, lead, applicant):
    with pytest.raises(ValidationError) as raised:
        services.operator_add(
            introduction=live, user=applicant, evidence=" ", approved_on=TODAY, actor=lead
        )

    assert "evidence" in raised.value.message_dict


def test_new_codes_are_validated_again_and_the_case_history_says_so(log_case, applicant):
    case = log_case(codes=INVALID)

    services.case_update(case=case, actor=applicant, codes=VALID, reason="Suggested coding used")

    case.refresh_from_db()
    assert case.coding.codes == VALID and case.coding_valid is True
    assert reasons(case) == ["Case logged", "Suggested coding used"]
    assert case.history.latest("history_id").prev_record.coding_valid is False


def test_a_rule_set_change_revalidates_cases_and_their_history_says_so(
    log_case, ipg366, admin_user
):
    valid, invalid = log_case(days_ago=2), log_case(days_ago=1, codes=INVALID)
    definition = {**ipg366.definition, "procedure_codes": ["V40.2"]}  # V40.1 no longer governed
    coding.ruleset_update(
        ruleset=ipg366, definition=definition, actor=admin_user, reason="A test change"
    )

    # What the task enqueued by the change runs (a worker with Redis, or eagerly without).
    coding.codings_revalidate(ruleset=ipg366)

    valid.refresh_from_db()
    assert valid.coding_valid is False
    assert valid.coding.ruleset_version == ipg366.version + 1
    latest = valid.history.latest("history_id")
    assert latest.history_change_reason == (
        f"Revalidated against IPG366 v{ipg366.version + 1}: the coding is now invalid"
    )
    invalid.refresh_from_db()
    assert invalid.coding_valid is False
    assert reasons(invalid) == ["Case logged"]  # still invalid: nothing to say


def test_cases_of_another_introduction_are_not_counted_for_monitoring(log_case, applicant, ipg366):
    other = IntroductionFactory(status="approved", applicant=applicant, guidance__ruleset=ipg366)
    log_case(device_failure=True)
    log_case(introduction=other)

    assert [o.failed for o in services.observations(other)] == [False]
