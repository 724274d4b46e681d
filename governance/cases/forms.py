"""Forms of the case pages, in NHS.UK markup (config.forms.NHSFormMixin).

Forms read and shape input only: cases/services.py checks the rules (dates, NHS number,
operator, device) and writes, and its ValidationError comes back onto the fields with
`add_service_errors`. Each field has a bound (length, range) so that no input, however long
or large, reaches the database unchecked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from coding.forms import CODES_MAX_LENGTH, NOT_RECORDED, clean_codes
from config.forms import NHSDateField, NHSFormMixin
from governance.cases.models import EQ5D_MAX, EQ5D_MIN, Approach, ImageGuidance, Timepoint

REASON_MAX_LENGTH = 1000
EVIDENCE_MAX_LENGTH = 5000
MAX_LEVELS = 99


def _number(decimal: bool = False, width: int = 3) -> forms.TextInput:
    # NHS.UK advice: text inputs with an input mode, not type="number".
    return forms.TextInput(
        attrs={
            "inputmode": "decimal" if decimal else "numeric",
            "spellcheck": "false",
            "class": f"nhsuk-input--width-{width}",
        }
    )


def _whole(label: str, low: int, high: int, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        widget=_number(),
        error_messages={
            "invalid": f"Enter the {label.lower()} as a whole number from {low} to {high}",
            "min_value": f"The {label.lower()} must be {low} or more",
            "max_value": f"The {label.lower()} must be {high} or less",
        },
        **kwargs,
    )


class CodingFields(forms.Form):
    """The coded episode and its context: what the coding check reads (the quick form, the
    change form and the as-you-type check share it)."""

    approach = forms.ChoiceField(
        label="Approach",
        choices=[NOT_RECORDED, *Approach.choices],
        required=False,
        widget=forms.RadioSelect(attrs={"inline": True}),
    )
    image_guidance = forms.ChoiceField(
        label="Image guidance",
        choices=[NOT_RECORDED, *ImageGuidance.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text="Not recorded, with a percutaneous approach, counts as image guided by a "
        "method not recorded.",
    )
    levels = forms.IntegerField(
        label="Spinal levels treated",
        required=False,
        min_value=1,
        max_value=MAX_LEVELS,
        widget=_number(width=2),
        help_text="A whole number, such as 1. Leave it empty if not known.",
        error_messages={
            "invalid": "Enter the spinal levels treated as a whole number, such as 1",
            "min_value": "Spinal levels treated must be 1 or more",
            "max_value": f"Spinal levels treated must be {MAX_LEVELS} or fewer",
        },
    )
    codes = forms.CharField(
        label="OPCS-4 codes",
        max_length=CODES_MAX_LENGTH,
        help_text="In the order they were coded, separated by spaces, for example "
        "V40.1 V55.1 Y53.4 Z67.6. They are checked as you type.",
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "spellcheck": "false",
                "autocapitalize": "characters",
                "autocomplete": "off",
                "class": "app-code",
            }
        ),
        error_messages={
            "required": "Enter the OPCS-4 codes of the procedure",
            "max_length": f"Enter the codes in {CODES_MAX_LENGTH} characters or fewer",
        },
    )

    def clean_codes(self) -> list[str]:
        return clean_codes(
            self.cleaned_data["codes"], empty="Enter the OPCS-4 codes of the procedure"
        )

    def context(self) -> dict[str, Any]:
        """The SPEC context object of the cleaned data."""
        data = self.cleaned_data
        return {
            "approach": data.get("approach") or None,
            "image_guidance": data.get("image_guidance") or None,
            "levels": data.get("levels"),
        }


class CodingCheckForm(NHSFormMixin, CodingFields):
    """What the as-you-type check posts: the case form's coding fields, the rest ignored."""


class CaseForm(NHSFormMixin, CodingFields):
    """The quick form: one page, prefilled from the clinician's last case."""

    performed_on = NHSDateField(label="Date of the procedure", help_text="For example, 15 3 2026.")
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        required=False,
        max_length=20,
        help_text="10 digits, for example 943 476 5919.",
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "spellcheck": "false",
                "autocomplete": "off",
                "class": "nhsuk-input--width-10",
            }
        ),
        error_messages={"max_length": "Enter the NHS number as 10 digits"},
    )
    local_reference = forms.CharField(
        label="Local reference (optional)",
        required=False,
        max_length=50,
        help_text="The trust's own reference, such as a hospital number.",
        widget=forms.TextInput(
            attrs={"spellcheck": "false", "autocomplete": "off", "class": "nhsuk-input--width-20"}
        ),
    )
    operator = forms.ChoiceField(
        label="Operator",
        error_messages={
            "required": "Choose the operator",
            "invalid_choice": "Choose an operator from the list",
        },
    )
    mentor = forms.CharField(
        label="Mentor present",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-30"}),
    )
    device = forms.ChoiceField(
        label="Device (optional)",
        required=False,
        error_messages={
            "invalid_choice": "Choose one of the devices approved for this introduction"
        },
    )
    device_lot = forms.CharField(
        label="Device lot number (optional)",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"spellcheck": "false", "autocomplete": "off", "class": "nhsuk-input--width-20"}
        ),
    )

    field_order = [
        "performed_on",
        "nhs_number",
        "local_reference",
        "operator",
        "mentor",
        "device",
        "device_lot",
        "approach",
        "image_guidance",
        "levels",
        "codes",
    ]

    def __init__(
        self,
        *args: Any,
        operators: Iterable[tuple[str, Any]],
        devices: Iterable[tuple[Any, str]],
        mentor_cases: int | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operator"].choices = list(operators)
        devices = [(str(pk), name) for pk, name in devices]
        if devices:
            self.fields["device"].choices = [("", "Not recorded"), *devices]
        else:
            del self.fields["device"]
        if mentor_cases:
            self.fields["mentor"].help_text = (
                f"A condition of approval asks for a mentor at the first {mentor_cases} "
                "cases: name the mentor present, if there was one."
            )
            self.fields["mentor"].label = "Mentor present (if any)"
            self.fields["mentor"].widget.attrs["aria-describedby"] = (
                f"{self['mentor'].auto_id}-hint"
            )
        elif not (self.initial.get("mentor") or self.data.get("mentor")):
            del self.fields["mentor"]

    def case_fields(self) -> dict[str, Any]:
        """The cleaned data as case_log's and case_update's keyword arguments."""
        data = self.cleaned_data
        fields = {
            name: data.get(name)
            for name in (
                "performed_on",
                "nhs_number",
                "local_reference",
                "operator",
                "mentor",
                "device",
                "device_lot",
                "approach",
                "image_guidance",
                "levels",
            )
            if name in self.fields
        }
        if "operator" in fields:  # one of the choices: a user's primary key
            fields["operator"] = get_user_model().objects.get(pk=int(fields["operator"]))
        return fields


class CaseChangeForm(CaseForm):
    """The case's details and codes, changed with a reason (the case keeps its history)."""

    reason = forms.CharField(
        label="Why are you changing the case?",
        max_length=REASON_MAX_LENGTH,
        help_text="For example, the lot number was mistyped. It is kept in the case's history.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter why you are changing the case"},
    )


FAILURES = [
    ("device_failure", "Device failure"),
    ("major_complication", "Major complication"),
]


class FailureForm(NHSFormMixin, forms.Form):
    """What makes the case a failure for monitoring (SPEC section 5)."""

    reoperation_on = NHSDateField(
        label="Reoperation date",
        required=False,
        help_text="Leave it empty if there has been no reoperation. For example, 3 9 2026.",
    )
    failures = forms.MultipleChoiceField(
        label="Other failures",
        choices=FAILURES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
    )
    reason = forms.CharField(
        label="Note for the case's history (optional)",
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example, screw loosening seen on the 6 week X-ray.",
    )

    def case_fields(self) -> dict[str, Any]:
        failures = set(self.cleaned_data["failures"])
        return {
            "reoperation_on": self.cleaned_data["reoperation_on"],
            "device_failure": "device_failure" in failures,
            "major_complication": "major_complication" in failures,
        }


class OutcomeForm(NHSFormMixin, forms.Form):
    """The patient-reported outcomes at one time point."""

    timepoint = forms.ChoiceField(
        label="Time point",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the time point of the outcome",
            "invalid_choice": "Choose a time point not yet recorded",
        },
    )
    collected_on = NHSDateField(label="Date collected", help_text="For example, 15 3 2026.")
    odi = _whole(
        "Oswestry Disability Index (ODI)",
        0,
        100,
        help_text="0 (no disability) to 100.",
    )
    back_pain = _whole(
        "Back pain score", 0, 10, help_text="0 (no pain) to 10 (worst pain imaginable)."
    )
    leg_pain = _whole(
        "Leg pain score", 0, 10, help_text="0 (no pain) to 10 (worst pain imaginable)."
    )
    eq5d_index = forms.DecimalField(
        label="EQ-5D index",
        required=False,
        max_digits=4,
        decimal_places=3,
        min_value=EQ5D_MIN,
        max_value=EQ5D_MAX,
        widget=_number(decimal=True, width=4),
        help_text=f"From {EQ5D_MIN} to {EQ5D_MAX}, for example 0.725.",
        error_messages={
            "invalid": "Enter the EQ-5D index as a number, for example 0.725",
            "min_value": f"The EQ-5D index must be {EQ5D_MIN} or more",
            "max_value": f"The EQ-5D index must be {EQ5D_MAX} or less",
            "max_digits": "Enter the EQ-5D index with at most 3 decimal places, like 0.725",
            "max_decimal_places": "Enter the EQ-5D index with at most 3 decimal places",
            "max_whole_digits": f"The EQ-5D index must be {EQ5D_MAX} or less",
        },
    )

    def __init__(self, *args: Any, timepoints: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timepoint"].choices = [(tp, Timepoint(tp).label) for tp in timepoints]

    def outcome_fields(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in ("collected_on", "odi", "back_pain", "leg_pain", "eq5d_index")
        }


class OperatorForm(NHSFormMixin, forms.Form):
    """A clinician approved to perform the procedure, with the evidence and date."""

    user = forms.ChoiceField(
        label="Clinician",
        error_messages={
            "required": "Choose the clinician to approve",
            "invalid_choice": "Choose a clinician from the list",
        },
    )
    evidence = forms.CharField(
        label="Training and competence evidence",
        max_length=EVIDENCE_MAX_LENGTH,
        help_text="Courses attended, cases observed or performed under supervision, a mentor's "
        "sign-off.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the training and competence evidence"},
    )
    approved_on = NHSDateField(label="Date approved", help_text="For example, 15 3 2026.")

    def __init__(self, *args: Any, clinicians: Iterable[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Choose a clinician")] + [
            (str(pk), name) for pk, name in clinicians
        ]
