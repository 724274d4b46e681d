"""API representations of cases, outcomes, operators and monitoring (SPEC.md sections 4 and 5).
Serializers only translate: input serializers check types and shapes (the lengths, choices and
ranges come from the models), services (cases/services.py) check the rules and write."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coding.serializers import CODE_MAX_LENGTH, CodeTextField, ResultSerializer
from config import serializers as strict
from governance.cases import services
from governance.cases.models import FOLLOW_UP, Approach, Case, ImageGuidance, Operator, Outcome
from governance.http import UsernameField
from governance.permissions import may

LONG_TEXT = 20_000  # characters: generous for the evidence of an operator's training
LARGEST_ID = 2**63 - 1  # a larger number is no row's id (and overflows the database's integer)
FOLLOW_UP_STATES = ("done", "due", "overdue", "not_yet")


# --- cases -----------------------------------------------------------------------------------


class NotRecordedIsNull(serializers.ChoiceField):
    """A choice the model stores blank when it is not recorded, shown as null (SPEC section 3:
    `approach` is open, percutaneous or null), as the schema says."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        super().__init__(choices, allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(value) if value else None


class CaseSerializer(serializers.ModelSerializer):
    """A case as the caller may see it. The view puts in the context what would otherwise cost
    a query a case: `attention` (services.cases_attention of the page) and `today`."""

    operator = UsernameField()
    logged_by = UsernameField()
    approach = NotRecordedIsNull(Approach.choices)
    image_guidance = NotRecordedIsNull(ImageGuidance.choices)
    nhs_number = serializers.SerializerMethodField(
        help_text="In full (ten digits) for the introduction's clinicians and governance leads; "
        "masked as `nhs_number_masked` for others. Empty when not recorded."
    )
    nhs_number_masked = serializers.CharField(read_only=True)
    codes = serializers.ListField(child=serializers.CharField(), source="coding.codes")
    coding = serializers.SerializerMethodField()
    failed = serializers.BooleanField(read_only=True)
    failure_flags = serializers.ListField(child=serializers.CharField(), read_only=True)
    follow_up = serializers.SerializerMethodField()
    attention = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "introduction",
            "performed_on",
            "nhs_number",
            "nhs_number_masked",
            "local_reference",
            "operator",
            "mentor",
            "approach",
            "image_guidance",
            "levels",
            "device",
            "device_lot",
            "codes",
            "coding",
            "reoperation_on",
            "device_failure",
            "major_complication",
            "failed",
            "failure_flags",
            "follow_up",
            "attention",
            "logged_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_nhs_number(self, case: Case) -> str:
        seen: dict[int, bool] = self.context.setdefault("see_nhs_number", {})
        if case.introduction_id not in seen:
            user = self.context["request"].user
            seen[case.introduction_id] = may(user, "governance.see_nhs_number", case.introduction)
        return case.nhs_number if seen[case.introduction_id] else case.nhs_number_masked

    @extend_schema_field(ResultSerializer)
    def get_coding(self, case: Case) -> dict[str, Any]:
        """The SPEC result object, with the rule set and version it was validated against."""
        coding = case.coding
        return {
            **coding.result,
            "ruleset": coding.ruleset.name,
            "ruleset_version": coding.ruleset_version,
        }

    @extend_schema_field(
        {
            "type": "object",
            "description": "Each follow-up time point: done (outcome recorded), due (within "
            "two weeks either side of its date), overdue, or not_yet.",
            "properties": {
                str(timepoint): {"type": "string", "enum": list(FOLLOW_UP_STATES)}
                for timepoint in FOLLOW_UP
            },
        }
    )
    def get_follow_up(self, case: Case) -> dict[str, str]:
        today: date = self.context["today"]
        done = [outcome.timepoint for outcome in case.outcomes.all()]
        return services.follow_up(case, today=today, done=done)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_attention(self, case: Case) -> list[str]:
        found = self.context.get("attention", {})
        return found[case.pk] if case.pk in found else services.case_attention(case)


class _CaseFieldsSerializer(strict.StrictModelSerializer):
    """The fields of a case a client writes; lengths and choices from the model."""

    shown_as = CaseSerializer
    nhs_number = strict.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Ten digits (spaces or dashes allowed), with a valid check digit; optional.",
    )
    operator = strict.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The operator's username; you by default.",
    )
    device = strict.IntegerField(
        min_value=1,
        max_value=LARGEST_ID,
        required=False,
        allow_null=True,
        help_text="The id of one of the devices approved for the introduction.",
    )
    codes = serializers.ListField(
        child=CodeTextField(allow_blank=True, trim_whitespace=False, max_length=CODE_MAX_LENGTH),
        help_text="The OPCS-4 codes in order, at most 24. Invalid coding is saved and flagged.",
    )

    class Meta:
        model = Case
        fields = [*services.CASE_FIELDS, "codes"]
        extra_kwargs = {
            "performed_on": {"required": True},
            "local_reference": {"allow_null": True},
            "mentor": {"allow_null": True},
            "device_lot": {"allow_null": True},
            "approach": {"allow_null": True},
            "image_guidance": {"allow_null": True},
        }

    def service_fields(self) -> dict[str, Any]:
        """validated_data as the service's keyword arguments (`codes` apart)."""
        data = dict(self.validated_data)
        data.pop("codes", None)
        return data


class CaseWriteSerializer(_CaseFieldsSerializer):
    """The body of POST /introductions/{id}/cases/."""


class CaseUpdateSerializer(_CaseFieldsSerializer):
    """The body of PATCH /cases/{id}/: any of the fields; new codes are validated again."""

    reason = strict.CharField(
        max_length=5000, required=False, allow_blank=True, help_text="Why, for the history."
    )

    class Meta(_CaseFieldsSerializer.Meta):
        fields = [*_CaseFieldsSerializer.Meta.fields, "reason"]
        extra_kwargs = {**_CaseFieldsSerializer.Meta.extra_kwargs, "performed_on": {}}


# --- outcomes --------------------------------------------------------------------------------


class OutcomeSerializer(serializers.ModelSerializer):
    recorded_by = UsernameField()
    eq5d_index = serializers.DecimalField(
        max_digits=4, decimal_places=3, coerce_to_string=False, read_only=True, allow_null=True
    )

    class Meta:
        model = Outcome
        fields = [
            "id",
            "case",
            "timepoint",
            "collected_on",
            "odi",
            "back_pain",
            "leg_pain",
            "eq5d_index",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class OutcomeWriteSerializer(strict.StrictModelSerializer):
    """The body of POST /cases/{id}/outcomes/: the ranges are the model's (ODI 0-100, pain
    0-10, EQ-5D index -0.594 to 1)."""

    shown_as = OutcomeSerializer

    class Meta:
        model = Outcome
        fields = ["timepoint", "collected_on", "odi", "back_pain", "leg_pain", "eq5d_index"]
        extra_kwargs = {
            "odi": {"help_text": "Oswestry Disability Index, 0 (none) to 100."},
            "back_pain": {"help_text": "0 to 10."},
            "leg_pain": {"help_text": "0 to 10."},
            "eq5d_index": {"help_text": "EQ-5D-3L index, -0.594 to 1."},
        }


# --- operators -------------------------------------------------------------------------------


class OperatorSerializer(serializers.ModelSerializer):
    user = UsernameField()
    added_by = UsernameField()

    class Meta:
        model = Operator
        fields = ["id", "introduction", "user", "evidence", "approved_on", "added_by", "created_at"]
        read_only_fields = fields


class OperatorWriteSerializer(strict.StrictSerializer):
    shown_as = OperatorSerializer
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        help_text="The clinician's username.",
    )
    evidence = strict.CharField(
        max_length=LONG_TEXT,
        help_text="Training and competence: courses, cases observed, a mentor's sign-off.",
    )
    approved_on = serializers.DateField()


# --- monitoring ------------------------------------------------------------------------------


class CusumPointSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    performed_on = serializers.DateField()
    failed = serializers.BooleanField()
    s = serializers.FloatField(help_text="The CUSUM after this case.")


class VladPointSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    value = serializers.FloatField(help_text="The cumulative sum of p0 - failed.")


class ReviewDueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    due_on = serializers.DateField()
    overdue = serializers.BooleanField()


class PromSerializer(serializers.Serializer):
    patients = serializers.IntegerField(help_text="Patients with a baseline ODI and a later one.")
    mean_odi_change = serializers.FloatField(
        allow_null=True, help_text="Latest minus baseline ODI: negative is better."
    )
    share_odi_improved_30 = serializers.FloatField(
        allow_null=True, help_text="Share whose ODI fell by at least 30% of baseline."
    )


class MonitoringReportSerializer(serializers.Serializer):
    """GET /introductions/{id}/monitoring/ (SPEC section 5). Without a monitoring plan, p0, p1,
    h, signal and signal_at_case are null and cusum and vlad empty."""

    p0 = serializers.FloatField(allow_null=True, help_text="The acceptable failure rate.")
    p1 = serializers.FloatField(allow_null=True, help_text="The unacceptable failure rate.")
    h = serializers.FloatField(allow_null=True, help_text="The CUSUM threshold.")
    cases = serializers.IntegerField()
    failures = serializers.IntegerField()
    cusum = CusumPointSerializer(many=True, help_text="In date order, ties by case id.")
    signal = serializers.BooleanField(allow_null=True, help_text="True when some s >= h.")
    signal_at_case = serializers.IntegerField(
        allow_null=True, help_text="The first case at which s reached h."
    )
    vlad = VladPointSerializer(many=True)
    reviews_due = ReviewDueSerializer(
        many=True, help_text="Scheduled reviews whose date has come, and whether overdue."
    )
    prom = PromSerializer(help_text="Baseline ODI to each patient's latest time point.")
