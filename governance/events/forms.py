"""Forms of the adverse-event pages, in NHS.UK markup (config.forms.NHSFormMixin).

Forms read and shape input only: events/services.py checks the rules (dates, the case, the
device's name, where it is kept) and writes; its ValidationError comes back onto the fields
with `add_service_errors`. Each field has a bound (length, range) so that no input, however
long or large, reaches the database unchecked.

The quick form is one page short enough to fill in a minute: the device's details are revealed
only when a device was involved (the frontend's conditional reveal; without JavaScript they
all show), and come filled in from the case's device and lot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.forms.boundfield import BoundField

from config.forms import NHSDateField, NHSFormMixin
from config.limits import LARGEST_ID
from governance.events.models import DEVICE_FIELDS, AdverseEvent, Category, Harm, YellowCard
from governance.events.services import EVENT_FIELDS

TEXT_MAX_LENGTH = 5000  # a description or the action taken: a long paragraph fits
REASON_MAX_LENGTH = 1000
YES_NO = [("yes", "Yes"), ("no", "No")]

# What each LFPSE grade of physical harm means, as the radios' hints.
HARM_HINTS = {
    Harm.NONE: "No harm came to the patient.",
    Harm.LOW: "Minimal harm: extra observation or minor treatment.",
    Harm.MODERATE: "Significant but not permanent harm, or a moderate increase in treatment "
    "such as a return to theatre or a readmission.",
    Harm.SEVERE: "Permanent lessening of bodily, sensory, motor, physiological or intellectual "
    "function.",
    Harm.FATAL: "The patient died, and the death was related to the event.",
}


def _yes_no(value: Any) -> bool:
    return value == "yes"


def yes_no(value: bool | None) -> str:
    """A boolean as the radios' value ("" when not answered)."""
    return "" if value is None else ("yes" if value else "no")


class RadiosBoundField(BoundField):
    """A radio group whose options may carry a hint and reveal other fields of the form."""

    def get_context(self) -> dict[str, Any]:
        field = self.field
        options = []
        for option in self:
            value = str(option.data["value"])
            reveal = [
                self.form[name] for name in field.reveal.get(value, ()) if name in self.form.fields
            ]
            options.append(
                {
                    "option": option,
                    "id": option.id_for_label,
                    "hint": field.hints.get(value, ""),
                    "reveal": reveal,
                }
            )
        return {"field": self, "options": options, "conditional": any(o["reveal"] for o in options)}


class Radios(forms.TypedChoiceField):
    """NHS.UK radios: `hints` by value, `reveal` (value -> names of the form's fields shown
    under that option when it is chosen), `inline` for two short options."""

    widget = forms.RadioSelect

    def __init__(
        self,
        *,
        hints: Mapping[str, str] | None = None,
        reveal: Mapping[str, Iterable[str]] | None = None,
        inline: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("template_name", "governance/events/_radios.html")
        super().__init__(**kwargs)
        self.hints = {str(k): v for k, v in (hints or {}).items()}
        self.reveal = {str(k): tuple(v) for k, v in (reveal or {}).items()}
        self.inline = inline

    def get_bound_field(self, form: forms.BaseForm, field_name: str) -> BoundField:
        return RadiosBoundField(form, self, field_name)


def _text(label: str, max_length: int, width: int | None = 20, **kwargs: Any) -> forms.CharField:
    attrs = {"spellcheck": "false", "autocomplete": "off"}
    if width:
        attrs["class"] = f"nhsuk-input--width-{width}"
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs),
        error_messages={
            "max_length": f"Enter the {label.lower().removesuffix(' (optional)')} in "
            f"{max_length} characters or fewer"
        },
        **kwargs,
    )


def _field_max(name: str) -> int:
    return AdverseEvent._meta.get_field(name).max_length


class EventForm(NHSFormMixin, forms.Form):
    """The quick form of an adverse event (logging, and changing with a reason)."""

    occurred_on = NHSDateField(label="Date it happened", help_text="For example, 15 3 2026.")
    detected_on = NHSDateField(
        label="Date it was found (if later)",
        required=False,
        help_text="Leave it empty if it was found the day it happened.",
    )
    description = forms.CharField(
        label="What happened?",
        max_length=TEXT_MAX_LENGTH,
        help_text="What happened to the patient, and what part the device played, if any.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Enter what happened",
            "max_length": f"Describe what happened in {TEXT_MAX_LENGTH} characters or fewer",
        },
    )
    category = Radios(
        label="What kind of event was it?",
        choices=Category.choices,
        error_messages={
            "required": "Choose what kind of event it was",
            "invalid_choice": "Choose a kind of event from the list",
        },
    )
    harm = Radios(
        label="How much harm did it cause?",
        choices=Harm.choices,
        hints=HARM_HINTS,
        help_text="The grades of the Learn from Patient Safety Events service.",
        error_messages={
            "required": "Choose how much harm it caused",
            "invalid_choice": "Choose a grade of harm from the list",
        },
    )
    might_have_led_to_serious = Radios(
        label="Might it have led to death or serious deterioration in health?",
        choices=YES_NO,
        coerce=_yes_no,
        inline=True,
        help_text="Yes if it did, or could have had things gone differently.",
        error_messages={"required": "Say whether it might have led to death or serious harm"},
    )
    device_involved = Radios(
        label="Was a device involved?",
        choices=YES_NO,
        coerce=_yes_no,
        reveal={"yes": (*DEVICE_FIELDS, "device_available")},
        help_text="An implant, instrument or other medical device used in the procedure.",
        error_messages={"required": "Say whether a device was involved"},
    )
    device_name = _text("Device name", _field_max("device_name"), width=30)
    device_manufacturer = _text("Manufacturer", _field_max("device_manufacturer"), width=30)
    device_model = _text("Model (optional)", _field_max("device_model"))
    device_catalogue_number = _text(
        "Catalogue number (optional)", _field_max("device_catalogue_number")
    )
    device_serial_number = _text("Serial number (optional)", _field_max("device_serial_number"))
    device_lot_number = _text("Lot or batch number (optional)", _field_max("device_lot_number"))
    device_available = Radios(
        label="Is the device kept for the manufacturer's investigation?",
        choices=YES_NO,
        coerce=_yes_no,
        empty_value=None,
        required=False,
        reveal={"yes": ("device_kept_at",)},
        help_text="Keep it if you can: the manufacturer and the MHRA may ask to examine it.",
    )
    device_kept_at = forms.CharField(
        label="Where is it kept?",
        required=False,
        max_length=_field_max("device_kept_at"),
        help_text="For example, theatre 3 sterile services, bag labelled with the incident "
        "reference.",
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-30"}),
        error_messages={
            "max_length": "Say where the device is kept in "
            f"{_field_max('device_kept_at')} characters or fewer"
        },
    )
    action_taken = forms.CharField(
        label="Action taken (optional)",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text="For example, wound washout, antibiotics started, device removed.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": f"Describe the action taken in {TEXT_MAX_LENGTH} characters or fewer"
        },
    )
    local_reference = _text(
        "Local incident reference (optional)",
        _field_max("local_reference"),
        help_text="The event's number in the trust's incident system, if it has one.",
    )
    case = forms.IntegerField(
        label="Case number (optional)",
        required=False,
        min_value=1,
        max_value=LARGEST_ID,
        help_text="The number on the case's page, if it happened to the patient of a logged case.",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "spellcheck": "false", "class": "nhsuk-input--width-10"}
        ),
        error_messages={
            "invalid": "Enter the case number as a whole number, such as 12",
            "min_value": "Enter the case number as a whole number, such as 12",
            "max_value": "There is no case with this number: check it on the case's page",
        },
    )

    def __init__(self, *args: Any, with_case: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_case:  # logged from a case's page: the case is the page's
            del self.fields["case"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("device_involved") is False:  # answers under "No" are not kept
            for name in (*DEVICE_FIELDS, "device_kept_at"):
                data[name] = ""
            data["device_available"] = None
        elif data.get("device_available") is not True:
            data["device_kept_at"] = ""
        return data

    def event_fields(self) -> dict[str, Any]:
        """The cleaned data as adverse_event_record's and _update's keyword arguments."""
        data = self.cleaned_data
        # The service's own list of fields; it also takes a blank detection date as the day
        # the event happened.
        fields = {name: data.get(name) for name in EVENT_FIELDS if name != "case"}
        if "case" in self.fields:
            fields["case"] = data.get("case")
        return fields


def event_initial(event: AdverseEvent) -> dict[str, Any]:
    """The change form, filled in from the event."""
    initial: dict[str, Any] = {
        name: getattr(event, name)
        for name in (
            "occurred_on",
            "description",
            "harm",
            "category",
            *DEVICE_FIELDS,
            "device_kept_at",
            "action_taken",
            "local_reference",
        )
    }
    initial["detected_on"] = event.detected_on if event.detected_on != event.occurred_on else None
    initial["case"] = event.case_id
    for name in ("device_involved", "might_have_led_to_serious", "device_available"):
        initial[name] = yes_no(getattr(event, name))
    return initial


def device_initial(device, lot: str = "") -> dict[str, str]:
    """The device's details as the quick form's defaults (a case's device and lot)."""
    return {
        "device_name": device.name,
        "device_manufacturer": device.manufacturer,
        "device_model": device.model,
        "device_catalogue_number": device.catalogue_number,
        "device_lot_number": lot,
    }


class EventChangeForm(EventForm):
    """The event's answers, changed with a reason (the event keeps its history)."""

    reason = forms.CharField(
        label="Why are you changing the event?",
        max_length=REASON_MAX_LENGTH,
        help_text="For example, the harm was graded again after the review. It is kept in the "
        "event's history.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Enter why you are changing the event",
            "max_length": f"Enter the reason in {REASON_MAX_LENGTH} characters or fewer",
        },
    )


# --- the Yellow Card -------------------------------------------------------------------------


class SubmittedForm(NHSFormMixin, forms.Form):
    """A lead marks the Yellow Card submitted to the MHRA."""

    reference = forms.CharField(
        label="MHRA Yellow Card reference",
        max_length=_field_max("yellow_card_reference"),
        help_text="The reference the MHRA gave when the report was sent.",
        widget=forms.TextInput(
            attrs={"spellcheck": "false", "autocomplete": "off", "class": "nhsuk-input--width-20"}
        ),
        error_messages={
            "required": "Enter the MHRA Yellow Card reference",
            "max_length": "Enter the reference in "
            f"{_field_max('yellow_card_reference')} characters or fewer",
        },
    )
    submitted_on = NHSDateField(label="Date it was submitted", help_text="For example, 15 3 2026.")


class ReasonForm(NHSFormMixin, forms.Form):
    """A lead marks the Yellow Card not reportable, or reopens it: with the reason."""

    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": f"Enter the reason in {REASON_MAX_LENGTH} characters or fewer"
        },
    )

    def __init__(self, *args: Any, label: str, hint: str, required: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.label, field.help_text = label, hint
        field.error_messages["required"] = required
        self.fields["reason"].widget.attrs["aria-describedby"] = f"{self['reason'].auto_id}-hint"


# --- the lists' filters ------------------------------------------------------------------------

# The Yellow Card states a list filters by: the model's, and `overdue` (a due card past its date).
CARD_FILTERS = [
    (YellowCard.DUE.value, "Due"),
    ("overdue", "Overdue"),
    (YellowCard.SUBMITTED.value, "Submitted"),
    (YellowCard.NOT_REPORTABLE.value, "Not reportable"),
    (YellowCard.NOT_REQUIRED.value, "Not required"),
]


class EventFilterForm(NHSFormMixin, forms.Form):
    """The event list's filters (GET): harm, Yellow Card state, introduction."""

    harm = forms.ChoiceField(
        label="Harm",
        required=False,
        choices=[("", "Any harm"), *Harm.choices],
        error_messages={"invalid_choice": "Choose a grade of harm from the list"},
    )
    card = forms.ChoiceField(
        label="Yellow Card",
        required=False,
        choices=[("", "Any"), *CARD_FILTERS],
        error_messages={"invalid_choice": "Choose a Yellow Card state from the list"},
    )
    introduction = forms.TypedChoiceField(
        label="Introduction",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose an introduction from the list"},
    )

    def __init__(self, *args: Any, introductions: Iterable[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["introduction"].choices = [
            ("", "Any introduction"),
            *((str(pk), title) for pk, title in introductions),
        ]

    def filters(self) -> dict[str, Any]:
        """The valid filters; a value that is not one of the choices filters nothing."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) for name in self.fields if data.get(name)}
