"""API representations of adverse events and their Yellow Card (SPEC.md sections 4 and 5).
Serializers only translate: input serializers check types and shapes (lengths and choices from
the model), events/services.py checks the rules and writes.

The device's details are flat in the model (`device_name`, ... in the MHRA form's order,
models.DEVICE_FIELDS) and nested in the API (`device: {name, ...}`): the nested serializer
reads and writes the flat fields (`source="*"`), and `nest_errors` puts a service's error on a
flat field back where the client sent it.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from rest_framework import serializers

from config import serializers as strict
from governance.events.models import DEVICE_FIELDS, AdverseEvent, YellowCard
from governance.http import UsernameField, plain_choice

LONG_TEXT = 20_000  # characters: generous for a description or the action taken
LARGEST_ID = 2**63 - 1  # a larger number is no row's id (and overflows the database's integer)
# `device.name` in the API is `device_name` in the model, and so on.
DEVICE_PARTS = {field.removeprefix("device_"): field for field in DEVICE_FIELDS}
NULL_IS_BLANK = ("action_taken", "local_reference", "device_kept_at")


def nest_errors(errors: dict[str, Any]) -> dict[str, Any]:
    """A service's errors by model field, in the request's shape: `device_lot_number` is
    `device.lot_number`."""
    nested: dict[str, Any] = {}
    device: dict[str, Any] = {}
    parts = {field: part for part, field in DEVICE_PARTS.items()}
    for name, messages in errors.items():
        if name in parts:
            device[parts[name]] = messages
        else:
            nested[name] = messages
    if device:
        nested["device"] = device
    return nested


def _max_length(field: str) -> int:
    return AdverseEvent._meta.get_field(field).max_length


def _device_part(field: str, **kwargs: Any) -> serializers.CharField:
    return strict.CharField(
        source=field,
        max_length=_max_length(field),
        required=False,
        allow_blank=True,
        allow_null=True,  # null is blank
        **kwargs,
    )


class EventDeviceSerializer(strict.StrictSerializer):
    """The device involved, as the MHRA's device form asks for it (in its order). On writing,
    a part left out or blank is filled from the case's device and lot where the case knows
    them."""

    name = _device_part("device_name")
    manufacturer = _device_part("device_manufacturer")
    model = _device_part("device_model")
    catalogue_number = _device_part("device_catalogue_number")
    serial_number = _device_part("device_serial_number")
    lot_number = _device_part("device_lot_number", help_text="The lot or batch number.")

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values = super().to_internal_value(data)
        return {name: value or "" for name, value in values.items()}


class YellowCardSerializer(serializers.Serializer):
    """The event's Yellow Card: `due` (by `due_by`; `overdue` once that date has passed),
    `submitted` (with the MHRA `reference` and `submitted_on`), `not_reportable` (with the
    `reason`), or `not_required` (not a reportable device incident)."""

    status = plain_choice(YellowCard, source="yellow_card", read_only=True)
    due_by = serializers.DateField(source="yellow_card_due_by", read_only=True, allow_null=True)
    reference = serializers.CharField(source="yellow_card_reference", read_only=True)
    submitted_on = serializers.DateField(
        source="yellow_card_submitted_on", read_only=True, allow_null=True
    )
    reason = serializers.CharField(
        source="yellow_card_reason",
        read_only=True,
        help_text="Why it is not reportable. A reopened card keeps the reason it had (the "
        "status says it no longer stands); why it was reopened is in the history.",
    )
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, event: AdverseEvent) -> bool:
        today: date = self.context["today"]
        return event.is_overdue(today)


class AdverseEventSerializer(serializers.ModelSerializer):
    """An adverse event as any member of its organisation reads it. The context holds `today`
    (for `yellow_card.overdue`)."""

    device = EventDeviceSerializer(source="*", read_only=True)
    reporter = UsernameField()
    serious = serializers.BooleanField(
        source="is_serious",
        read_only=True,
        help_text="Severe or fatal, or might have led to serious harm: the leads were told.",
    )
    fails_case = serializers.BooleanField(
        read_only=True, help_text="Whether the event makes its case a failure for monitoring."
    )
    yellow_card = YellowCardSerializer(source="*", read_only=True)

    class Meta:
        model = AdverseEvent
        fields = [
            "id",
            "introduction",
            "case",
            "occurred_on",
            "detected_on",
            "description",
            "harm",
            "category",
            "device_involved",
            "device",
            "device_available",
            "device_kept_at",
            "might_have_led_to_serious",
            "action_taken",
            "local_reference",
            "reporter",
            "serious",
            "fails_case",
            "yellow_card",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class _EventFieldsSerializer(strict.StrictModelSerializer):
    """The fields of an event a client writes; lengths and choices from the model."""

    shown_as = AdverseEventSerializer
    case = strict.IntegerField(
        min_value=1,
        max_value=LARGEST_ID,
        required=False,
        allow_null=True,
        help_text="The id of one of the introduction's cases; optional.",
    )
    device = EventDeviceSerializer(source="*", required=False)

    class Meta:
        model = AdverseEvent
        fields = [
            "case",
            "occurred_on",
            "detected_on",
            "description",
            "harm",
            "category",
            "device_involved",
            "device",
            "device_available",
            "device_kept_at",
            "might_have_led_to_serious",
            "action_taken",
            "local_reference",
        ]
        extra_kwargs = {
            "occurred_on": {"required": True, "help_text": "Not in the future."},
            "detected_on": {
                "required": False,
                "help_text": "When it was found: not before it happened, not in the future; "
                "the date it happened when left out.",
            },
            "description": {"max_length": LONG_TEXT},
            "action_taken": {"max_length": LONG_TEXT, "allow_null": True},
            "local_reference": {
                "allow_null": True,
                "help_text": "The number of the event in the trust's incident system.",
            },
            "device_kept_at": {
                "allow_null": True,
                "help_text": "Where the device is kept, when `device_available` says it is "
                "kept for the manufacturer's investigation.",
            },
            "device_available": {
                "help_text": "Whether the device is kept for the manufacturer's investigation "
                "(null: not known)."
            },
            "might_have_led_to_serious": {
                "help_text": "Whether it might have led to death or serious deterioration."
            },
        }

    def service_fields(self) -> dict[str, Any]:
        """validated_data as the service's keyword arguments (events/services.EVENT_FIELDS):
        a text sent as null is blank."""
        data = {
            name: value
            for name, value in self.validated_data.items()
            if name not in ("introduction", "reason")
        }
        for name in NULL_IS_BLANK:
            if name in data and data[name] is None:
                data[name] = ""
        return data


class AdverseEventWriteSerializer(_EventFieldsSerializer):
    """The body of POST /adverse-events/."""

    introduction = strict.IntegerField(
        min_value=1,
        max_value=LARGEST_ID,
        help_text="The id of an approved (or once approved) introduction of your organisation.",
    )

    class Meta(_EventFieldsSerializer.Meta):
        fields = ["introduction", *_EventFieldsSerializer.Meta.fields]


class IntroductionOfEventSerializer(serializers.Serializer):
    """The introduction an event is recorded under, read before the rest of the body so that
    who may, and when, are answered first (403, 409) for a body never allowed."""

    introduction = strict.IntegerField(min_value=1, max_value=LARGEST_ID)


class AdverseEventUpdateSerializer(_EventFieldsSerializer):
    """The body of PATCH /adverse-events/{id}/: any of the fields; the Yellow Card follows
    unless a lead has decided it."""

    reason = strict.CharField(
        max_length=5000, required=False, allow_blank=True, help_text="Why, for the history."
    )

    class Meta(_EventFieldsSerializer.Meta):
        fields = [*_EventFieldsSerializer.Meta.fields, "reason"]
        extra_kwargs = {**_EventFieldsSerializer.Meta.extra_kwargs, "occurred_on": {}}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict) and "introduction" in data:
            raise serializers.ValidationError(
                {"introduction": ["An event cannot move to another introduction."]}
            )
        return super().to_internal_value(data)


# --- the Yellow Card -------------------------------------------------------------------------

DECISIONS = (YellowCard.SUBMITTED, YellowCard.NOT_REPORTABLE, YellowCard.DUE)


class YellowCardWriteSerializer(strict.StrictSerializer):
    """The body of POST /adverse-events/{id}/yellow-card/ (a governance lead)."""

    status = plain_choice(
        SimpleNamespace(
            choices=[(d.value, d.label) for d in DECISIONS], values=[d.value for d in DECISIONS]
        ),
        help_text="`submitted` with `reference` and `submitted_on`; `not_reportable` with "
        "`reason`; `due` with `reason` reopens a decided card.",
    )
    reference = strict.CharField(
        max_length=_max_length("yellow_card_reference"),
        required=False,
        allow_blank=True,
        help_text="The MHRA Yellow Card reference.",
    )
    submitted_on = serializers.DateField(required=False, allow_null=True)
    reason = strict.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)


class ReportRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Stable: the same answer has the same key.")
    label = serializers.CharField(help_text="The question, in the form's words.")
    value = serializers.CharField(help_text="The answer as typed into the form.")


class ReportSectionSerializer(serializers.Serializer):
    title = serializers.CharField()
    rows = ReportRowSerializer(many=True)


class YellowCardReportSerializer(serializers.Serializer):
    """GET /adverse-events/{id}/yellow-card/: the answers of the MHRA Yellow Card device form,
    section by section in the order a person copies them in (reporter, device, incident,
    patient, the card itself). Never the NHS number."""

    event = serializers.IntegerField()
    introduction = serializers.IntegerField()
    sections = ReportSectionSerializer(many=True)
    yellow_card = YellowCardSerializer()
