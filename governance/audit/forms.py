"""The audit page's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst

from config.forms import NHSDateField, NHSFormMixin


class HistoryFilterForm(NHSFormMixin, forms.Form):
    """The audit page's filters; field names are governance.audit.HistoryFilter's parameters."""

    user = forms.ChoiceField(label="Changed by", required=False)
    member = forms.ChoiceField(
        label="Roles and memberships of",
        required=False,
        help_text="Who was given or lost a role, or joined or left the organisation.",
    )
    model = forms.ChoiceField(label="Record type", required=False)
    introduction = forms.ChoiceField(label="Introduction", required=False)
    since = NHSDateField(label="From", required=False, help_text="For example, 1 4 2026.")
    until = NHSDateField(label="To", required=False, help_text="For example, 30 4 2026.")

    def __init__(
        self,
        *args: Any,
        users: list[tuple[str, str]],
        record_types: list[tuple[str, str]],
        introductions: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Anyone"), *users]
        self.fields["member"].choices = [("", "Anyone"), *users]
        self.fields["model"].choices = [
            ("", "Any record"),
            *((value, capfirst(label)) for value, label in record_types),
        ]
        self.fields["introduction"].choices = [
            ("", "Any introduction"),
            *((str(pk), title) for pk, title in introductions),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "To must be the same as or after From")
        return data

    def params(self) -> dict[str, str]:
        """The valid filters as governance.audit.HistoryFilter.from_params reads them."""
        data = self.cleaned_data
        params = {
            name: data.get(name) or "" for name in ("user", "member", "model", "introduction")
        }
        for name in ("since", "until"):
            params[name] = data[name].isoformat() if data.get(name) else ""
        return params
