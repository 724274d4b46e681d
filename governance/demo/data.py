"""Demo data for `seed_demo`: idempotent, so a second run keeps what is there."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from coding.engine.ruleset import RuleSet as EngineRuleSet
from coding.models import RuleSet
from governance import roles
from governance.demo.assessments import seed_assessments
from governance.demo.cases import seed_cases
from governance.demo.events import seed_events
from governance.demo.reconciliation import seed_reconciliation
from governance.errors import PreconditionsUnmet
from governance.introductions import services as introductions
from governance.introductions.models import Introduction
from governance.organisations import services as organisations
from governance.organisations.models import Device, Guidance, Organisation


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    superuser: bool = False


DEMO_USERS = (
    DemoUser("clinician", "Clare", "Morgan", roles.CLINICIAN),
    DemoUser("clinician2", "Tom", "Okafor", roles.CLINICIAN),
    DemoUser("lead", "Priya", "Shah", roles.LEAD),
    DemoUser("lead2", "Gareth", "Evans", roles.LEAD),
    DemoUser("admin", "Alex", "Byrne", roles.ADMIN, superuser=True),
)


def seed_users(password: str) -> dict[str, object]:
    """Create or update the demo users with their role; the password is reset each run."""
    User = get_user_model()
    users = {}
    for spec in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=spec.username)
        user.first_name = spec.first_name
        user.last_name = spec.last_name
        user.email = f"{spec.username}@example.nhs.uk"
        user.is_staff = spec.superuser
        user.is_superuser = spec.superuser
        user.set_password(password)
        user.save()
        organisations.role_grant(user=user, role=spec.role, reason=DEMO_REASON)
        users[spec.username] = user
    return users


# --- governance demo data -----------------------------------------------------------------

IPG366_TITLE = "Non-rigid stabilisation techniques for the treatment of low back pain"
IPG366_URL = "https://www.nice.org.uk/guidance/ipg366"
DEMO_REASON = "Demo data (seed_demo)"


@dataclass(frozen=True)
class DemoIntroduction:
    title: str
    applicant: str
    department: str
    # (action, username, reason) taken in order through the workflow
    steps: tuple[tuple[str, str, str], ...] = ()
    # the state of its equality and sustainability assessments (demo/assessments.DEMO_STATES)
    assessments: str = "not_started"


DEMO_INTRODUCTIONS = (
    DemoIntroduction(
        "Non-rigid stabilisation: new theatre suite",
        "clinician2",
        "Spinal surgery",
        assessments="in_progress",
    ),
    DemoIntroduction(
        "Non-rigid stabilisation: spinal unit, main site",
        "clinician",
        "Spinal surgery",
        (("submit", "clinician", ""),),
        assessments="completed",
    ),
    DemoIntroduction(
        "Non-rigid stabilisation: orthopaedic day-case pathway",
        "clinician2",
        "Trauma and orthopaedics",
        (
            ("submit", "clinician2", ""),
            ("start_review", "lead", "Clinical governance committee, first reading"),
        ),
        assessments="voided",
    ),
    DemoIntroduction(
        "Non-rigid stabilisation: revision surgery",
        "clinician",
        "Spinal surgery",
        (
            ("submit", "clinician", ""),
            ("start_review", "lead2", ""),
            (
                "request_changes",
                "lead2",
                "Say who mentors the first cases and how outcomes reach the audit.",
            ),
        ),
    ),
    DemoIntroduction(
        "Non-rigid stabilisation: single-surgeon pilot",
        "clinician2",
        "Neurosurgery",
        (
            ("submit", "clinician2", ""),
            ("start_review", "lead", ""),
            ("reject", "lead", "No capacity to audit outcomes at this site."),
        ),
        assessments="in_progress",
    ),
)
# Approved by lead2 after lead signs off both assessments: the approval guards all hold.
DEMO_APPROVAL = DemoIntroduction(
    "Non-rigid stabilisation for chronic low back pain",
    "clinician",
    "Spinal surgery",
    (
        ("submit", "clinician", ""),
        ("start_review", "lead", "Clinical governance committee"),
        ("approve", "lead2", "Approved by the clinical governance committee"),
    ),
    assessments="signed_off",
)
DEMO_CONDITIONS = (
    "A surgeon experienced in the technique mentors the first 5 cases.",
    "Outcomes of the first 10 cases are reported to the committee.",
)


def _ipg366_ruleset():
    """The IPG366 coding rule set: coding's migration seeds it; made here only if missing."""
    ruleset = RuleSet.objects.filter(name="IPG366").first()
    if ruleset is None:
        definition = EngineRuleSet(
            name="IPG366",
            version=1,
            procedure_codes=("V40.1",),
            levels_map={1: "V55.1"},
            approach_map={"fluoroscopy": "Y53.4", "ultrasound": "Y53.2"},
        ).to_dict()
        ruleset = RuleSet.objects.create(name="IPG366", version=1, definition=definition)
    return ruleset


def seed_governance(users: dict[str, object]) -> dict[str, object]:
    """The default organisation's members, IPG366 (special arrangements) with its rule set,
    a device, and introductions in several states. Idempotent: what exists is kept."""
    admin = users["admin"]
    organisation = Organisation.objects.get_or_create(
        ods_code=Organisation.DEFAULT_ODS_CODE, defaults={"name": "Default organisation"}
    )[0]
    for user in users.values():
        organisations.organisation_add_member(
            organisation=organisation, user=user, actor=admin, reason=DEMO_REASON
        )
    guidance, device = seed_reference(admin)
    created = []
    for spec in (*DEMO_INTRODUCTIONS, DEMO_APPROVAL):
        if Introduction.objects.filter(organisation=organisation, title=spec.title).exists():
            continue
        created.append(
            seed_introduction(
                spec=spec, organisation=organisation, guidance=guidance, device=device, users=users
            )
        )
    approved = Introduction.objects.filter(
        organisation=organisation, title=DEMO_APPROVAL.title, status="approved"
    ).first()
    cases = seed_cases(introduction=approved, users=users, device=device) if approved else 0
    events = seed_events(introduction=approved, users=users) if approved else 0
    reconciled = seed_reconciliation(introduction=approved, users=users) if approved else 0
    return {
        "guidance": guidance,
        "device": device,
        "introductions": created,
        "cases": cases,
        "events": events,
        "reconciliations": reconciled,
    }


def seed_introduction(
    *, spec: DemoIntroduction, organisation, guidance, device, users
) -> Introduction:
    """One introduction taken through the services as its applicant and the leads would take
    it: the application, its assessments (`spec.assessments`) and the workflow steps."""
    introduction = introductions.introduction_create(
        actor=users[spec.applicant],
        organisation=organisation.ods_code,
        guidance=guidance,
        title=spec.title,
        department=spec.department,
        rationale="Chronic low back pain not helped by conservative care, where fusion "
        "would otherwise be offered.",
        patient_selection="Adults with degenerative lumbar disease at one or two levels, "
        "agreed by the spinal multidisciplinary team.",
        consent_arrangements="Patients receive NICE's information for the public on "
        "IPG366 and are told of the uncertainty about long-term efficacy; consent is "
        "taken in two stages.",
        audit_plan="Every case is logged with its OPCS-4 coding; ODI, pain scores and "
        "EQ-5D at baseline, 6 weeks, 3, 12 and 24 months; reoperations and device "
        "failures are audited.",
        planned_start=None,
        first_review_after_cases=10,
        review_interval_months=6,
        cusum_p0=0.11,  # reoperation about 11% (Pham et al. 2016)
        cusum_p1=0.22,
        cusum_h=3.5,
        devices=[device],
    )
    # Assessments are filled while the introduction is undecided, so before its steps;
    # signed off by `lead`, who never approves the demo approval (`lead2` does).
    seed_assessments(introduction=introduction, state=spec.assessments, lead=users["lead"])
    for action, username, reason in spec.steps:
        try:
            introduction = introductions.introduction_transition(
                introduction=introduction,
                action=action,
                actor=users[username],
                reason=reason or DEMO_REASON,
                conditions=DEMO_CONDITIONS if action == "approve" else (),
            )
        except PreconditionsUnmet:
            break  # approval before the assessments are signed off: stays under review
    return introduction


def seed_reference(admin) -> tuple[Guidance, Device]:
    """IPG366 (special arrangements) with its coding rule set, and the demo device, added by
    `admin` (idempotent)."""
    guidance = organisations.guidance_upsert(
        reference="IPG366",
        title=IPG366_TITLE,
        supersedes="IPG183",
        url=IPG366_URL,
        ruleset=_ipg366_ruleset(),
        actor=admin,
        reason=DEMO_REASON,
    )
    if guidance.recommendation is None:
        guidance = organisations.guidance_set_recommendation(
            guidance=guidance, recommendation="special", actor=admin, reason=DEMO_REASON
        )
    device = Device.objects.filter(
        catalogue_number="EXS-DS2-40"
    ).first() or organisations.device_create(
        name="Pedicle-screw dynamic stabilisation system (demo)",
        manufacturer="Example Spine Ltd",
        model="DS-2",
        catalogue_number="EXS-DS2-40",
        actor=admin,
        reason=DEMO_REASON,
    )
    return guidance, device
