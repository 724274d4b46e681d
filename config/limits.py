"""How much the service takes: one home for the limits the pages and the API share.

A page form that took what the API refuses (2,000,000 characters where the API caps at
20,000, an id of 10**20 that overflows the database's integer and answered 500, the year
0001 as a planned start) let bad input past the door the API keeps. The forms
(governance/*/forms.py, coding/forms.py), the serializers and the services read these.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.forms.utils import pretty_name

LONG_TEXT = 20_000  # characters: generous for a free-text section of an application
PASSWORD_LENGTH = 4096  # characters: no one types more, and hashing more only costs time
LARGEST_ID = 2**63 - 1  # a 64-bit primary key: a larger number is no row, never a query
EARLIEST_DATE = date(1990, 1, 1)  # before this, a clinical date is a typing error
LATEST_DATE = date(2099, 12, 31)  # after this, a planned or recorded date is a typing error


def too_long(what: str, limit: int) -> str:
    """The NHS.UK message for text over its limit, naming the field: "`what` must be ..."."""
    return f"{what} must be {limit} characters or fewer"


def check_date(value: date, label: str) -> None:
    """ValidationError naming the field when `value` is outside EARLIEST_DATE..LATEST_DATE."""
    if value < EARLIEST_DATE:
        raise ValidationError(f"{label} must be in {EARLIEST_DATE.year} or later", code="min_value")
    if value > LATEST_DATE:
        raise ValidationError(f"{label} must be before {LATEST_DATE.year + 1}", code="max_value")


def model_bounds(model: type[models.Model], field: str) -> tuple[Any, Any]:
    """(lowest, highest) a model field's validators allow: a form asks the model, so the two
    cannot drift."""
    validators = model._meta.get_field(field).validators
    low = next((v.limit_value for v in validators if isinstance(v, MinValueValidator)), None)
    high = next((v.limit_value for v in validators if isinstance(v, MaxValueValidator)), None)
    return low, high


def _beyond_any_id(value: Any) -> bool:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return False  # not a number: the field's own check says so
    return not 0 <= number <= LARGEST_ID


class BoundedModelChoiceField(forms.ModelChoiceField):
    """A choice of rows by id: an id no row can have is the usual "select a valid choice",
    not a query (on SQLite an id past 64 bits raised OverflowError, a 500)."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not self.to_field_name and _beyond_any_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """`BoundedModelChoiceField` for several rows."""

    def _check_values(self, value: Any) -> Any:
        if not self.to_field_name:
            for item in value:
                if _beyond_any_id(item):
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": str(item)[:30]},
                    )
        return super()._check_values(value)


def name_the_field_in_limit_errors(form: forms.BaseForm) -> None:
    """Django's "Ensure this value has at most 20000 characters" names no field: each limit a
    field has but gives no message for says, in the NHS.UK style, which field and why. Called
    by config.forms.NHSFormMixin for every page form."""
    for name, field in form.fields.items():
        # Not form[name].label: a bound field made now would keep the label and the field
        # that a form's own __init__ may still change.
        label = str(field.label or pretty_name(name)).removesuffix(" (optional)")
        messages = field.error_messages
        if getattr(field, "max_length", None) is not None:
            messages.setdefault("max_length", too_long(label, field.max_length))
        if getattr(field, "max_value", None) is not None:
            messages.setdefault("max_value", f"{label} must be {field.max_value} or less")
        if getattr(field, "min_value", None) is not None:
            messages.setdefault("min_value", f"{label} must be {field.min_value} or more")
