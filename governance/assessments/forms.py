"""Forms of the assessment pages, in NHS.UK markup (config.forms.NHSFormMixin).

Field names are the model's, so a service's ValidationError lands on its field as it is
(`add_service_errors`). The forms shape input only: the rules that tie answers together
(a negative impact needs a mitigation, ...) are the model's (assessments/models.py, impact_errors),
checked by the service when it saves.

Conditional questions (NHS.UK radios with conditional content) are answered only when their
option is chosen: an answer left in a hidden question is dropped, as the pattern expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from config.forms import NHSDateField, NHSFormMixin
from governance.assessments.models import (
    ACTION_OWNER_LENGTH,
    IMPACT_PARTS,
    IMPACT_PREFIXES,
    OTHER_PART,
    Characteristic,
    Conclusion,
    EqualityAssessment,
    Impact,
    Rating,
    SustainabilityAssessment,
    impact_field,
)
from governance.assessments.services import MAX_TEXT


def _text(label: str, help_text: str = "", rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _radios(choices: Any, label: str, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=False,
        help_text=help_text,
        widget=forms.RadioSelect,
    )


class AssessmentForm(NHSFormMixin, forms.Form):
    """Initial values from the assessment; `answers()` gives the service its `data`."""

    # Conditional questions: (the radios, the option that reveals them, the questions).
    CONDITIONAL: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def __init__(self, *args: Any, assessment: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if assessment is not None and not self.is_bound:
            for name in self.fields:
                self.initial[name] = getattr(assessment, name)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for radios, option, questions in self.CONDITIONAL:
            if radios not in self.fields:
                continue  # a question of another page of the task list
            if cleaned.get(radios) != option:
                for name in questions:
                    cleaned[name] = None if name.endswith("_due") else ""
                    self.errors.pop(name, None)  # a hidden question's bad input is dropped too
        return cleaned

    def answers(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def add_service_errors(self, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, message)


@dataclass(frozen=True)
class CharacteristicFields:
    """One characteristic's bound fields, laid out as one fieldset on the page."""

    value: str
    label: str
    impact: forms.BoundField
    evidence: forms.BoundField
    mitigation: forms.BoundField
    action: forms.BoundField
    action_owner: forms.BoundField
    action_due: forms.BoundField


def _impact_form_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for c, label in Characteristic.choices:
        fields |= {
            impact_field(c, "impact"): _radios(
                Impact.choices,
                f"Impact: {label.lower()}",
                "What impact could the procedure have on people who share this protected "
                "characteristic?",
            ),
            impact_field(c, "evidence"): _text(
                "Evidence",
                "Data, research or engagement with patients that supports your answer.",
                rows=3,
            ),
            impact_field(c, "mitigation"): _text(
                "How will the negative impact be mitigated?", rows=3
            ),
            impact_field(c, "action"): _text(
                "How will the impact be found out?",
                "For example, an audit of who is offered the procedure and who takes it up.",
                rows=3,
            ),
            impact_field(c, "action_owner"): forms.CharField(
                label="Who will find it out?",
                required=False,
                max_length=ACTION_OWNER_LENGTH,
                help_text="A name and role.",
            ),
            impact_field(c, "action_due"): NHSDateField(
                label="By when?", required=False, help_text="For example, 31 3 2026"
            ),
        }
    return fields


# The 54 questions about the nine characteristics, declared once from Characteristic (the
# form metaclass collects them from this base like any declared field).
_ImpactQuestions = type("_ImpactQuestions", (forms.Form,), _impact_form_fields())


class EqualityAssessmentForm(AssessmentForm, _ImpactQuestions):
    health_inequalities = _text(
        "Health inequalities",
        EqualityAssessment._meta.get_field("health_inequalities").help_text,
    )
    accessible_information = _text(
        "Accessible information",
        EqualityAssessment._meta.get_field("accessible_information").help_text,
    )
    consent_capacity = _text(
        "Consent and capacity (optional)",
        EqualityAssessment._meta.get_field("consent_capacity").help_text.removesuffix(" Optional."),
    )
    psed_aims = _text(
        "Public Sector Equality Duty",
        EqualityAssessment._meta.get_field("psed_aims").help_text,
    )
    conclusion = _radios(Conclusion.choices, "Conclusion")
    justification = _text(
        "Why should the introduction continue?",
        "Explain why the procedure should be introduced despite the possible adverse impact.",
    )

    field_order = list(EqualityAssessment.ANSWER_FIELDS)
    SECTIONS = ("health_inequalities", "accessible_information", "consent_capacity", "psed_aims")
    CONDITIONAL = (
        *(
            (impact_field(c, "impact"), Impact.NEGATIVE, (impact_field(c, "mitigation"),))
            for c in Characteristic.values
        ),
        *(
            (
                impact_field(c, "impact"),
                Impact.UNKNOWN,
                tuple(impact_field(c, part) for part in ("action", "action_owner", "action_due")),
            )
            for c in Characteristic.values
        ),
        ("conclusion", Conclusion.CONTINUE, ("justification",)),
    )

    def __init__(self, *args: Any, part: str | None = None, **kwargs: Any) -> None:
        """`part`: one page of the task list (a characteristic's value, or OTHER_PART); the
        form then holds only that page's questions, and answers() only their answers, which
        leaves the others as they are (the service keeps answers not given)."""
        super().__init__(*args, **kwargs)
        self.part = part
        if part is None:
            return
        if part == OTHER_PART:
            keep = {name for name in self.fields if not name.startswith(IMPACT_PREFIXES)}
        else:
            keep = {impact_field(part, name) for name in IMPACT_PARTS}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]

    def characteristics(self) -> list[CharacteristicFields]:
        return [
            CharacteristicFields(
                c, label, **{part: self[impact_field(c, part)] for part in IMPACT_PARTS}
            )
            for c, label in Characteristic.choices
            if impact_field(c, "impact") in self.fields
        ]

    def sections(self) -> list[forms.BoundField]:
        """The questions after the characteristics, before the conclusion."""
        return [self[name] for name in self.SECTIONS if name in self.fields]


class SustainabilityAssessmentForm(AssessmentForm):
    single_use_items = _text("Single-use items")
    reusable_items = _text("Reusable items")
    decontamination = _text("Decontamination")
    waste = _text("Waste")
    energy = _text("Energy")
    theatre_time_and_stay = _text("Theatre time and length of stay")
    travel = _text("Travel")
    supplier_carbon_plan = _radios(
        [("yes", "Yes"), ("no", "No")], "Does the supplier have a carbon reduction plan?"
    )
    kgco2e_per_case = forms.DecimalField(
        label="Estimated kgCO2e per case (optional)",
        required=False,
        help_text="A number of kilograms of carbon dioxide equivalent, for example 45 or 12.5; "
        "leave it empty if not known.",
        min_value=0,
        max_digits=12,
        decimal_places=3,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter the estimate as a number, for example 12.5",
            "min_value": "The estimate cannot be negative",
        },
    )
    rating = _radios(Rating.choices, "Overall rating")
    mitigations = _text("Mitigations")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            model_field = SustainabilityAssessment._meta.get_field(name)
            if not field.help_text and model_field.help_text:
                field.help_text = model_field.help_text
                if not isinstance(field.widget, forms.RadioSelect):
                    field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}-hint"
        self.fields["kgco2e_per_case"].widget.attrs["class"] += " nhsuk-input--width-10"
        plan = self.initial.get("supplier_carbon_plan")
        if plan is not None:
            self.initial["supplier_carbon_plan"] = "yes" if plan else "no"

    def clean_supplier_carbon_plan(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("supplier_carbon_plan"))
