"""The equality impact assessment and the sustainability assessment of an introduction.

Approval needs both completed and signed off by a governance lead who is not the applicant
(the approval guards in introductions/workflow.py read `is_signed_off`). Each is one row per
introduction, history-tracked like the rest of governance: assessments/services.py is the only
writer, and an edit to a signed-off assessment voids the sign-off in the same history row.

The nine protected characteristics are columns of the equality assessment (`age_impact`,
`age_evidence`, ... from `ImpactFields`), not child rows: one history row per save lists every
answer that changed, and `status` is derived from the row alone, so a page can show it with a
`select_related` and no further query.

Answers may be saved incomplete (status in_progress). Answers that contradict each other are
refused whenever they are saved: a negative impact without a mitigation, an unknown impact
without an action (what, who, by when) to find it out, a conclusion to continue without a
justification, a negative sustainability rating without mitigations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from governance.history import tracked_history
from governance.introductions.models import Introduction
from governance.introductions.workflow import Status


class Kind(models.TextChoices):
    EQUALITY = "equality", "Equality impact assessment"
    SUSTAINABILITY = "sustainability", "Sustainability assessment"


class AssessmentStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    SIGNED_OFF = "signed_off", "Signed off"


class Characteristic(models.TextChoices):
    """The nine protected characteristics of the Equality Act 2010, in its order."""

    AGE = "age", "Age"
    DISABILITY = "disability", "Disability"
    GENDER_REASSIGNMENT = "gender_reassignment", "Gender reassignment"
    MARRIAGE_CIVIL_PARTNERSHIP = "marriage_civil_partnership", "Marriage and civil partnership"
    PREGNANCY_MATERNITY = "pregnancy_maternity", "Pregnancy and maternity"
    RACE = "race", "Race"
    RELIGION_BELIEF = "religion_belief", "Religion or belief"
    SEX = "sex", "Sex"
    SEXUAL_ORIENTATION = "sexual_orientation", "Sexual orientation"


class Impact(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"
    UNKNOWN = "unknown", "Unknown"


class Conclusion(models.TextChoices):
    """The four outcomes of an equality impact assessment (EHRC guidance)."""

    NO_CHANGE = "no_change", "No major change needed"
    ADJUST = "adjust", "Adjust the plans to remove barriers or better advance equality"
    CONTINUE = "continue", "Continue despite a possible adverse impact, with a justification"
    STOP = "stop", "Stop: the plans could lead to unlawful discrimination"


class Rating(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


# The answers recorded for each characteristic: `<characteristic>_<part>` columns.
IMPACT_PARTS = ("impact", "evidence", "mitigation", "action", "action_owner", "action_due")
# The start of every answer's name about a characteristic (`age_impact`, `race_evidence`).
IMPACT_PREFIXES = tuple(f"{c}_" for c in Characteristic.values)
ACTION_OWNER_LENGTH = 200


def impact_field(characteristic: str, part: str) -> str:
    return f"{characteristic}_{part}"


def impact_errors(
    label: str,
    impact: str,
    mitigation: str = "",
    action: str = "",
    action_owner: str = "",
    action_due: date | None = None,
) -> dict[str, str]:
    """The answers about one characteristic that contradict its impact, by part.

    One rule for the model (`clean`), the form and the API serializer, so all three refuse
    the same things with the same words; each message names the characteristic.
    """
    errors = {}
    if impact == Impact.NEGATIVE and not (mitigation or "").strip():
        errors["mitigation"] = f"{label}: enter how the negative impact will be mitigated."
    if impact == Impact.UNKNOWN:
        if not (action or "").strip():
            errors["action"] = f"{label}: the impact is unknown, so enter how it will be found out."
        if not (action_owner or "").strip():
            errors["action_owner"] = f"{label}: enter who will find out the impact."
        if action_due is None:
            errors["action_due"] = f"{label}: enter the date by which the impact will be known."
    return errors


def rating_errors(rating: str, mitigations: str) -> dict[str, str]:
    """A negative sustainability rating needs its mitigations: the one rule, by field."""
    if rating == Rating.NEGATIVE and not (mitigations or "").strip():
        return {"mitigations": "The overall rating is negative: enter the mitigations."}
    return {}


def conclusion_errors(conclusion: str, justification: str) -> dict[str, str]:
    """An equality conclusion to continue despite an impact needs its justification."""
    if conclusion == Conclusion.CONTINUE and not (justification or "").strip():
        return {"justification": "Enter why the introduction should continue despite the impact."}
    return {}


@dataclass(frozen=True)
class Missing:
    """An answer an assessment needs before sign-off: `code` names it as the API does
    (`psed_aims`, `impacts.age.evidence`), `text` says it to people."""

    code: str
    text: str

    @property
    def field(self) -> str:
        """The name of the form field that answers it (`impacts.age.evidence` -> `age_evidence`)."""
        parts = self.code.split(".")
        return impact_field(parts[1], parts[2]) if parts[0] == "impacts" else self.code

    @property
    def part(self) -> str:
        """The page of the equality assessment's task list that asks it: a characteristic, or
        OTHER_PART for the questions after them."""
        parts = self.code.split(".")
        return parts[1] if parts[0] == "impacts" else OTHER_PART

    @property
    def anchor(self) -> str:
        """The id of the field's first input on the assessment's form, as the error summary
        links it: a radio group's first option (a date's day box has the field's own id)."""
        first_input = self.code.endswith(".impact") or self.code in _CHOICES
        return f"id_{self.field}{'_0' if first_input else ''}"


# The equality assessment's task list: a page for each characteristic, then this one for
# health inequalities, information, consent, the equality duty and the conclusion.
OTHER_PART = "other"
OTHER_PART_TITLE = "Health inequalities, information, consent and conclusion"


@dataclass(frozen=True)
class Part:
    """One page of the equality assessment's task list and how far it is answered."""

    slug: str
    title: str
    status: str  # "not_started", "in_progress" or "completed"

    @property
    def status_label(self) -> str:
        return {"not_started": "Not started", "in_progress": "In progress"}.get(
            self.status, "Completed"
        )


# Answers given by choosing an option (radios) rather than typing.
_CHOICES = frozenset({"conclusion", "rating", "supplier_carbon_plan"})


# States in which the assessments may be filled in and signed off: until the decision.
# Afterwards they are the record of what the decision rested on.
OPEN_STATES = frozenset(
    {Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW, Status.CHANGES_REQUESTED}
)


class Assessment(models.Model):
    """What both assessments share: the sign-off, and the status derived from the answers."""

    kind: Kind
    # Answers that count for the status; "not started" until one of them is given.
    ANSWER_FIELDS: tuple[str, ...] = ()

    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    signed_off_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    introduction: models.OneToOneField

    class Meta:
        abstract = True

    def missing(self) -> list[Missing]:
        raise NotImplementedError

    @property
    def is_complete(self) -> bool:
        return not self.missing()

    @property
    def is_signed_off(self) -> bool:
        """Signed off by someone other than the applicant, and complete: the approval guard."""
        return (
            self.signed_off_at is not None
            and self.signed_off_by_id is not None
            and self.signed_off_by_id != self.introduction.applicant_id
            and self.is_complete
        )

    @property
    def is_started(self) -> bool:
        return any(getattr(self, name) not in (None, "") for name in self.ANSWER_FIELDS)

    @property
    def status(self) -> AssessmentStatus:
        if self.is_signed_off:
            return AssessmentStatus.SIGNED_OFF
        if self.is_complete:
            return AssessmentStatus.COMPLETED
        if self.is_started:
            return AssessmentStatus.IN_PROGRESS
        return AssessmentStatus.NOT_STARTED

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def status_tag(self) -> str:
        """The NHS.UK tag modifier for the status."""
        return STATUS_TAGS[self.status]

    def answers(self) -> dict[str, Any]:
        """The answers as field values, to compare before and after an edit."""
        return {name: getattr(self, name) for name in self.ANSWER_FIELDS}


STATUS_TAGS = {
    AssessmentStatus.NOT_STARTED: "nhsuk-tag--grey",
    AssessmentStatus.IN_PROGRESS: "nhsuk-tag--blue",
    AssessmentStatus.COMPLETED: "nhsuk-tag--yellow",
    AssessmentStatus.SIGNED_OFF: "nhsuk-tag--green",
}


def _impact_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for characteristic, label in Characteristic.choices:
        prefix = f"{characteristic}_"
        fields[prefix + "impact"] = models.CharField(
            f"{label}: impact", max_length=10, choices=Impact.choices, blank=True
        )
        fields[prefix + "evidence"] = models.TextField(f"{label}: evidence", blank=True)
        fields[prefix + "mitigation"] = models.TextField(f"{label}: mitigation", blank=True)
        fields[prefix + "action"] = models.TextField(
            f"{label}: action to find out the impact", blank=True
        )
        fields[prefix + "action_owner"] = models.CharField(
            f"{label}: action owner", max_length=ACTION_OWNER_LENGTH, blank=True
        )
        fields[prefix + "action_due"] = models.DateField(
            f"{label}: action due", null=True, blank=True
        )
    return fields


# An abstract model holding the 54 impact columns, built from Characteristic so that the nine
# are listed once. Abstract fields are copied into EqualityAssessment before simple-history
# builds its historical model, so every column is tracked.
ImpactFields = type(
    "ImpactFields",
    (models.Model,),
    {
        "__module__": __name__,
        "__doc__": "The impact, evidence, mitigation and action for each characteristic.",
        "Meta": type("Meta", (), {"abstract": True}),
        **_impact_fields(),
    },
)


@dataclass(frozen=True)
class ImpactAnswers:
    """One characteristic's answers, read from the assessment's columns."""

    characteristic: Characteristic
    impact: str
    evidence: str
    mitigation: str
    action: str
    action_owner: str
    action_due: date | None

    @property
    def label(self) -> str:
        return self.characteristic.label

    @property
    def impact_label(self) -> str:
        return Impact(self.impact).label if self.impact else ""

    @property
    def is_negative(self) -> bool:
        return self.impact == Impact.NEGATIVE

    @property
    def is_unknown(self) -> bool:
        return self.impact == Impact.UNKNOWN

    @property
    def action_overdue(self) -> bool:
        """An action to find out an unknown impact, past its date (today's date, locally)."""
        return (
            self.is_unknown
            and self.action_due is not None
            and self.action_due < timezone.localdate()
        )


class EqualityAssessment(ImpactFields, Assessment):
    """The equality impact assessment: the nine protected characteristics, health inequalities,
    accessible information, consent and capacity, and the Public Sector Equality Duty."""

    kind = Kind.EQUALITY
    TEXT_FIELDS = ("health_inequalities", "accessible_information", "psed_aims")
    ANSWER_FIELDS = (
        *(impact_field(c, part) for c in Characteristic.values for part in IMPACT_PARTS),
        *TEXT_FIELDS,
        "consent_capacity",
        "conclusion",
        "justification",
    )

    introduction = models.OneToOneField(
        Introduction, on_delete=models.CASCADE, related_name="equality_assessment"
    )
    health_inequalities = models.TextField(
        blank=True,
        help_text="Effects on people in deprived areas and in inclusion health groups, for "
        "example people experiencing homelessness, Gypsy, Roma and Traveller communities, "
        "vulnerable migrants and sex workers.",
    )
    accessible_information = models.TextField(
        blank=True,
        help_text="How patients get information they can use: other languages, easy read, "
        "large print, interpreters including British Sign Language (the Accessible "
        "Information Standard).",
    )
    consent_capacity = models.TextField(
        "consent and capacity",
        blank=True,
        help_text="How consent is taken, including from people who may lack capacity to "
        "consent (Mental Capacity Act 2005). Optional.",
    )
    psed_aims = models.TextField(
        "Public Sector Equality Duty",
        blank=True,
        help_text="How the introduction will eliminate unlawful discrimination, advance "
        "equality of opportunity and foster good relations: the three aims of the duty.",
    )
    conclusion = models.CharField(max_length=10, choices=Conclusion.choices, blank=True)
    justification = models.TextField(
        blank=True, help_text="Why the introduction should continue despite the impact."
    )
    history = tracked_history(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "equality impact assessment"

    def __str__(self) -> str:
        return f"Equality impact assessment of introduction {self.introduction_id}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for answers in self.impacts():
            found = impact_errors(
                answers.label,
                answers.impact,
                answers.mitigation,
                answers.action,
                answers.action_owner,
                answers.action_due,
            )
            for part, message in found.items():
                errors[impact_field(answers.characteristic, part)] = [message]
        for name, message in conclusion_errors(self.conclusion, self.justification).items():
            errors[name] = [message]
        if errors:
            raise ValidationError(errors)

    def impacts(self) -> list[ImpactAnswers]:
        """The nine characteristics' answers, in the Act's order."""
        return [
            ImpactAnswers(
                Characteristic(c),
                **{part: getattr(self, impact_field(c, part)) for part in IMPACT_PARTS},
            )
            for c in Characteristic.values
        ]

    @property
    def concludes_stop(self) -> bool:
        return self.conclusion == Conclusion.STOP

    def parts(self) -> list[Part]:
        """The task list's pages in order, each with its status (from missing())."""
        missing = {item.part for item in self.missing()}
        parts = []
        for c, label in Characteristic.choices:
            started = any(
                getattr(self, impact_field(c, part)) not in (None, "") for part in IMPACT_PARTS
            )
            parts.append(Part(c, label, _part_status(started, c in missing)))
        other = [name for name in self.ANSWER_FIELDS if not name.startswith(IMPACT_PREFIXES)]
        started = any(getattr(self, name) not in (None, "") for name in other)
        parts.append(
            Part(OTHER_PART, OTHER_PART_TITLE, _part_status(started, OTHER_PART in missing))
        )
        return parts

    def missing(self) -> list[Missing]:
        missing = []
        for answers in self.impacts():
            code = f"impacts.{answers.characteristic.value}"
            label = answers.label.lower()
            if not answers.impact:
                missing.append(Missing(f"{code}.impact", f"The impact on {label}"))
            if not answers.evidence.strip():
                missing.append(Missing(f"{code}.evidence", f"The evidence about {label}"))
            for part in impact_errors(
                answers.label,
                answers.impact,
                answers.mitigation,
                answers.action,
                answers.action_owner,
                answers.action_due,
            ):
                missing.append(
                    Missing(f"{code}.{part}", f"The {part.replace('_', ' ')} for {label}")
                )
        for name in self.TEXT_FIELDS:
            if not getattr(self, name).strip():
                missing.append(Missing(name, capfirst(self._meta.get_field(name).verbose_name)))
        if not self.conclusion:
            missing.append(Missing("conclusion", "The conclusion"))
        elif conclusion_errors(self.conclusion, self.justification):
            missing.append(Missing("justification", "The justification for continuing"))
        return missing


def _part_status(started: bool, missing: bool) -> str:
    if not missing:
        return "completed"
    return "in_progress" if started else "not_started"


class SustainabilityAssessment(Assessment):
    """The environmental sustainability of the procedure against the current alternative, in
    the light of the NHS net zero targets (2040 for emissions it controls, 2045 with the
    supply chain)."""

    kind = Kind.SUSTAINABILITY
    TEXT_FIELDS = (
        "single_use_items",
        "reusable_items",
        "decontamination",
        "waste",
        "energy",
        "theatre_time_and_stay",
        "travel",
    )
    ANSWER_FIELDS = (
        *TEXT_FIELDS,
        "supplier_carbon_plan",
        "kgco2e_per_case",
        "rating",
        "mitigations",
    )

    introduction = models.OneToOneField(
        Introduction, on_delete=models.CASCADE, related_name="sustainability_assessment"
    )
    single_use_items = models.TextField(
        "single-use items",
        blank=True,
        help_text="Single-use devices, instruments and consumables a case needs.",
    )
    reusable_items = models.TextField(
        blank=True,
        help_text="Reusable items, and whether reusable alternatives to single-use ones exist.",
    )
    decontamination = models.TextField(
        blank=True, help_text="The extra load on sterile services: decontamination, reprocessing."
    )
    waste = models.TextField(
        blank=True,
        help_text="Waste a case produces by stream (clinical, offensive, recycling) and how it "
        "is reduced.",
    )
    energy = models.TextField(
        blank=True,
        help_text="Energy-intensive equipment, for example imaging or theatre ventilation, and "
        "anaesthetic gases.",
    )
    theatre_time_and_stay = models.TextField(
        "theatre time and length of stay",
        blank=True,
        help_text="Minutes in theatre and nights in hospital, against the treatment patients "
        "have now.",
    )
    travel = models.TextField(
        blank=True,
        help_text="Patient and staff travel, including follow-up, and what can be done remotely.",
    )
    supplier_carbon_plan = models.BooleanField(
        "supplier has a carbon reduction plan",
        null=True,
        blank=True,
        help_text="Whether the device supplier has published a carbon reduction plan (the NHS "
        "net zero supplier roadmap asks for one).",
    )
    kgco2e_per_case = models.DecimalField(
        "estimated kgCO2e per case",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="An estimate in kilograms of carbon dioxide equivalent, if known.",
    )
    rating = models.CharField("overall rating", max_length=10, choices=Rating.choices, blank=True)
    mitigations = models.TextField(
        blank=True,
        help_text="What will reduce the environmental impact, for example reusable instruments "
        "or follow-up by video.",
    )
    history = tracked_history(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "sustainability assessment"

    def __str__(self) -> str:
        return f"Sustainability assessment of introduction {self.introduction_id}"

    def clean(self) -> None:
        errors = rating_errors(self.rating, self.mitigations)
        if errors:
            raise ValidationError({name: [message] for name, message in errors.items()})

    def summary_rows(self) -> list[tuple[str, str]]:
        """(question, answer) pairs for the read-only page; "" where not answered."""
        rows = [
            (capfirst(self._meta.get_field(name).verbose_name), getattr(self, name))
            for name in self.TEXT_FIELDS
        ]
        plan = {True: "Yes", False: "No", None: ""}[self.supplier_carbon_plan]
        carbon = self.kgco2e_per_case
        return [
            *rows,
            ("Supplier has a carbon reduction plan", plan),
            ("Estimated kgCO2e per case", "" if carbon is None else f"{carbon.normalize():f}"),
            ("Overall rating", self.get_rating_display()),
            ("Mitigations", self.mitigations),
        ]

    def missing(self) -> list[Missing]:
        missing = [
            Missing(name, capfirst(self._meta.get_field(name).verbose_name))
            for name in self.TEXT_FIELDS
            if not getattr(self, name).strip()
        ]
        if self.supplier_carbon_plan is None:
            missing.append(
                Missing("supplier_carbon_plan", "Whether the supplier has a carbon reduction plan")
            )
        if not self.rating:
            missing.append(Missing("rating", "The overall rating"))
        elif rating_errors(self.rating, self.mitigations):
            missing.append(Missing("mitigations", "The mitigations"))
        return missing


ASSESSMENT_MODELS: dict[str, type[Assessment]] = {
    Kind.EQUALITY: EqualityAssessment,
    Kind.SUSTAINABILITY: SustainabilityAssessment,
}


def assessment_of(introduction: Introduction, kind: str) -> Assessment | None:
    """The introduction's assessment of that kind, or None when it has not been started
    (read through the reverse relation, so a `select_related` makes it free)."""
    return getattr(introduction, f"{kind}_assessment", None)
