"""API shapes of the assessments (SPEC section 4). Input serializers check types, shapes and the
rules that tie one characteristic's answers together (assessments/models.py, impact_errors, so the
400 names the characteristic); assessments/services.py checks the rest and writes.

The equality assessment's nine characteristics are columns of one row; the API shows them as
`impacts: [{characteristic, impact, evidence, mitigation, action, action_owner, action_due}]`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config import serializers as strict
from governance.assessments.models import (
    ACTION_OWNER_LENGTH,
    IMPACT_PARTS,
    AssessmentStatus,
    Characteristic,
    Conclusion,
    Impact,
    Rating,
    impact_errors,
    impact_field,
    rating_errors,
)
from governance.assessments.services import MAX_TEXT


class TextField(strict.CharField):
    """Free text: trimmed, bounded, blank allowed (an answer not given yet), null read as
    blank, and text the database cannot store refused with a 400 rather than a 500."""

    def __init__(self, max_length: int = MAX_TEXT, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", "")
        super().__init__(max_length=max_length, allow_blank=True, allow_null=True, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise serializers.ValidationError("Enter text without unpaired surrogates.") from None
        return value

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None:
            return True, ""
        return super().validate_empty_values(data)


class AnswerChoiceField(serializers.ChoiceField):
    """One of the choices, or null / "" for not answered yet (stored as "")."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", "")
        super().__init__(choices, allow_blank=True, allow_null=True, **kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None:
            return True, ""
        return super().validate_empty_values(data)

    def to_representation(self, value: Any) -> Any:
        return value or None


class ImpactSerializer(strict.StrictSerializer):
    characteristic = serializers.ChoiceField(choices=Characteristic.choices)
    impact = AnswerChoiceField(Impact.choices)
    evidence = TextField()
    mitigation = TextField()
    action = TextField(help_text="For an unknown impact: how it will be found out.")
    action_owner = TextField(
        max_length=ACTION_OWNER_LENGTH, help_text="For an unknown impact: who finds it out."
    )
    action_due = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For an unknown impact: by when it will be known.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        label = Characteristic(attrs["characteristic"]).label
        errors = impact_errors(
            label,
            attrs["impact"],
            attrs["mitigation"],
            attrs["action"],
            attrs["action_owner"],
            attrs["action_due"],
        )
        if errors:
            raise serializers.ValidationError({part: [text] for part, text in errors.items()})
        return attrs


class AssessmentSerializer(strict.StrictSerializer):
    """What both assessments show: the introduction, the status and the sign-off (read-only:
    sent back in a PUT, they are refused with a 400 naming them)."""

    introduction = serializers.IntegerField(source="introduction_id", read_only=True)
    status = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField(
        help_text="Codes of the answers still needed before sign-off, e.g. psed_aims, "
        "impacts.age.evidence."
    )
    signed_off_by = serializers.SerializerMethodField()
    signed_off_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="null until signed off."
    )
    updated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="null until first saved."
    )

    # A plain string in the schema: an enum named after `status` would collide with the
    # introduction's (drf-spectacular names enums by field name).
    @extend_schema_field(
        {"type": "string", "description": "One of " + ", ".join(AssessmentStatus.values) + "."}
    )
    def get_status(self, assessment: Any) -> str:
        return assessment.status.value

    def get_missing(self, assessment: Any) -> list[str]:
        return [item.code for item in assessment.missing()]

    def get_signed_off_by(self, assessment: Any) -> str | None:
        user = assessment.signed_off_by
        return user.username if user is not None else None


class EqualityAssessmentSerializer(AssessmentSerializer):
    impacts = ImpactSerializer(many=True, allow_empty=False, max_length=len(Characteristic))
    health_inequalities = TextField()
    accessible_information = TextField()
    consent_capacity = TextField(help_text="Optional.")
    psed_aims = TextField(
        help_text="How the three aims of the Public Sector Equality Duty are met."
    )
    conclusion = AnswerChoiceField(Conclusion.choices)
    justification = TextField(help_text="Needed when the conclusion is `continue`.")

    def validate_impacts(self, impacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        given = [item["characteristic"] for item in impacts]
        repeated = sorted({c for c in given if given.count(c) > 1})
        if repeated:
            raise serializers.ValidationError(
                f"Give each characteristic once; repeated: {', '.join(repeated)}."
            )
        absent = [c for c in Characteristic.values if c not in given]
        if absent:
            raise serializers.ValidationError(
                "Give all nine protected characteristics (an impact may be null until it is "
                f"assessed); missing: {', '.join(absent)}."
            )
        return impacts

    def service_data(self) -> dict[str, Any]:
        """The validated body as the service's field names (`age_impact`, ...)."""
        data = {key: value for key, value in self.validated_data.items() if key != "impacts"}
        for item in self.validated_data["impacts"]:
            for part in IMPACT_PARTS:
                data[impact_field(item["characteristic"], part)] = item[part]
        return data


class SustainabilityAssessmentSerializer(AssessmentSerializer):
    single_use_items = TextField()
    reusable_items = TextField()
    decontamination = TextField()
    waste = TextField()
    energy = TextField()
    theatre_time_and_stay = TextField(help_text="Against the current alternative.")
    travel = TextField()
    supplier_carbon_plan = strict.BooleanField(
        required=False, allow_null=True, default=None, help_text="null until answered."
    )
    kgco2e_per_case = strict.DecimalField(
        max_digits=12,
        decimal_places=3,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        coerce_to_string=False,
        rounding=ROUND_HALF_UP,
        help_text="Estimated kilograms of CO2 equivalent per case; not negative.",
    )
    rating = AnswerChoiceField(Rating.choices)
    mitigations = TextField(help_text="Needed when the rating is negative.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = rating_errors(attrs.get("rating", ""), attrs.get("mitigations", ""))
        if errors:
            raise serializers.ValidationError({k: [v] for k, v in errors.items()})
        return attrs

    def service_data(self) -> dict[str, Any]:
        return dict(self.validated_data)
