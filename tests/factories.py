"""factory_boy factories: the one place tests make rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from governance.assessments.models import Characteristic, impact_field
from governance.audited import audited

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.nhs.uk")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs) -> None:
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))


# --- governance -------------------------------------------------------------------------


def default_organisation():
    """The organisation migration 0003 creates; every persona but `outsider` belongs to it."""
    from governance.models import Organisation

    organisation, _ = Organisation.objects.get_or_create(
        ods_code=Organisation.DEFAULT_ODS_CODE, defaults={"name": "Default organisation"}
    )
    return organisation


def coding_ruleset(name: str = "IPG366"):
    """The coding rule set of that name (coding's migration seeds IPG366), made if missing."""
    from coding.models import RuleSet

    ruleset, _ = RuleSet.objects.get_or_create(
        name=name,
        defaults={"version": 1, "definition": {"name": name, "version": 1, "procedure_codes": []}},
    )
    return ruleset


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "governance.Organisation"
        django_get_or_create = ("ods_code",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Trust {n} NHS Foundation Trust")
    ods_code = factory.Sequence(lambda n: f"R{n:02d}")

    @factory.post_generation
    def members(self, create: bool, extracted: list | None, **kwargs) -> None:
        if create and extracted:
            self.members.add(*extracted)


class GuidanceFactory(factory.django.DjangoModelFactory):
    """Guidance that passes every approval guard but the assessments: standard arrangements
    and a coding rule set."""

    class Meta:
        model = "governance.Guidance"
        django_get_or_create = ("reference",)

    reference = factory.Sequence(lambda n: f"IPG{900 + n}")
    title = factory.Sequence(lambda n: f"Interventional procedure {n}")
    url = factory.LazyAttribute(lambda g: f"https://www.nice.org.uk/guidance/{g.reference.lower()}")
    recommendation = "standard"
    supersedes = ""
    ruleset = factory.LazyFunction(coding_ruleset)


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "governance.Device"

    name = factory.Sequence(lambda n: f"Stabilisation system {n}")
    manufacturer = "Example Medical Ltd"
    model = "Mk II"
    catalogue_number = factory.Sequence(lambda n: f"CAT-{n:05d}")


class IntroductionFactory(factory.django.DjangoModelFactory):
    """A complete application in the default organisation. `status=` puts it straight in a
    state (a test shortcut: the app itself changes status only through the workflow).
    `assessments_signed_off_by=lead` gives it both assessments, complete and signed off by that
    lead, so that the approval guards hold for real."""

    class Meta:
        model = "governance.Introduction"
        skip_postgeneration_save = True

    organisation = factory.LazyFunction(default_organisation)
    guidance = factory.SubFactory(GuidanceFactory)
    title = factory.Sequence(lambda n: f"Non-rigid stabilisation, application {n}")
    department = "Spinal surgery"
    applicant = factory.SubFactory(UserFactory)
    rationale = "Patients with chronic low back pain who have not responded to conservative care."
    patient_selection = "Adults, single-level disease, multidisciplinary team agreement."
    consent_arrangements = "NICE patient information leaflet; two-stage consent."
    audit_plan = "All cases entered in the local audit; outcomes at 6 weeks, 3, 12 and 24 months."
    research_ethics_reference = ""
    first_review_after_cases = 5
    review_interval_months = 6
    cusum_p0 = 0.1
    cusum_p1 = 0.2
    cusum_h = 3.5

    @factory.post_generation
    def assessments_signed_off_by(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted is not None:
            signed_off_assessments(self, by=extracted)


class ConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "governance.Condition"

    introduction = factory.SubFactory(IntroductionFactory, status="approved")
    text = factory.Sequence(lambda n: f"Condition {n}: a mentor attends the first cases")


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "governance.Review"

    introduction = factory.SubFactory(IntroductionFactory, status="approved")
    kind = "periodic"
    due_on = factory.LazyFunction(date.today)


# --- assessments ----------------------------------------------------------------------------


def _every_characteristic() -> dict[str, str]:
    """The nine protected characteristics answered: a neutral impact and its evidence."""
    answers = {}
    for characteristic, label in Characteristic.choices:
        answers[impact_field(characteristic, "impact")] = "neutral"
        answers[impact_field(characteristic, "evidence")] = (
            f"Referral audit of the last two years: no difference by {label.lower()}."
        )
    return answers


class _AssessmentFactory(factory.django.DjangoModelFactory):
    """What both assessments share: `signed_off_by=lead` signs the assessment off (now).

    A test shortcut for assessments/services.py: the row is written directly, with one history
    row naming who and why as a service would (the signer, or the applicant while unsigned).
    """

    class Meta:
        abstract = True

    introduction = factory.SubFactory(IntroductionFactory, status="under_review")
    signed_off_by = None
    signed_off_at = factory.LazyAttribute(lambda a: timezone.now() if a.signed_off_by else None)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        assessment = model_class(*args, **kwargs)
        label = model_class.kind.label
        if assessment.signed_off_by is not None:
            audited(assessment, assessment.signed_off_by, f"{label} signed off")
        else:
            audited(assessment, assessment.introduction.applicant, f"{label} completed")
        assessment.save()
        return assessment


class EqualityAssessmentFactory(_AssessmentFactory):
    """A complete equality impact assessment: every characteristic neutral with its evidence,
    health inequalities, accessible information, the equality duty and a conclusion."""

    class Meta:
        model = "governance.EqualityAssessment"

    # `age_impact`, `age_evidence`, ...: one pair a characteristic, from the Act's list.
    locals().update(_every_characteristic())
    health_inequalities = "Referral rates are compared across deprivation quintiles."
    accessible_information = "Easy read leaflets; interpreters, including BSL, booked."
    consent_capacity = "Two-stage consent; capacity assessed under the Mental Capacity Act."
    psed_aims = "Clinical selection criteria only; uptake monitored by characteristic."
    conclusion = "no_change"


class SustainabilityAssessmentFactory(_AssessmentFactory):
    """A complete sustainability assessment: every text, the supplier's carbon reduction plan,
    an estimate, a neutral rating and mitigations."""

    class Meta:
        model = "governance.SustainabilityAssessment"

    single_use_items = "One implant kit (screws, spacers, cords) and single-use drapes."
    reusable_items = "Two instrument trays; no reusable alternative to the implant."
    decontamination = "Two extra trays through sterile services a case."
    waste = "Implant packaging, mostly recyclable; clinical waste as for fusion."
    energy = "About two minutes of fluoroscopy; theatre ventilation as for fusion."
    theatre_time_and_stay = "About 90 minutes against 150 for fusion; one night fewer."
    travel = "Follow-up at 6 weeks in clinic, at 3 and 12 months by video."
    supplier_carbon_plan = True
    kgco2e_per_case = Decimal("182.5")
    rating = "neutral"
    mitigations = "Reusable instrument trays; video follow-up."


def signed_off_assessments(introduction, *, by):
    """Both assessments of `introduction`, complete and signed off by `by` (for approval, a
    governance lead who is not the applicant). Returns (equality, sustainability)."""
    return (
        EqualityAssessmentFactory(introduction=introduction, signed_off_by=by),
        SustainabilityAssessmentFactory(introduction=introduction, signed_off_by=by),
    )
