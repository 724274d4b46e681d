"""NHS.UK frontend markup for Django forms.

`NHSFormMixin` adds the frontend's classes and ARIA links to each widget; the renderer's field
template (templates/includes/field.html) lays out label, hint and error. Templates render a
field with `{{ form.name.as_field_group }}` and the error summary with
`{% include "includes/error_summary.html" %}`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

from config.limits import check_date, name_the_field_in_limit_errors

_WIDGET_CLASSES = {
    forms.Textarea: "nhsuk-textarea",
    forms.Select: "nhsuk-select",
    forms.CheckboxInput: "nhsuk-checkboxes__input",
}


class NHSFormRenderer(TemplatesSetting):
    field_template_name = "includes/field.html"


class NHSFormMixin:
    default_renderer = NHSFormRenderer

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name_the_field_in_limit_errors(self)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            css = next(
                (c for cls, c in _WIDGET_CLASSES.items() if isinstance(widget, cls)),
                "nhsuk-input",
            )
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}-hint"

    def full_clean(self) -> None:
        super().full_clean()
        # Errors are known only now: mark the widgets so the frontend styles them.
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            base = widget.attrs.get("class", "nhsuk-input").split()[0]
            if f"{base}--error" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', base)} {base}--error"
            error_id = f"{self[name].auto_id}-error"
            described = widget.attrs.get("aria-describedby", "")
            if error_id not in described:
                widget.attrs["aria-describedby"] = f"{described} {error_id}".strip()


class SignInForm(NHSFormMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(NHSFormMixin, auth_forms.PasswordChangeForm):
    pass


# --- the NHS.UK date input ---------------------------------------------------------------

_DATE_PARTS = (("day", 2), ("month", 2), ("year", 4))


class NHSDateInput(forms.MultiWidget):
    """Day, month and year boxes (NHS.UK "date input"). The day box takes the field's own id,
    so that the error summary's link (#id_<name>) lands on it."""

    template_name = "includes/date_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = {part: forms.TextInput(attrs={"inputmode": "numeric"}) for part, _ in _DATE_PARTS}
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        base_id = widget["attrs"].get("id")
        error = "--error" in widget["attrs"].get("class", "")
        for index, (sub, (part, width)) in enumerate(
            zip(widget["subwidgets"], _DATE_PARTS, strict=True)
        ):
            sub_attrs = sub["attrs"]
            sub_attrs.pop("aria-describedby", None)  # the fieldset carries hint and error
            sub_attrs["class"] = (
                f"nhsuk-input nhsuk-input--width-{width} nhsuk-date-input__input"
                + (" nhsuk-input--error" if error else "")
            )
            if base_id:
                sub_attrs["id"] = base_id if index == 0 else f"{base_id}_{part}"
            sub["label"] = part.capitalize()
        return context

    def id_for_label(self, id_: str) -> str:
        return id_


class NHSDateField(forms.MultiValueField):
    """A date from the three boxes, with the NHS.UK error messages ("must include a month")."""

    widget = NHSDateInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("template_name", "includes/date_field.html")
        parts = tuple(forms.CharField(required=False) for _ in _DATE_PARTS)
        super().__init__(parts, require_all_fields=False, **kwargs)

    def clean(self, value: Any) -> date | None:
        values = list(value) if isinstance(value, list | tuple) else [None, None, None]
        parts = [str(v).strip() if v is not None else "" for v in values[:3]]
        parts += [""] * (3 - len(parts))
        label = str(self.label or "Date")
        if not any(parts):
            if self.required:
                raise ValidationError(f"Enter the {label.lower()}", code="required")
            return None
        missing = [part for (part, _), text in zip(_DATE_PARTS, parts, strict=True) if not text]
        if missing:
            raise ValidationError(
                f"{label} must include a {' and a '.join(missing)}", code="incomplete"
            )
        try:
            day, month, year = (int(text) for text in parts)
            if len(parts[2]) != 4:
                raise ValidationError("Year must include 4 numbers", code="year")
            result = date(year, month, day)
        except (ValueError, OverflowError):  # a day of 10**20 overflows, it is no crash
            raise ValidationError(f"{label} must be a real date", code="invalid") from None
        check_date(result, label)  # the year 0001 is a typing error (config/limits.py)
        self.run_validators(result)
        return result

    def compress(self, data_list: list[Any]) -> Any:  # clean() above does the work
        return data_list


# --- service errors onto forms ------------------------------------------------------------


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: each message on its field where the form
    has that field, otherwise at the top of the error summary."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, message)
