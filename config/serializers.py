"""Strict input for every API that writes (governance and coding): a key the serializer does
not write is refused, not ignored, and a value of the wrong JSON type is refused, not coerced.

DRF on its own answers 200 to `PATCH {"status": "approved"}` (the key is dropped), stores
`"title": 123` as "123" and reads `"supplier_carbon_plan": "yes"` as true: a client that got
it wrong is never told. Here each is a 400 naming the field:

    {"status": ["This field is read-only."]}      a field the answer shows but nobody writes
    {"colour": ["Unknown field."]}                 a key the resource does not have
    {"title": ["Not a valid string."]}             123 where text belongs
    {"supplier_carbon_plan": ["Must be true or false."]}
    {"levels": ["A valid integer is required."]}  "2" or true where a number belongs

`StrictInput` goes first in the bases of an input serializer (nested ones too); its field
classes replace DRF's of the same name, and `StrictModelSerializer` maps model fields to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from rest_framework import serializers

READ_ONLY = "This field is read-only."
UNKNOWN = "Unknown field."
# Not a field of any resource: the CSRF token a session client may send in a form body.
NOT_FIELDS = frozenset({"csrfmiddlewaretoken"})


class StrictInput:
    """Refuses the keys of a body that this serializer does not write: fields of the resource
    that are read-only (its own read-only fields, and the fields of `shown_as`, the serializer
    of the answer, that it does not take) and keys that name nothing."""

    shown_as: ClassVar[type[serializers.BaseSerializer] | None] = None
    _shown_fields: ClassVar[dict[type, frozenset[str]]] = {}

    @classmethod
    def _shown(cls) -> frozenset[str]:
        if cls.shown_as is None:
            return frozenset()
        if cls not in StrictInput._shown_fields:
            StrictInput._shown_fields[cls] = frozenset(cls.shown_as().fields)
        return StrictInput._shown_fields[cls]

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            fields = self.fields  # type: ignore[attr-defined]
            writable = {name for name, field in fields.items() if not field.read_only}
            shown = self._shown() | set(fields)
            errors = {
                str(key): [READ_ONLY if key in shown else UNKNOWN]
                for key in data
                if key not in writable and key not in NOT_FIELDS
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


def _refuse(field: serializers.Field, data: Any, *types: type) -> None:
    """The field's own "invalid" message unless `data` is of one of `types` (never a bool
    unless bool is named: in Python True is an int)."""
    if isinstance(data, bool) and bool not in types:
        field.fail("invalid")
    if not isinstance(data, types):
        field.fail("invalid")


class CharField(serializers.CharField):
    """Text only: 123 is not "123"."""

    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data: Any) -> str:
        _refuse(self, data, str)
        return super().to_internal_value(data)


class BooleanField(serializers.BooleanField):
    """JSON true or false only: "yes", "true", 1 and "on" are not answers."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        _refuse(self, data, bool)
        return data


class IntegerField(serializers.IntegerField):
    """A JSON number only: "2" and true are not numbers."""

    def to_internal_value(self, data: Any) -> int:
        _refuse(self, data, int, float)
        return super().to_internal_value(data)


class FloatField(serializers.FloatField):
    def to_internal_value(self, data: Any) -> float:
        _refuse(self, data, int, float)
        return super().to_internal_value(data)


class DecimalField(serializers.DecimalField):
    """A JSON number only (so its schema says number, not string)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        _refuse(self, data, int, float, Decimal)
        return super().to_internal_value(data)


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A row by its integer id: "3" and true are not ids."""

    default_error_messages = {"incorrect_type": "Give the id: a whole number, not {data_type}."}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class StrictSerializer(StrictInput, serializers.Serializer):
    pass


class StrictModelSerializer(StrictInput, serializers.ModelSerializer):
    """A ModelSerializer whose fields made from the model are the strict ones above."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        **{
            model_field: strict
            for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()
            for plain, strict in (
                (serializers.CharField, CharField),
                (serializers.BooleanField, BooleanField),
                (serializers.IntegerField, IntegerField),
                (serializers.FloatField, FloatField),
                (serializers.DecimalField, DecimalField),
            )
            if field is plain
        },
    }
    serializer_related_field = PrimaryKeyRelatedField
