"""Forms of the introductions' pages, in NHS.UK markup (config.forms.NHSFormMixin).

Forms read and shape input only; introductions/services.py checks the rules and writes. A
service's ValidationError comes back onto the form's fields with `add_service_errors`.

The application is a task list (NHS.UK "task list" pattern): a short first step starts the
draft (`IntroductionStartForm`), then each section of `SECTIONS` is a small form of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms

from config.forms import NHSDateField, NHSFormMixin
from config.limits import (
    LONG_TEXT,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
    model_bounds,
    too_long,
)
from governance.introductions import workflow
from governance.introductions.display import lines
from governance.introductions.models import Introduction
from governance.introductions.services import MAX_CONDITION_LENGTH, MAX_CONDITIONS
from governance.introductions.workflow import Action, ReviewOutcome, Status
from governance.organisations.models import Device, Guidance

# The conditions box holds one condition a line: as many as the API takes (services.py).
CONDITIONS_TEXT = MAX_CONDITIONS * (MAX_CONDITION_LENGTH + 2)

# --- the application ---------------------------------------------------------------------


class GuidanceChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj: Guidance) -> str:
        return f"{obj.reference}: {obj.title}"


def _textarea(rows: int = 5) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _number(decimal: bool = False) -> forms.TextInput:
    # NHS.UK advice: text inputs with an input mode, not type="number".
    return forms.TextInput(
        attrs={"inputmode": "decimal" if decimal else "numeric", "spellcheck": "false"}
    )


class RateField(forms.FloatField):
    """A rate as people write it: 0.11 or 11%."""

    def to_python(self, value):
        text = str(value or "").strip()
        if text.endswith("%"):
            number = super().to_python(text[:-1].strip())
            return None if number is None else round(number / 100, 10)
        return super().to_python(text)


class ProcedureForm(NHSFormMixin, forms.Form):
    guidance = GuidanceChoiceField(
        queryset=Guidance.objects.order_by("reference"),
        label="NICE interventional procedures guidance",
        help_text="The guidance that covers the procedure, for example IPG366.",
        empty_label="Choose guidance",
        error_messages={"required": "Choose the NICE guidance that covers the procedure"},
    )
    title = forms.CharField(
        label="Procedure",
        max_length=200,
        help_text="How the procedure will be known in your trust, for example "
        "Dynamic stabilisation of the lumbar spine.",
        error_messages={"required": "Enter the name of the procedure"},
    )
    department = forms.CharField(
        label="Department (optional)",
        max_length=200,
        required=False,
        help_text="For example, Spinal surgery.",
    )


class IntroductionStartForm(ProcedureForm):
    """The first step: what the procedure is. Saving it starts the draft."""

    organisation = BoundedModelChoiceField(
        queryset=None,
        label="Organisation",
        help_text="You belong to more than one: choose the trust that will introduce it.",
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation"},
    )

    field_order = ["organisation", "guidance", "title", "department"]

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(organisations) > 1:
            self.fields["organisation"].queryset = organisations
        else:
            del self.fields["organisation"]


class CaseForm(NHSFormMixin, forms.Form):
    rationale = forms.CharField(
        label="Why introduce this procedure?",
        max_length=LONG_TEXT,
        error_messages={"max_length": too_long("The rationale", LONG_TEXT)},
        required=False,
        widget=_textarea(),
        help_text="The need it meets and the evidence for it, and the alternatives patients "
        "have now.",
    )
    patient_selection = forms.CharField(
        label="Which patients will be offered it?",
        max_length=LONG_TEXT,
        error_messages={"max_length": too_long("The patient selection", LONG_TEXT)},
        required=False,
        widget=_textarea(),
        help_text="Who is suitable and who is not, and how the decision is made (for example, "
        "agreement of the multidisciplinary team).",
    )


class ArrangementsForm(NHSFormMixin, forms.Form):
    consent_arrangements = forms.CharField(
        label="Consent and patient information",
        max_length=LONG_TEXT,
        error_messages={"max_length": too_long("The consent arrangements", LONG_TEXT)},
        required=False,
        widget=_textarea(),
        help_text="How patients are told about the uncertainty of the procedure's safety and "
        "efficacy, and which information (for example NICE's) they are given. Needed when NICE "
        "recommends special arrangements.",
    )
    audit_plan = forms.CharField(
        label="Audit plan",
        max_length=LONG_TEXT,
        error_messages={"max_length": too_long("The audit plan", LONG_TEXT)},
        required=False,
        widget=_textarea(),
        help_text="What is recorded for each patient and how outcomes are audited. Needed when "
        "NICE recommends special arrangements.",
    )
    research_ethics_reference = forms.CharField(
        label="Research ethics approval reference",
        required=False,
        max_length=100,
        help_text="For example, the IRAS ID. Needed when NICE recommends the procedure only in "
        "the context of research.",
    )


class DeviceChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj: Device) -> str:
        extra = ", ".join(part for part in (obj.model, obj.catalogue_number) if part)
        return f"{obj}, {extra}" if extra else str(obj)


class DevicesForm(NHSFormMixin, forms.Form):
    devices = DeviceChoiceField(
        queryset=Device.objects.order_by("name", "manufacturer"),
        label="Devices used in the procedure",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. An administrator adds devices that are not listed.",
    )


class PlannedStartForm(NHSFormMixin, forms.Form):
    planned_start = NHSDateField(
        label="Planned start date",
        required=False,
        help_text="When you plan to perform the first case, for example 15 3 2027.",
    )


class MonitoringForm(NHSFormMixin, forms.Form):
    first_review_after_cases = forms.IntegerField(
        min_value=model_bounds(Introduction, "first_review_after_cases")[0],
        max_value=model_bounds(Introduction, "first_review_after_cases")[1],
        label="Cases before the first review",
        required=False,
        widget=_number(),
        help_text="The introduction is reviewed once this many patients have had the "
        "procedure, for example 5.",
        error_messages={"invalid": "Cases before the first review must be a whole number"},
    )
    review_interval_months = forms.IntegerField(
        min_value=model_bounds(Introduction, "review_interval_months")[0],
        max_value=model_bounds(Introduction, "review_interval_months")[1],
        label="Months between reviews",
        required=False,
        widget=_number(),
        help_text="How often it is reviewed after approval, in months, for example 6.",
        error_messages={"invalid": "Months between reviews must be a whole number"},
    )
    cusum_p0 = RateField(
        label="Acceptable failure rate (CUSUM p0)",
        required=False,
        widget=_number(decimal=True),
        help_text="The rate of failure (reoperation, device failure or major complication) you "
        "expect and would accept, as a percentage or a decimal: for example 11% or 0.11.",
        error_messages={"invalid": "Acceptable failure rate must be a percentage, like 11%"},
    )
    cusum_p1 = RateField(
        label="Unacceptable failure rate (CUSUM p1)",
        required=False,
        widget=_number(decimal=True),
        help_text="The rate that should raise an alarm, higher than the acceptable rate: for "
        "example 22% or 0.22.",
        error_messages={"invalid": "Unacceptable failure rate must be a percentage, like 22%"},
    )
    cusum_h = forms.FloatField(
        label="Alarm threshold (CUSUM h)",
        required=False,
        widget=_number(decimal=True),
        help_text="How much evidence of the unacceptable rate is needed before the governance "
        "leads are alerted, for example 4. A higher number means fewer false alarms but a "
        "later signal.",
        error_messages={"invalid": "Alarm threshold must be a number, like 4"},
    )


# --- the task list -----------------------------------------------------------------------

COMPLETED, INCOMPLETE, OPTIONAL = "Completed", "Incomplete", "Optional"


def _filled(introduction: Introduction, *names: str) -> list[bool]:
    return [bool(str(getattr(introduction, name) or "").strip()) for name in names]


def _all_or_some(filled: list[bool]) -> str:
    return COMPLETED if all(filled) else INCOMPLETE


def _guards_hold(introduction: Introduction, codes: list[str]) -> bool:
    return all(workflow.GUARDS[code](introduction) for code in codes)


def _arrangements_status(introduction: Introduction) -> str:
    """What NICE's recommendation asks for, as the approval guards judge it: Completed when
    every guard it brings holds; Optional when it brings none and nothing is written."""
    needed = workflow.arrangements_needed(introduction)
    if needed:
        return COMPLETED if _guards_hold(introduction, needed) else INCOMPLETE
    fields = [field for _, field in workflow.ARRANGEMENTS.values()]
    return COMPLETED if any(_filled(introduction, *fields)) else OPTIONAL


def _devices_status(introduction: Introduction) -> str:
    # Reads the prefetched `device_links` (the edit view prefetches them).
    return COMPLETED if introduction.device_links.all() else OPTIONAL


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    hint: str
    form_class: type[forms.Form]
    status: Callable[[Introduction], str]

    @property
    def fields(self) -> list[str]:
        return list(self.form_class.base_fields)

    def initial(self, introduction: Introduction) -> dict[str, Any]:
        if self.slug == "devices":
            return {"devices": [link.device_id for link in introduction.device_links.all()]}
        return {name: getattr(introduction, name) for name in self.fields}


SECTIONS: tuple[Section, ...] = (
    Section(
        "procedure",
        "Procedure and guidance",
        "The NICE guidance, the procedure and the department",
        ProcedureForm,
        lambda i: COMPLETED,
    ),
    Section(
        "case",
        "Rationale and patient selection",
        "Why you want to introduce it and for whom",
        CaseForm,
        lambda i: _all_or_some(_filled(i, "rationale", "patient_selection")),
    ),
    Section(
        "arrangements",
        "Consent, audit and research ethics",
        "What NICE's recommendation asks for",
        ArrangementsForm,
        _arrangements_status,
    ),
    Section("devices", "Devices", "The devices used", DevicesForm, _devices_status),
    Section(
        "start",
        "Planned start",
        "When you plan to start",
        PlannedStartForm,
        lambda i: COMPLETED if i.planned_start else OPTIONAL,
    ),
    Section(
        "monitoring",
        "Monitoring plan",
        "Reviews and the statistical monitoring of failures",
        MonitoringForm,
        lambda i: COMPLETED if _guards_hold(i, ["monitoring-plan"]) else INCOMPLETE,
    ),
)
SECTIONS_BY_SLUG = {section.slug: section for section in SECTIONS}
# Which section of the application fixes an unmet approval guard (workflow.GUARD_TEXT).
GUARD_SECTIONS = {
    "monitoring-plan": "monitoring",
    **{code: "arrangements" for code in workflow.ARRANGEMENTS},
}


# --- decisions ---------------------------------------------------------------------------

# The question each action's reason answers: (label, hint). Whether it must be answered, and
# what is said when it is not, is the workflow's (`Rule.no_reason`): the label says
# "(optional)" when it need not be, so the page, the service and the API agree.
REASON_QUESTIONS: dict[str, tuple[str, str]] = {
    Action.SUBMIT: ("Anything the reviewers should know?", ""),
    Action.START_REVIEW: ("Note for the record", ""),
    Action.REQUEST_CHANGES: (
        "What needs to change?",
        "The applicant sees this and changes the application before resubmitting it.",
    ),
    Action.RESUBMIT: ("What have you changed?", "The governance leads see this."),
    Action.APPROVE: (
        "Reason for approval",
        "For example, the committee and the date of its decision.",
    ),
    Action.REJECT: ("Why is the application rejected?", "The applicant sees this."),
    Action.SUSPEND: (
        "Why is the introduction suspended?",
        "No new cases can be logged while it is suspended.",
    ),
    Action.REINSTATE: (
        "Why is it reinstated?",
        "For example, what has been put right since it was suspended.",
    ),
    Action.WITHDRAW: ("Why is the introduction withdrawn?", "Withdrawal is final."),
    Action.ADOPT: ("Reason for adoption", ""),
    Action.CANCEL: ("Why are you cancelling the application?", ""),
}


class TransitionForm(NHSFormMixin, forms.Form):
    reason = forms.CharField(widget=_textarea(4), max_length=5000)
    conditions = forms.CharField(
        label="Conditions of approval (optional)",
        max_length=CONDITIONS_TEXT,
        error_messages={"max_length": too_long("The conditions", CONDITIONS_TEXT)},
        required=False,
        widget=_textarea(5),
        help_text="One condition a line, for example: A mentor attends the first 5 cases. "
        "Adoption needs every condition met.",
    )

    def __init__(self, *args: Any, action: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule = workflow.rule_for(action)
        label, hint = REASON_QUESTIONS[action]
        reason = self.fields["reason"]
        reason.label = label if rule.reason_required else f"{label} (optional)"
        reason.help_text = hint
        reason.required = rule.reason_required
        if rule.reason_required:
            reason.error_messages = {**reason.error_messages, "required": rule.no_reason}
        if hint:
            reason.widget.attrs["aria-describedby"] = f"{self['reason'].auto_id}-hint"
        if action != Action.APPROVE:
            del self.fields["conditions"]

    def clean_conditions(self) -> list[str]:
        return lines(self.cleaned_data.get("conditions", ""))


class ConditionMeetForm(NHSFormMixin, forms.Form):
    evidence = forms.CharField(
        label="What shows that the condition is met?",
        widget=_textarea(5),
        max_length=LONG_TEXT,
        help_text="For example, the mentor's report on the first 5 cases, with its date.",
        error_messages={"required": "Enter what shows that the condition is met"},
    )


class ReviewCompleteForm(NHSFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome of the review",
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome of the review"},
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        widget=_textarea(5),
        max_length=LONG_TEXT,
        help_text="What the review found, for the record.",
    )
    conditions = forms.CharField(
        label="New conditions (only with the outcome Continue with conditions)",
        max_length=CONDITIONS_TEXT,
        error_messages={"max_length": too_long("The new conditions", CONDITIONS_TEXT)},
        required=False,
        widget=_textarea(4),
        help_text="One condition a line.",
    )

    def clean_conditions(self) -> list[str]:
        return lines(self.cleaned_data.get("conditions", ""))


# --- filters -----------------------------------------------------------------------------


class IntroductionFilterForm(NHSFormMixin, forms.Form):
    status = forms.ChoiceField(label="Status", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), *Status.choices]
