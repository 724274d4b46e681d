"""Load data for `seed_load`: approved introductions of IPG366 in one or many organisations,
with cases (codes, outcomes, failures), adverse events and later revisions of the cases, at a
hospital's or a nation's size, to measure the pages and the API against (`make bench`).

The introductions go through the services as in `seed_demo` (application, assessments signed
off, approval), so their history is the real one. The cases, their codings and outcomes, the
events and the revisions are inserted in bulk, each batch with its history rows (who, when,
why, dated when the case was performed), since a service call a case would take hours at a
million cases. Then each introduction's monitoring is brought up to date once (its stamp,
its first-cases review, its CUSUM signal), as logging the cases one by one would have.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import nhs_number
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from coding import services as coding
from coding.models import CodingResult, RuleSet
from governance import roles
from governance.cases.models import Case, Outcome, Timepoint
from governance.cases.services import monitoring_changed, signal_check
from governance.demo import data as demo
from governance.events.models import (
    AdverseEvent,
    Category,
    Harm,
    YellowCard,
    fails_case,
    reportable,
    yellow_card_due_by,
)
from governance.introductions.models import Introduction
from governance.introductions.services import review_first_cases_reached
from governance.organisations import services as organisations
from governance.organisations.models import Organisation

BATCH = 2_000
YEARS = 5
REASON = "Load data (seed_load)"
# (codes, approach, image guidance, levels, share of the cases)
CODINGS = (
    (("V40.1", "V55.1", "Y53.4", "Z67.6"), "percutaneous", "fluoroscopy", 1, 70),
    (("V40.1", "V55.2", "Y53.4", "Z67.6"), "percutaneous", "fluoroscopy", 2, 15),
    (("V40.1", "V55.1", "Z67.6"), "open", "none", 1, 10),
    (("V40.1", "Z67.6"), "percutaneous", "fluoroscopy", 1, 5),  # levels, image control missing
)
FOLLOW_UPS = ((Timepoint.BASELINE, -10), (Timepoint.WEEKS_6, 42), (Timepoint.MONTHS_3, 91))
HARMS = (Harm.NONE, Harm.LOW, Harm.MODERATE, Harm.SEVERE, Harm.FATAL)
HARM_WEIGHTS = (40, 35, 18, 6, 1)


@dataclass(frozen=True)
class Plan:
    organisations: int = 1
    introductions: int = 10  # each organisation's
    cases: int = 20_000
    largest: int | None = None  # cases of the largest introduction: half of them by default
    events: int = 2_000
    revisions: int = 3_000
    # At least this many history rows in all: the revisions' history rows repeated (a national
    # audit trail's size, without a million case changes through Python). 0: none added.
    history: int = 0
    password: str = "load"
    seed: int = 366

    def case_counts(self) -> list[int]:
        """Cases of each introduction, in order: the first is the largest."""
        total = self.organisations * self.introductions
        if total == 1:
            return [self.cases]
        largest = min(self.cases, self.cases // 2 if self.largest is None else self.largest)
        share, extra = divmod(self.cases - largest, total - 1)
        return [largest] + [share + (1 if i < extra else 0) for i in range(total - 1)]


def seed_load(plan: Plan) -> dict[str, Any]:
    """Create the load data of `plan`; returns the summary `seed_load` prints."""
    rng = random.Random(plan.seed)
    today = timezone.localdate()
    admin = _user("load-admin", "Load", "Administrator", roles.ADMIN, plan.password)
    with transaction.atomic():
        guidance, device = demo.seed_reference(admin)
    codings = _codings(guidance.ruleset)
    counts = iter(plan.case_counts())
    totals = dict.fromkeys(("cases", "outcomes", "events", "revisions", "history_rows"), 0)
    introductions: list[tuple[Introduction, dict[str, Any], list[int]]] = []
    for number in range(1, plan.organisations + 1):
        organisation, users = _organisation(number, admin, plan.password)
        for index in range(1, plan.introductions + 1):
            spec = replace(
                demo.DEMO_APPROVAL,
                title=f"{demo.DEMO_APPROVAL.title} ({organisation.ods_code}, team {index})",
            )
            with transaction.atomic():
                introduction = demo.seed_introduction(
                    spec=spec,
                    organisation=organisation,
                    guidance=guidance,
                    device=device,
                    users=users,
                )
            count = next(counts)
            with transaction.atomic():
                ids = _cases(introduction, users, device, codings, count, rng, today, totals)
            introductions.append((introduction, users, ids))
    largest = introductions[0][0]
    _events(introductions, plan.events, rng, today, totals)
    _revisions(introductions, plan.revisions, rng, today, totals)
    _history_to(plan.history, totals)
    for introduction, users, _ in introductions:
        with transaction.atomic():
            # The bulk inserts above skip the services, which say each change themselves.
            monitoring_changed(introduction_id=introduction.pk)
            review_first_cases_reached(
                introduction=introduction, today=today, actor=users["clinician"], reason=REASON
            )
            signal_check(introduction=introduction)
    return {
        "introduction": largest.pk,
        "introduction_cases": plan.case_counts()[0],
        "organisations": plan.organisations,
        "introductions": len(introductions),
        **totals,
    }


def _user(username: str, first: str, last: str, role: str, password: str):
    user, _ = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.nhs.uk"},
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    organisations.role_grant(user=user, role=role, reason=REASON)
    return user


def _organisation(number: int, admin, password: str) -> tuple[Organisation, dict[str, Any]]:
    ods = f"LT{number:03d}"
    organisation = Organisation.objects.filter(ods_code=ods).first()
    if organisation is None:
        organisation = organisations.organisation_create(
            name=f"Load test trust {number}", ods_code=ods, actor=admin, reason=REASON
        )
    organisations.organisation_add_member(organisation=organisation, user=admin, reason=REASON)
    users = {}
    for key, role, first in (
        ("clinician", roles.CLINICIAN, "Clinician"),
        ("lead", roles.LEAD, "Lead"),
        ("lead2", roles.LEAD, "Second lead"),
    ):
        user = _user(f"{ods.lower()}-{key}", first, ods, role, password)
        # No actor: a command is trusted, as `grant_role` is (the administrator could add
        # only people already in one of their organisations).
        organisations.organisation_add_member(organisation=organisation, user=user, reason=REASON)
        users[key] = user
    return organisation, users


@dataclass(frozen=True)
class _Coding:
    codes: list[str]
    approach: str
    image_guidance: str
    levels: int
    result: dict[str, Any]


def _codings(ruleset: RuleSet) -> list[_Coding]:
    """Each coding of CODINGS validated once, repeated by its share: a list to choose from."""
    choices = []
    for codes, approach, image_guidance, levels, share in CODINGS:
        context = {"approach": approach, "image_guidance": image_guidance, "levels": levels}
        result = coding.coding_validate(ruleset_name=ruleset.name, codes=codes, context=context)
        choices += [_Coding(list(codes), approach, image_guidance, levels, result)] * share
    return choices


def _dated(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def _batches(count: int, size: int = BATCH) -> Iterator[range]:
    for start in range(0, count, size):
        yield range(start, min(start + size, count))


def _nhs_number(rng: random.Random) -> str:
    """A number of the synthetic range (999...) that passes the modulus 11 check."""
    while True:
        digits = f"999{rng.randrange(10**6):06d}"
        check = nhs_number.calculate_checksum(digits)
        if check is not None and check < 10:  # 10: no number has these digits
            return f"{digits}{check}"


def _cases(introduction, users, device, codings, count, rng, today, totals) -> list[int]:
    """`count` cases over the last YEARS years, oldest first, with their codings and outcomes;
    about one in fourteen a failure (below the acceptable rate, so that the CUSUM seldom
    signals). Returns their ids."""
    clinician, ruleset = users["clinician"], introduction.guidance.ruleset
    release = coding.catalogue_release_latest()
    span = YEARS * 365
    ids: list[int] = []
    for batch in _batches(count):
        results, cases = [], []
        for n in batch:
            performed_on = today - timedelta(days=span - (n * span) // max(count, 1))
            chosen = rng.choice(codings)
            result = CodingResult(
                ruleset=ruleset,
                ruleset_version=chosen.result["ruleset_version"],
                catalogue_release=release,
                codes=chosen.codes,
                approach=chosen.approach,
                image_guidance=chosen.image_guidance,
                levels=chosen.levels,
                result=chosen.result,
                valid=chosen.result["valid"],
                validated_at=_dated(performed_on),
            )
            result._history_date = _dated(performed_on)
            results.append(result)
            failed = rng.random() < 0.07
            case = Case(
                introduction=introduction,
                performed_on=performed_on,
                nhs_number=_nhs_number(rng),
                local_reference=f"LD{introduction.pk}-{n + 1}",
                operator=clinician,
                approach=chosen.approach,
                image_guidance=chosen.image_guidance,
                levels=chosen.levels,
                device=device,
                device_lot=f"LOT-{performed_on.year}-{performed_on.month:02d}",
                coding_valid=chosen.result["valid"],
                device_failure=failed and n % 2 == 1,
                reoperation_on=performed_on + timedelta(days=30) if failed and n % 2 == 0 else None,
                logged_by=clinician,
            )
            case._history_date = _dated(performed_on)
            cases.append(case)
        reason = f"Validated against {ruleset.name} v{ruleset.version}"
        bulk_create_with_history(
            results, CodingResult, default_user=clinician, default_change_reason=reason
        )
        for case, result in zip(cases, results, strict=True):
            case.coding = result
        bulk_create_with_history(
            cases, Case, default_user=clinician, default_change_reason="Case logged"
        )
        outcomes = list(_outcomes(introduction, cases, clinician, today))
        bulk_create_with_history(
            outcomes, Outcome, default_user=clinician, default_change_reason="Outcome recorded"
        )
        ids += [case.pk for case in cases]
        totals["cases"] += len(cases)
        totals["outcomes"] += len(outcomes)
        totals["history_rows"] += 2 * len(cases) + len(outcomes)
    return ids


def _outcomes(introduction, cases: Sequence[Case], actor, today) -> Iterator[Outcome]:
    """Baseline and the follow-ups already due; the ODI falls by about a third."""
    for case in cases:
        baseline = 40 + case.pk % 20
        for step, (timepoint, days) in enumerate(FOLLOW_UPS):
            collected_on = case.performed_on + timedelta(days=days)
            if collected_on > today:
                break
            outcome = Outcome(
                case=case,
                introduction=introduction,
                timepoint=timepoint,
                collected_on=collected_on,
                odi=baseline - 6 * step,
                back_pain=max(0, 7 - 2 * step),
                leg_pain=max(0, 6 - 2 * step),
                eq5d_index=Decimal("0.45") + Decimal(step) / 10,
                recorded_by=actor,
            )
            outcome._history_date = _dated(collected_on)
            yield outcome


def _events(introductions, count: int, rng: random.Random, today, totals) -> None:
    """`count` adverse events spread over the introductions as their cases are, most on a
    case; the serious device events have a Yellow Card due, most of them submitted."""
    weights = [len(ids) or 1 for _, _, ids in introductions]
    for batch in _batches(count):
        picks = [rng.choices(introductions, weights=weights)[0] for _ in batch]
        chosen = [rng.choice(ids) if ids else None for _, _, ids in picks]
        cases = Case.objects.in_bulk([case_id for case_id in chosen if case_id])
        events = []
        for (introduction, users, _), case_id in zip(picks, chosen, strict=True):
            case = cases.get(case_id)
            occurred_on = (
                case.performed_on + timedelta(days=rng.randrange(1, 60)) if case else today
            )
            occurred_on = min(occurred_on, today)
            harm = rng.choices(HARMS, weights=HARM_WEIGHTS)[0]
            category = rng.choice(Category.values)
            device_involved = category == Category.DEVICE_FAILURE or rng.random() < 0.2
            serious_risk = rng.random() < 0.1
            event = AdverseEvent(
                introduction=introduction,
                case=case,
                occurred_on=occurred_on,
                detected_on=occurred_on,
                description=f"{Category(category).label} after the procedure (load data).",
                harm=harm,
                category=category,
                device_involved=device_involved,
                device_name="Pedicle-screw dynamic stabilisation system" if device_involved else "",
                might_have_led_to_serious=serious_risk,
                reporter=users["clinician"],
                fails_case=fails_case(harm=harm, category=category),
            )
            if reportable(
                device_involved=device_involved, harm=harm, might_have_led_to_serious=serious_risk
            ):
                event.yellow_card_due_by = yellow_card_due_by(detected_on=occurred_on, harm=harm)
                if event.yellow_card_due_by < today - timedelta(days=30) or rng.random() < 0.8:
                    event.yellow_card = YellowCard.SUBMITTED
                    event.yellow_card_submitted_on = min(event.yellow_card_due_by, today)
                    event.yellow_card_reference = f"YC-LOAD-{rng.randrange(10**6):06d}"
                else:
                    event.yellow_card = YellowCard.DUE
            event._history_date = _dated(occurred_on)
            events.append(event)
        with transaction.atomic():
            bulk_create_with_history(
                events, AdverseEvent, default_change_reason="Adverse event recorded"
            )
        totals["events"] += len(events)
        totals["history_rows"] += len(events)


def _revisions(introductions, count: int, rng: random.Random, today, totals) -> None:
    """`count` later changes of cases (a lot number corrected, a reoperation recorded), each
    with its history row. A case may be changed many times: each change is a history row of
    the case as it then stood, and each case is written once at the end, as it finally is."""
    pool = [(users, case_id) for _, users, ids in introductions for case_id in ids]
    if not pool:
        return
    cases: dict[int, Case] = {}
    # Distinct cases within a batch: each history row is the case as it stood then.
    for batch in _batches(count, size=min(BATCH, len(pool))):
        chosen = rng.sample(pool, len(batch))
        missing = [case_id for _, case_id in chosen if case_id not in cases]
        cases.update(Case.objects.in_bulk(missing))
        changed = []
        for users, case_id in chosen:
            case = cases[case_id]
            if case.reoperation_on is None and rng.random() < 0.3:
                case.reoperation_on = min(case.performed_on + timedelta(days=200), today)
                case._change_reason = "Reoperation recorded"
            else:
                case.device_lot = f"{case.device_lot[:90]}-R{totals['revisions'] % 1000}"
                case._change_reason = "Device lot corrected"
            case._history_user = users["lead"]
            changed.append(case)
        with transaction.atomic():
            Case.history.bulk_history_create(changed, update=True)
        totals["revisions"] += len(changed)
        totals["history_rows"] += len(changed)
    with transaction.atomic():
        Case.objects.bulk_update(list(cases.values()), ["reoperation_on", "device_lot"], BATCH)


def _history_to(total: int, totals) -> None:
    """Repeat the cases' change rows in the history, in the database (INSERT ... SELECT, each
    round doubling at most), until the history holds `total` rows."""
    history = Case.history.model
    q = connection.ops.quote_name
    columns = ", ".join(
        q(f.column) for f in history._meta.concrete_fields if f.name != "history_id"
    )
    table = q(history._meta.db_table)
    while totals["history_rows"] < total:
        wanted = total - totals["history_rows"]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}"
                f" WHERE {q('history_type')} = '~' ORDER BY {q('history_id')} LIMIT %s",
                [wanted],
            )
            added = cursor.rowcount
        if added <= 0:
            return  # no change rows to repeat (no revisions)
        totals["revisions"] += added
        totals["history_rows"] += added
