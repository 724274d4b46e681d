"""factory_boy factories: the one place tests make rows."""

from __future__ import annotations

from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

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
    state (a test shortcut: the app itself changes status only through the workflow)."""

    class Meta:
        model = "governance.Introduction"

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
