"""Forms of the coding pages. They only translate: the checks are coding.services'."""

from __future__ import annotations

from typing import Any

from django import forms

from coding import engine, services
from coding.errors import ContextInvalid
from coding.models import CodingResult, RuleSet
from config.forms import NHSFormMixin

CODES_MAX_LENGTH = 500  # 24 codes with separators fit many times over (the pages' limit)

NOT_RECORDED = ("", "Not recorded")


def clean_codes(text: str, *, empty: str) -> list[str]:
    """OPCS-4 codes typed in one box (spaces, commas or semicolons between them): at least one,
    at most an episode's 24 (engine.code_count_error). Every page that takes codes asks here."""
    codes = services.split_codes(text)
    if not codes:
        raise forms.ValidationError(empty)
    too_many = engine.code_count_error(len(codes))
    if too_many:
        raise forms.ValidationError(f"Enter {engine.MAX_CODES} codes or fewer: {too_many}")
    return codes


class CheckCodingForm(NHSFormMixin, forms.Form):
    ruleset = forms.ChoiceField(
        label="Rule set",
        help_text="The guidance whose coding recommendations apply.",
    )
    codes = forms.CharField(
        label="OPCS-4 codes",
        help_text="In the order they were coded. Separate them with spaces, commas, semicolons "
        "or new lines, for example V40.1 V55.1 Z67.6.",
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "spellcheck": "false",
                "autocapitalize": "characters",
                "autocomplete": "off",
                "class": "app-code",
            }
        ),
        max_length=CODES_MAX_LENGTH,
        error_messages={
            "required": "Enter the OPCS-4 codes to check",
            "max_length": f"Enter the codes in {CODES_MAX_LENGTH} characters or fewer",
        },
    )
    approach = forms.ChoiceField(
        label="Approach",
        choices=[NOT_RECORDED, *CodingResult.Approach.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    image_guidance = forms.ChoiceField(
        label="Image guidance",
        choices=[NOT_RECORDED, *CodingResult.ImageGuidance.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text="Not recorded, with a percutaneous approach, counts as image guided by a "
        "method not recorded.",
    )
    levels = forms.IntegerField(
        label="Spinal levels treated",
        help_text="A whole number, such as 1. Leave it empty if not known.",
        required=False,
        min_value=1,
        max_value=99,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "nhsuk-input--width-2"}),
        error_messages={
            "invalid": "Enter the spinal levels treated as a whole number, such as 1",
            "min_value": "Spinal levels treated must be 1 or more",
            "max_value": "Spinal levels treated must be 99 or fewer",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = list(RuleSet.objects.order_by("name").values_list("name", flat=True))
        self.fields["ruleset"].choices = [(name, name) for name in names]
        if names and not self.initial.get("ruleset"):
            self.initial["ruleset"] = "IPG366" if "IPG366" in names else names[0]

    def clean_codes(self) -> list[str]:
        return clean_codes(self.cleaned_data["codes"], empty="Enter the OPCS-4 codes to check")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            cleaned["context"] = services.coding_context(
                {name: cleaned.get(name) for name in ("approach", "image_guidance", "levels")}
            )
        except ContextInvalid as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned
