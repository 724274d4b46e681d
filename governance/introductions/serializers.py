"""API representations of introductions, transitions, conditions and reviews (SPEC.md
section 4). Serializers only translate: input serializers check types and shapes, services
(introductions/services.py) check the rules and write."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config import serializers as strict
from config.limits import LONG_TEXT  # shared with the page forms
from governance.http import UsernameField, plain_choice, shared_choice
from governance.introductions.models import Condition, Introduction, Review, Transition
from governance.introductions.services import MAX_CONDITION_LENGTH, MAX_CONDITIONS
from governance.introductions.workflow import Action, ReviewOutcome, Status
from governance.organisations.models import Device
from governance.organisations.serializers import DeviceSerializer, GuidanceReferenceField


class MonitoringSerializer(strict.StrictSerializer):
    """The monitoring plan: reviews after the first N cases and every M months; a Bernoulli
    CUSUM with acceptable failure rate p0, unacceptable rate p1 (> p0) and threshold h."""

    first_review_after_cases = strict.IntegerField(
        min_value=1, max_value=100_000, allow_null=True, required=False
    )
    review_interval_months = strict.IntegerField(
        min_value=1, max_value=120, allow_null=True, required=False
    )
    cusum_p0 = strict.FloatField(allow_null=True, required=False)
    cusum_p1 = strict.FloatField(allow_null=True, required=False)
    cusum_h = strict.FloatField(allow_null=True, required=False)


class ConditionSerializer(serializers.ModelSerializer):
    met_by = UsernameField(allow_null=True)
    status = plain_choice(Condition.State, read_only=True)

    class Meta:
        model = Condition
        fields = [
            "id",
            "introduction",
            "text",
            "status",
            "evidence",
            "met_by",
            "met_at",
            "set_at_review",
            "created_at",
        ]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    completed_by = UsernameField(allow_null=True)
    status = plain_choice(Review.State, read_only=True)
    outcome = serializers.ChoiceField(
        choices=ReviewOutcome.choices,
        allow_blank=True,
        read_only=True,
        help_text="Blank until done.",
    )
    is_due = serializers.BooleanField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "introduction",
            "kind",
            "due_after_cases",
            "due_on",
            "status",
            "is_due",
            "is_overdue",
            "outcome",
            "notes",
            "completed_by",
            "completed_at",
        ]
        read_only_fields = fields


class IntroductionSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="ods_code", read_only=True)
    guidance = GuidanceReferenceField(read_only=True)
    applicant = UsernameField()
    devices = DeviceSerializer(many=True, read_only=True)
    monitoring = MonitoringSerializer(source="*", read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Introduction
        fields = [
            "id",
            "organisation",
            "guidance",
            "title",
            "department",
            "applicant",
            "rationale",
            "patient_selection",
            "consent_arrangements",
            "audit_plan",
            "research_ethics_reference",
            "devices",
            "planned_start",
            "monitoring",
            "status",
            "allowed_actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=shared_choice("ActionEnum", Action)))
    def get_allowed_actions(self, introduction: Introduction) -> list[str]:
        return introduction.allowed_actions(self.context["request"].user)


class IntroductionDetailSerializer(IntroductionSerializer):
    unmet_for_approval = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Approval guard codes not met now (see the 409 `unmet` codes).",
    )
    conditions = ConditionSerializer(many=True, read_only=True)
    reviews = ReviewSerializer(many=True, read_only=True)

    class Meta(IntroductionSerializer.Meta):
        fields = [
            *IntroductionSerializer.Meta.fields,
            "unmet_for_approval",
            "conditions",
            "reviews",
        ]
        read_only_fields = fields

    def to_representation(self, introduction: Introduction) -> dict[str, Any]:
        data = super().to_representation(introduction)
        data["unmet_for_approval"] = introduction.unmet_for_approval()
        return data


def _text(max_length: int = LONG_TEXT, **kwargs: Any) -> serializers.CharField:
    return strict.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


class IntroductionWriteSerializer(strict.StrictSerializer):
    """The body of POST /introductions/ and PATCH /introductions/{id}/ (all optional then)."""

    shown_as = IntroductionDetailSerializer
    organisation = strict.CharField(
        max_length=10,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="ODS code; optional when you belong to one organisation.",
    )
    guidance = GuidanceReferenceField(help_text="The guidance reference, e.g. IPG366.")
    title = strict.CharField(max_length=200)
    department = _text(200)
    rationale = _text()
    patient_selection = _text()
    consent_arrangements = _text()
    audit_plan = _text()
    research_ethics_reference = _text(100)
    planned_start = serializers.DateField(required=False, allow_null=True)
    devices = strict.PrimaryKeyRelatedField(
        queryset=Device.objects.all(), many=True, required=False
    )
    monitoring = MonitoringSerializer(required=False)

    def service_fields(self) -> dict[str, Any]:
        """validated_data flattened to service keyword arguments (monitoring un-nested)."""
        data = dict(self.validated_data)
        data.pop("organisation", None)
        data.update(data.pop("monitoring", None) or {})
        return data


class IntroductionUpdateSerializer(IntroductionWriteSerializer):
    organisation = None  # an introduction never moves between organisations
    reason = strict.CharField(
        max_length=5000, required=False, allow_blank=True, help_text="Why, for the history."
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict) and "organisation" in data:
            raise serializers.ValidationError(
                {"organisation": ["An introduction cannot move to another organisation."]}
            )
        return super().to_internal_value(data)


def _conditions(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=strict.CharField(max_length=MAX_CONDITION_LENGTH),
        max_length=MAX_CONDITIONS,
        required=False,
        default=list,
        help_text=help_text,
    )


class TransitionRequestSerializer(strict.StrictSerializer):
    shown_as = IntroductionDetailSerializer
    action = serializers.ChoiceField(choices=Action.choices)
    reason = _text(5000)
    conditions = _conditions("Conditions of approval (approve only).")


class TransitionSerializer(serializers.ModelSerializer):
    from_ = shared_choice("StatusEnum", Status, source="from_status")
    to = shared_choice("StatusEnum", Status, source="to_status")
    actor = UsernameField()

    class Meta:
        model = Transition
        fields = ["action", "from_", "to", "actor", "reason", "at"]
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field]:
        # `from` is a Python keyword: declared as `from_`, served as `from` (SPEC section 4).
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return {name: fields[name] for name in ("action", "from", "to", "actor", "reason", "at")}


class ConditionMeetSerializer(strict.StrictSerializer):
    shown_as = ConditionSerializer
    evidence = strict.CharField(max_length=LONG_TEXT)


class ReviewCompleteSerializer(strict.StrictSerializer):
    shown_as = ReviewSerializer

    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    notes = _text()
    conditions = _conditions("The new conditions (outcome continue_with_conditions only).")
