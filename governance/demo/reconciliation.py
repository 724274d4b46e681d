"""A demo reconciliation (seed_demo): the coding department's extract of the last six months,
made from the approved demo introduction's cases, with one of each finding a lead meets: most
episodes matched, one coded without its levels and image control (miscoded), a case with no
episode, two spinal stabilisations nobody logged (outside governance, one explained as a
private patient), other procedures, and a row without an NHS number."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from governance.cases.models import Case
from governance.introductions.models import Introduction
from governance.reconciliation import services
from governance.reconciliation.models import Reconciliation

FILE_NAME = "sus_apc_spinal_episodes.csv"
HEADER = (
    "episode_id,nhs_number,OPDATE_01,OPERTN_01,OPERTN_02,OPERTN_03,OPERTN_04,"
    "approach,image_guidance,levels"
)
RIGHT = "V40.1,V55.1,Y53.4,Z67.6,percutaneous,fluoroscopy,1"
LEVELS_MISSING = "V40.1,Z67.6,,,percutaneous,fluoroscopy,1"
OUTSIDE = ["9434765838", "9434765846"]  # valid check digits, test ranges; no case of theirs
EXPLANATION = (
    "Private patient, operated under the independent sector contract; logged in the "
    "provider's own governance system."
)


def _extract(cases: list[Case], today: date) -> bytes:
    rows = [HEADER]
    for number, case in enumerate(cases):
        if number == 2:
            continue  # a case with no coded episode
        codes = LEVELS_MISSING if number == 4 else RIGHT
        on = case.performed_on + timedelta(days=number % 2)  # a day late sometimes: matched
        rows.append(f"APC{7100 + number},{case.nhs_number},{on.isoformat()},{codes}")
    for number, patient in enumerate(OUTSIDE):
        on = today - timedelta(days=40 + 50 * number)
        rows.append(f"APC{7200 + number},{patient},{on.isoformat()},{RIGHT}")
    for number in range(3):  # hip and knee replacements: not under governance here
        on = today - timedelta(days=20 + 30 * number)
        rows.append(f"APC{7300 + number},943476591{number},{on.isoformat()},W37.1,Z84.6,,,,,")
    on = (today - timedelta(days=75)).isoformat()
    rows.append(f"APC7400,,{on},{RIGHT}")  # no NHS number: unreadable
    return ("\n".join(rows) + "\n").encode()


def seed_reconciliation(*, introduction: Introduction, users: dict[str, object]) -> int:
    """Upload and run the demo extract as `lead`; `lead2` explains one finding. Idempotent:
    an organisation with a reconciliation is left as it is. Returns how many were run."""
    organisation = introduction.organisation
    if Reconciliation.objects.filter(organisation=organisation).exists():
        return 0
    today = timezone.localdate()
    cases = list(
        Case.objects.filter(
            introduction=introduction, performed_on__gte=today - timedelta(days=183)
        ).order_by("performed_on", "pk")
    )
    if not cases:
        return 0
    upload = SimpleUploadedFile(FILE_NAME, _extract(cases, today), content_type="text/csv")
    started = services.reconciliation_start(
        organisation=organisation, file=upload, actor=users["lead"], background=False
    )
    run = services.reconciliation_run(started.pk)
    private = run.findings.filter(finding="outside_governance").order_by("pk").first()
    if private is not None:
        services.finding_explain(finding=private, note=EXPLANATION, actor=users["lead2"])
    return 1
