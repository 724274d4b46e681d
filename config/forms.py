"""NHS.UK frontend markup for Django forms.

`NHSFormMixin` adds the frontend's classes and ARIA links to each widget; the renderer's field
template (templates/includes/field.html) lays out label, hint and error. Templates render a
field with `{{ form.name.as_field_group }}` and the error summary with
`{% include "includes/error_summary.html" %}`.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.forms.renderers import TemplatesSetting

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
