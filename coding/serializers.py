"""API shapes of the coding app: the SPEC request and result objects, rule sets, codes."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from coding import engine, services
from coding.errors import ContextInvalid, RuleSetNotFound
from coding.models import CatalogueRelease, Code, CodingResult, RuleSet
from config import serializers as strict

CODE_MAX_LENGTH = 32  # far more than any spelling of a code; longer text is not a code


class CodeTextField(strict.CharField):
    """A code as the client sent it: only a JSON string (DRF's CharField would take 5 or
    true and turn them into text)."""

    default_error_messages = {"invalid": 'Each code must be a string, such as "V40.1".'}


class ContextSerializer(strict.StrictSerializer):
    approach = serializers.ChoiceField(
        choices=CodingResult.Approach.choices,
        allow_null=True,
        allow_blank=True,
        required=False,
        default=None,
        help_text="open or percutaneous; null when not recorded",
    )
    image_guidance = serializers.ChoiceField(
        choices=CodingResult.ImageGuidance.choices,
        allow_null=True,
        allow_blank=True,
        required=False,
        default=None,
        help_text="null with a percutaneous approach counts as unspecified",
    )
    levels = strict.IntegerField(
        min_value=1,
        allow_null=True,
        required=False,
        default=None,
        help_text="number of spinal levels treated",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            services.coding_context(attrs)
        except ContextInvalid as error:
            raise serializers.ValidationError({error.field: [error.message]}) from error
        return attrs


class IssueSerializer(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    position = serializers.IntegerField(allow_null=True, help_text="1-based in codes, or null")
    code = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ResultSerializer(serializers.Serializer):
    """The SPEC result object (documentation only: the engine's dict is returned as it is)."""

    valid = serializers.BooleanField(help_text="true when no issue is an error")
    codes = serializers.ListField(child=serializers.CharField())
    issues = IssueSerializer(many=True)
    suggested = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="the codes with every fix applied; null when a code is not a code",
    )
    ruleset = serializers.CharField()
    ruleset_version = serializers.IntegerField()


class ValidateRequestSerializer(strict.StrictSerializer):
    shown_as = ResultSerializer
    ruleset = strict.CharField(help_text="the rule set's name, e.g. IPG366")
    codes = serializers.ListField(
        child=CodeTextField(allow_blank=True, trim_whitespace=False, max_length=CODE_MAX_LENGTH),
        allow_empty=False,
        help_text="the coded episode in order, at most 24 codes (OPERTN_01 to OPERTN_24)",
    )
    context = ContextSerializer(required=False, default=dict)

    def validate_ruleset(self, value: str) -> str:
        try:
            return services.ruleset_get(value).name
        except RuleSetNotFound as error:
            raise serializers.ValidationError(error.message) from error

    def validate_codes(self, value: list[str]) -> list[str]:
        too_many = engine.code_count_error(len(value))
        if too_many:
            raise serializers.ValidationError(f"{too_many}.")
        return value


class RuleSetSummarySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="coding-ruleset-detail", lookup_field="name"
    )

    class Meta:
        model = RuleSet
        fields = ["name", "version", "updated_at", "url"]


class RuleSetSerializer(serializers.ModelSerializer):
    definition = serializers.JSONField(help_text="the rule set as data (engine RuleSet.to_dict)")

    class Meta:
        model = RuleSet
        fields = ["name", "version", "updated_at", "definition"]


class RuleSetVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    at = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    changes = serializers.ListField(child=serializers.DictField())


class CodeSerializer(serializers.ModelSerializer):
    is_category = serializers.BooleanField(read_only=True)

    class Meta:
        model = Code
        fields = ["code", "title", "source", "is_category"]


class CatalogueReleaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogueRelease
        fields = ["name", "full", "code_count", "added", "changed", "loaded_at"]


class CatalogueStatusSerializer(serializers.Serializer):
    full = serializers.BooleanField(
        help_text="false until a full TRUD release is loaded: unknown codes are then warnings"
    )
    code_count = serializers.IntegerField()
    latest_release = CatalogueReleaseSerializer(allow_null=True)


@extend_schema_serializer(many=False)
class CodePageSerializer(serializers.Serializer):
    catalogue = CatalogueStatusSerializer()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CodeSerializer(many=True)
