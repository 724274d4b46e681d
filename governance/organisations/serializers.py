"""API representations of guidance and devices."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.organisations.models import Device, Guidance, normalise_reference


@extend_schema_field(OpenApiTypes.STR)
class GuidanceReferenceField(serializers.Field):
    """A guidance by its reference (`IPG366`, `ipg 366`): 400 on this field when unknown."""

    default_error_messages = {
        "invalid": "Give a guidance reference such as IPG366.",
        "unknown": "No guidance with reference {reference}.",
    }

    def to_internal_value(self, data: Any) -> Guidance:
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        try:
            reference = normalise_reference(data)
        except ValidationError:
            self.fail("invalid")
        guidance = Guidance.objects.filter(reference=reference).first()
        if guidance is None:
            self.fail("unknown", reference=reference)
        return guidance

    def to_representation(self, value: Guidance) -> str:
        return value.reference


class GuidanceSerializer(serializers.ModelSerializer):
    ruleset = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)

    class Meta:
        model = Guidance
        fields = ["reference", "title", "url", "recommendation", "supersedes", "ruleset"]


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "name", "manufacturer", "model", "catalogue_number"]
