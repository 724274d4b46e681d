"""Use cases of cases, outcomes and operators: the only code that writes them.

Keyword-only, atomic, returning the instance; NotPermitted (403) when the actor may not,
InvalidTransition (409, naming the state) when the introduction allows no cases, Django's
ValidationError naming the field for bad input. Each write records who and why.

Logging a case validates its coding against the guidance's rule set and keeps the result
(coding.services.coding_store): invalid coding is saved and flagged, never refused. It also
makes the "after the first N cases" review due when the Nth case is logged, and tells the
leads (notices/) when the case's operator is not approved, when a condition needs a mentor
and none is recorded, and when the CUSUM crosses its threshold.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from functools import cached_property, reduce
from operator import or_
from typing import Any, TypeVar

import nhs_number
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone

from coding import services as coding
from coding.errors import CodingError
from config.limits import EARLIEST_DATE
from governance.audited import audited
from governance.cases import monitoring
from governance.cases.models import (
    FOLLOW_UP,
    FOLLOW_UP_WINDOW,
    Case,
    MonitoringStamp,
    Operator,
    Outcome,
    Timepoint,
    follow_up_due_on,
)
from governance.cases.permissions import add_operator_refusal, cases_conflict, log_refusal
from governance.dates import add_months
from governance.errors import InvalidTransition
from governance.introductions.models import Condition, Introduction
from governance.introductions.services import (
    introduction_lock,
    leads_to_notify,
    review_first_cases_reached,
)
from governance.notices.services import notice_queue
from governance.organisations.models import Device
from governance.permissions import is_member_of, require

# Fields of a case its services take (besides the codes).
CASE_FIELDS = (
    "performed_on",
    "nhs_number",
    "local_reference",
    "operator",
    "mentor",
    "approach",
    "image_guidance",
    "levels",
    "device",
    "device_lot",
    "reoperation_on",
    "device_failure",
    "major_complication",
)
CONTEXT_FIELDS = ("approach", "image_guidance", "levels")
ONE_DAY = timedelta(days=1)
EARLIEST = EARLIEST_DATE  # before this, a date of procedure is a typing error
# "A mentor attends the first 5 cases", "mentor present for the first ten cases".
_MENTOR_CONDITION = re.compile(r"\bmentor.*?\bfirst\s+(\d+|[a-z]+)\s+(?:patients|cases)\b", re.I)
T = TypeVar("T")
_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20,
}  # fmt: skip


# --- checks of the input ----------------------------------------------------------------------


def normalise_nhs_number(value: Any) -> str:
    """Ten digits with a valid check digit (`nhs-number`), or "" when none is given."""
    text = re.sub(r"[\s-]", "", str(value or ""))
    if not text:
        return ""
    if not (text.isdigit() and len(text) == 10):
        raise ValidationError(
            {"nhs_number": ["Enter the NHS number as 10 digits, such as 943 476 5919."]}
        )
    if not nhs_number.is_valid(text):
        raise ValidationError(
            {"nhs_number": ["This is not a valid NHS number: its check digit is wrong."]}
        )
    return text


def _check_date(value: Any, field: str, label: str, today: date) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, date):
        raise ValidationError({field: [f"Enter the {label} as a date."]})
    if value > today:
        raise ValidationError({field: [f"The {label} cannot be in the future."]})
    if value < EARLIEST:
        raise ValidationError({field: [f"The {label} must be in {EARLIEST.year} or later."]})
    return value


def _operator(introduction: Introduction, operator: Any, actor):
    """The operator as a user of the introduction's organisation (the actor by default)."""
    if operator in (None, ""):
        return actor
    User = get_user_model()
    user = operator if isinstance(operator, User) else None
    if user is None:
        # A username first (the API's word for the operator; usernames may be all digits),
        # then a primary key (a form's choice).
        user = User.objects.filter(username=str(operator)).first()
        if user is None and str(operator).isdigit() and len(str(operator)) <= 18:
            user = User.objects.filter(pk=int(operator)).first()
    if user is None or not is_member_of(user, introduction.organisation_id):
        raise ValidationError(
            {"operator": ["Choose an operator who belongs to the introduction's organisation."]}
        )
    return user


def _device(introduction: Introduction, device: Any) -> Device | None:
    if device in (None, ""):
        return None
    device_id = device.pk if isinstance(device, Device) else device
    found = introduction.device_links.filter(device_id=device_id).select_related("device").first()
    if found is None:
        raise ValidationError(
            {"device": ["Choose one of the devices approved for this introduction."]}
        )
    return found.device


def _clean(introduction: Introduction, actor, fields: Mapping[str, Any], today: date) -> dict:
    """The case's fields, checked; each error names its field."""
    unknown = sorted(set(fields) - set(CASE_FIELDS))
    if unknown:
        raise ValidationError({name: ["This is not a field of a case."] for name in unknown})
    data = dict(fields)
    if "performed_on" in data:
        data["performed_on"] = _check_date(
            data["performed_on"], "performed_on", "date of the procedure", today
        )
        if data["performed_on"] is None:
            raise ValidationError({"performed_on": ["Enter the date of the procedure."]})
    if "reoperation_on" in data:
        data["reoperation_on"] = _check_date(
            data["reoperation_on"], "reoperation_on", "date of the reoperation", today
        )
    if "nhs_number" in data:
        data["nhs_number"] = normalise_nhs_number(data["nhs_number"])
    if "operator" in data:
        data["operator"] = _operator(introduction, data["operator"], actor)
    if "device" in data:
        data["device"] = _device(introduction, data["device"])
    for name in ("local_reference", "mentor", "device_lot", "approach", "image_guidance"):
        if name in data:
            data[name] = (data[name] or "").strip()
    for name in ("device_failure", "major_complication"):
        if name in data:
            data[name] = bool(data[name])
    return data


def _context(case: Case) -> dict[str, Any]:
    return {
        "approach": case.approach or None,
        "image_guidance": case.image_guidance or None,
        "levels": case.levels,
    }


def _codes_error(error: CodingError) -> ValidationError:
    field = error.field if error.field in (*CONTEXT_FIELDS, "codes") else "codes"
    return ValidationError({field: [error.message]})


def _check_order(case: Case) -> None:
    if case.reoperation_on and case.reoperation_on < case.performed_on:
        raise ValidationError(
            {"reoperation_on": ["The reoperation cannot be before the procedure."]}
        )


# --- cases ----------------------------------------------------------------------------------


@transaction.atomic
def case_log(*, introduction: Introduction, actor, codes: Iterable[str], **fields: Any) -> Case:
    """Log a case under an approved or adopted introduction, with its OPCS-4 codes validated
    against the guidance's rule set. `fields` are names of CASE_FIELDS; `performed_on` is
    required, `operator` defaults to the actor."""
    locked = introduction_lock(introduction.pk)
    require(log_refusal, actor, locked)
    conflict = cases_conflict(locked)
    if conflict:
        raise InvalidTransition(conflict)
    today = timezone.localdate()
    data = _clean(locked, actor, {"operator": None, **fields}, today)
    if data.get("performed_on") is None:
        raise ValidationError({"performed_on": ["Enter the date of the procedure."]})
    case = Case(introduction=locked, logged_by=actor, **data)
    case.full_clean(exclude=["coding", "coding_valid", "introduction"])
    _check_order(case)
    _store_coding(case, locked, codes)
    audited(case, actor, "Case logged")
    case.save()
    monitoring_changed(introduction_id=locked.pk)
    _after_change(case, locked, actor, today, new=True)
    return case


@transaction.atomic
def case_update(
    *, case: Case, actor, reason: str = "", codes: Iterable[str] | None = None, **fields: Any
) -> Case:
    """Change a case: its details, its failure flags, or its codes (validated again, as are
    the codes when the approach, image guidance or levels change). Allowed in any state of
    the introduction: a failure found after a suspension must still be recorded."""
    locked = introduction_lock(case.introduction_id)
    require(log_refusal, actor, locked)
    case = Case.objects.select_related("coding__ruleset").get(pk=case.pk)
    data = _clean(locked, actor, fields, timezone.localdate())
    before = {name: getattr(case, name) for name in CASE_FIELDS}
    for name, value in data.items():
        setattr(case, name, value)
    case.full_clean(exclude=["coding", "coding_valid", "introduction"])
    _check_order(case)
    context_changed = any(before[name] != getattr(case, name) for name in CONTEXT_FIELDS)
    codes_changed = codes is not None and list(codes) != list(case.coding.codes)
    if codes_changed or context_changed:
        try:
            coding.coding_revalidate(
                coding=case.coding,
                codes=list(codes) if codes is not None else None,
                context=_context(case),
                actor=actor,
                reason="Case changed: coding checked again",
            )
        except CodingError as error:
            raise _codes_error(error) from error
        case.coding_valid = case.coding.valid
    after = {name: getattr(case, name) for name in CASE_FIELDS}
    if before == after and not (codes_changed or context_changed):
        return case
    audited(case, actor, reason.strip() or "Case changed")
    case.save()
    monitoring_changed(introduction_id=locked.pk)
    _after_change(case, locked, actor, timezone.localdate(), new=False)
    return case


def _store_coding(case: Case, introduction: Introduction, codes: Iterable[str]) -> None:
    ruleset = introduction.guidance.ruleset
    if ruleset is None:  # approval needs one (workflow guard), so only if it was removed since
        raise ValidationError({"codes": ["The guidance has no coding rule set to check against."]})
    try:
        case.coding = coding.coding_store(
            ruleset_name=ruleset.name,
            codes=list(codes),
            context=_context(case),
            actor=case.logged_by,
        )
    except CodingError as error:
        raise _codes_error(error) from error
    case.coding_valid = case.coding.valid


def case_attention(case: Case) -> list[str]:
    """What about the case the leads should know, in words: its coding, its operator, a mentor
    a condition asks for. Empty when nothing."""
    return cases_attention([case])[case.pk]


def cases_attention(cases: Sequence[Case]) -> dict[int, list[str]]:
    """`case_attention` of each case (by id), in a number of queries that does not grow with
    the cases: a list of cases (the API) asks once for the page, not once a case."""
    introduction_ids = {case.introduction_id for case in cases}
    approved = set(
        Operator.objects.filter(introduction_id__in=introduction_ids).values_list(
            "introduction_id", "user_id"
        )
    )
    texts: dict[int, list[str]] = {}
    for introduction_id, text in Condition.objects.filter(
        introduction_id__in=introduction_ids
    ).values_list("introduction_id", "text"):
        texts.setdefault(introduction_id, []).append(text)
    needed = {pk: _mentor_number(found) for pk, found in texts.items()}
    first = {  # the first `needed` cases of each introduction that asks for a mentor
        pk: set(Case.objects.filter(introduction_id=pk).in_order().values_list("pk", flat=True)[:n])
        for pk, n in needed.items()
        if n and any(not case.mentor for case in cases if case.introduction_id == pk)
    }
    notes: dict[int, list[str]] = {}
    for case in cases:
        notes[case.pk] = found = []
        if not case.coding_valid:
            found.append("The OPCS-4 coding has errors.")
        if (case.introduction_id, case.operator_id) not in approved:
            name = case.operator.get_full_name() or case.operator.username
            found.append(f"{name} is not an approved operator of this introduction.")
        n = needed.get(case.introduction_id)
        if n and not case.mentor and case.pk in first.get(case.introduction_id, ()):
            found.append(f"A condition asks for a mentor at the first {n} cases; none is recorded.")
    return notes


def mentor_cases(introduction: Introduction) -> int | None:
    """How many first cases the introduction's conditions ask a mentor to attend, read from
    their words ("A mentor attends the first 5 cases"), or None."""
    return _mentor_number(
        Condition.objects.filter(introduction=introduction).values_list("text", flat=True)
    )


def _mentor_number(texts: Iterable[str]) -> int | None:
    found = []
    for text in texts:
        match = _MENTOR_CONDITION.search(text)
        if match:
            word = match.group(1).lower()
            number = int(word) if word.isdigit() else _NUMBERS.get(word)
            if number:
                found.append(number)
    return max(found) if found else None


def _after_change(case: Case, introduction: Introduction, actor, today: date, *, new: bool) -> None:
    """What follows a case logged or changed: the first-cases review, the leads told what
    needs their attention, and the CUSUM signal."""
    if new:
        review_first_cases_reached(
            introduction=introduction, today=today, actor=actor, reason="First cases logged"
        )
    notes = [n for n in case_attention(case) if not n.startswith("The OPCS-4")]
    if notes:
        _tell_leads(
            introduction,
            kind="case_attention",
            key=f"case:{case.pk}:attention:{'|'.join(notes)}"[:200],
            subject=f"Case needs attention: {introduction.title}",
            template="emails/case_attention.txt",
            context={"case": case, "notes": notes},
        )
    signal_check(introduction=introduction)


def _tell_leads(
    introduction: Introduction, *, kind: str, key: str, subject: str, template: str, context: dict
) -> None:
    notice_queue(
        kind=kind,
        key=key,
        to=leads_to_notify(introduction),
        subject=subject,
        body=render_to_string(
            template,
            {
                **context,
                "introduction": introduction,
                "site_url": getattr(settings, "SITE_URL", "").rstrip("/"),
            },
        ),
    )


def cases_revalidated(*, codings: Iterable[Any], reason: str) -> int:
    """After a rule-set change revalidated stored codings (coding.signals): each case whose
    validity changed says so in its own history. Returns how many cases changed."""
    valid = {coding.pk: coding.valid for coding in codings}
    changed, touched = 0, set()
    for case in Case.objects.filter(coding_id__in=valid):
        now_valid = valid[case.coding_id]
        if case.coding_valid == now_valid:
            continue
        case.coding_valid = now_valid
        state = "valid" if now_valid else "invalid"
        audited(case, None, f"{reason}: the coding is now {state}")
        case.save()
        touched.add(case.introduction_id)
        changed += 1
    for introduction_id in touched:  # the counts of codings needing attention changed
        monitoring_changed(introduction_id=introduction_id)
    return changed


# --- monitoring -----------------------------------------------------------------------------


def _events():
    # Adverse events sit above cases (events/): read through the reverse relation, never
    # imported; an event says itself whether it fails its case (AdverseEvent.fails_case).
    return Case._meta.get_field("adverse_events").related_model.objects.filter(fails_case=True)


def failed() -> Q:
    """A failure for monitoring (SPEC section 5) as a database condition: a reoperation, a
    device failure, a major complication, or an adverse event that fails the case. What
    monitoring counts (observations) and what the lists filter on are this one expression;
    Case.failure_flags says the same in words."""
    return (
        Q(reoperation_on__isnull=False)
        | Q(device_failure=True)
        | Q(major_complication=True)
        | Q(Exists(_events().filter(case=OuterRef("pk"))))
    )


def timepoints() -> Prefetch:
    """The outcomes' time points of each case, for its follow-up (Case.follow_up), in one
    query: unordered, since the outcomes' own order (by their case) would join every case."""
    return Prefetch("outcomes", Outcome.objects.only("case_id", "timepoint").order_by())


def with_failing(cases):
    """`cases` with their failing events prefetched (Case.failing_events), in one query."""
    return cases.prefetch_related(
        Prefetch(
            "adverse_events", queryset=_events().order_by("detected_on", "pk"), to_attr="failing"
        )
    )


def _with_failed(cases):
    return cases.annotate(
        failed=ExpressionWrapper(failed(), output_field=BooleanField())
    ).values_list("introduction_id", "pk", "performed_on", "failed")


def observations(introduction: Introduction) -> list[monitoring.Observation]:
    """The introduction's cases as monitoring sees them, in one query."""
    rows = _with_failed(Case.objects.filter(introduction=introduction))
    return [monitoring.Observation(pk, day, bool(failed)) for _, pk, day, failed in rows]


# What is cached of an introduction's monitoring is keyed by its stamp (MonitoringStamp) and
# its monitoring plan, so an entry never goes stale: a change makes a new key. The timeout
# only frees the room of entries whose stamp has gone (about 3 MB a change at 20,000 cases,
# most of it the API's JSON); an unchanged introduction is computed again once a day. Bump
# the version when what is stored changes shape (monitoring.Monitoring, the API's JSON).
MONITORING_CACHE = "monitoring.1"
MONITORING_CACHE_SECONDS = 24 * 60 * 60
_MISSING = object()


def monitoring_changed(*, introduction_id: int) -> None:
    """Give the introduction's monitoring a new stamp. Every write of what it reads (a case, an
    outcome, an adverse event) calls this in its transaction: the services here and in
    events/, and `seed_load`, which inserts in bulk."""
    token = uuid.uuid4()
    if not MonitoringStamp.objects.filter(introduction_id=introduction_id).update(token=token):
        MonitoringStamp.objects.update_or_create(
            introduction_id=introduction_id, defaults={"token": token}
        )


def _stamps(introduction_ids: Iterable[int]) -> dict[int, uuid.UUID]:
    return dict(
        MonitoringStamp.objects.filter(introduction_id__in=list(introduction_ids)).values_list(
            "introduction_id", "token"
        )
    )


def _key(introduction: Introduction, stamp: uuid.UUID, part: str) -> str:
    plan = (introduction.cusum_p0, introduction.cusum_p1, introduction.cusum_h)
    digest = hashlib.blake2b(repr((stamp.hex, plan, part)).encode(), digest_size=16)
    return f"{MONITORING_CACHE}:{introduction.pk}:{digest.hexdigest()}"


def _monitor(
    introduction: Introduction, seen: Iterable[monitoring.Observation]
) -> monitoring.Monitoring:
    return monitoring.monitor(
        seen, p0=introduction.cusum_p0, p1=introduction.cusum_p1, h=introduction.cusum_h
    )


class Monitored:
    """An introduction's monitoring as of its last change: the CUSUM and VLAD, the PROM summary,
    and what callers make of them (`cached`: the charts, the API's JSON), each computed once a
    change and then read from the cache. The page, the charts, the API, the review page, the
    committee report and the signal notice all read it.

    The stamp is read first, before anything it keys: an entry may then hold data newer than
    its stamp (a change committed in between), never older."""

    def __init__(self, introduction: Introduction) -> None:
        self.introduction = introduction
        self.stamp = _stamps([introduction.pk]).get(introduction.pk)

    def cached(self, part: str, compute: Callable[[], T]) -> T:
        """`compute()`, kept under the stamp and `part` (any text: what it is, and anything
        else it depends on, such as a title). Computed every time for an introduction with
        no stamp: nothing written under it yet, so nothing costly to compute."""
        if self.stamp is None:
            return compute()
        key = _key(self.introduction, self.stamp, part)
        value = cache.get(key, _MISSING)
        if value is _MISSING:
            value = compute()
            cache.set(key, value, MONITORING_CACHE_SECONDS)
        return value

    @cached_property
    def monitoring(self) -> monitoring.Monitoring | None:
        """The CUSUM and VLAD of the cases, or None without a monitoring plan."""
        introduction = self.introduction
        if not introduction.has_monitoring_plan:
            return None
        return self.cached("series", lambda: _monitor(introduction, observations(introduction)))

    @cached_property
    def prom(self) -> monitoring.PromSummary:
        return self.cached("prom", lambda: _prom(self.introduction))


def monitoring_of(introductions: Iterable[Introduction]) -> dict[int, monitoring.Monitoring]:
    """The monitoring of several introductions (those with a plan), as `Monitored` keeps it: one
    query of their stamps, one read of the cache, one query of the cases of those it lacks."""
    planned = {i.pk: i for i in introductions if i.has_monitoring_plan}
    stamps = _stamps(planned)  # before the cases, as in Monitored
    keys = {pk: _key(i, stamps[pk], "series") for pk, i in planned.items() if pk in stamps}
    found = cache.get_many(keys.values()) if keys else {}
    results = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in planned if pk not in results]
    if missing:
        seen: dict[int, list[monitoring.Observation]] = {pk: [] for pk in missing}
        for introduction_id, pk, day, failed in _with_failed(
            Case.objects.filter(introduction_id__in=missing)
        ):
            seen[introduction_id].append(monitoring.Observation(pk, day, bool(failed)))
        computed = {pk: _monitor(planned[pk], seen[pk]) for pk in missing}
        cache.set_many(
            {keys[pk]: result for pk, result in computed.items() if pk in keys},
            MONITORING_CACHE_SECONDS,
        )
        results.update(computed)
    return results


def introduction_monitoring(introduction: Introduction) -> monitoring.Monitoring | None:
    """The CUSUM and VLAD of the introduction's cases, or None without a monitoring plan."""
    return Monitored(introduction).monitoring


def prom(introduction: Introduction) -> monitoring.PromSummary:
    """The PROM summary of the introduction's cases (`_prom`), as `Monitored` keeps it."""
    return Monitored(introduction).prom


def _prom(introduction: Introduction) -> monitoring.PromSummary:
    """Baseline ODI against each patient's latest ODI after it, over the introduction's cases
    (one query)."""
    order = {tp: i for i, tp in enumerate(Timepoint.values)}
    by_case: dict[int, dict[str, int]] = {}
    rows = Outcome.objects.filter(introduction=introduction, odi__isnull=False).values_list(
        "case_id", "timepoint", "odi"
    )
    for case_id, timepoint, odi in rows:
        by_case.setdefault(case_id, {})[timepoint] = odi
    pairs = []
    for scores in by_case.values():
        later = [tp for tp in scores if tp != Timepoint.BASELINE]
        if Timepoint.BASELINE in scores and later:
            latest = max(later, key=order.__getitem__)
            pairs.append((scores[Timepoint.BASELINE], scores[latest]))
    return monitoring.prom_summary(pairs)


def signal_check(*, introduction: Introduction) -> list[int]:
    """Tell the leads of each crossing of h, once per crossing (the notice's key names the
    case at which the CUSUM crossed). Returns the crossings."""
    result = Monitored(introduction).monitoring
    if result is None:
        return []
    for i in result.crossing_at:
        (point,) = result.points(i, i + 1)
        _tell_leads(
            introduction,
            kind="cusum_signal",
            key=f"cusum:{introduction.pk}:{point.case}",
            subject=f"CUSUM signal: {introduction.title}",
            template="emails/cusum_signal.txt",
            context={"monitoring": result, "point": point},
        )
    return result.crossings


# --- outcomes -------------------------------------------------------------------------------


@transaction.atomic
def outcome_record(*, case: Case, actor, timepoint: str, **values: Any) -> Outcome:
    """Record the PROMs of a case at one time point (one outcome a case and time point).
    `values`: collected_on (required), odi, back_pain, leg_pain, eq5d_index."""
    locked = introduction_lock(case.introduction_id)
    require(log_refusal, actor, locked)
    if timepoint not in Timepoint.values:
        raise ValidationError({"timepoint": [f"Use one of {', '.join(Timepoint.values)}."]})
    unknown = sorted(set(values) - {"collected_on", "odi", "back_pain", "leg_pain", "eq5d_index"})
    if unknown:
        raise ValidationError({name: ["This is not a field of an outcome."] for name in unknown})
    case = Case.objects.get(pk=case.pk)
    label = Timepoint(timepoint).label
    if Outcome.objects.filter(case=case, timepoint=timepoint).exists():
        raise ValidationError(
            {"timepoint": [f"The {label.lower()} outcome of this case is already recorded."]}
        )
    collected_on = _check_date(
        values.get("collected_on"), "collected_on", "date collected", timezone.localdate()
    )
    if collected_on is None:
        raise ValidationError({"collected_on": ["Enter the date the outcome was collected."]})
    if timepoint != Timepoint.BASELINE and collected_on < case.performed_on:
        raise ValidationError(
            {"collected_on": [f"A {label.lower()} outcome is collected after the procedure."]}
        )
    outcome = Outcome(
        case=case,
        introduction_id=case.introduction_id,
        timepoint=timepoint,
        collected_on=collected_on,
        recorded_by=actor,
        **{k: v for k, v in values.items() if k != "collected_on"},
    )
    outcome.full_clean(exclude=["case", "introduction"])
    audited(outcome, actor, f"{label} outcome recorded")
    outcome.save()
    monitoring_changed(introduction_id=locked.pk)
    return outcome


def follow_up(case: Case, *, today: date, done: Iterable[str]) -> dict[str, str]:
    """Each follow-up time point of the case: `done`, `due` (within two weeks either side of
    its date), `overdue` (past that) or `not_yet` (SPEC section 5)."""
    done = set(done)
    states = {}
    for timepoint in FOLLOW_UP:
        if timepoint in done:
            states[timepoint] = "done"
            continue
        due_on = follow_up_due_on(case.performed_on, timepoint)
        if today < due_on - FOLLOW_UP_WINDOW:
            states[timepoint] = "not_yet"
        elif today <= due_on + FOLLOW_UP_WINDOW:
            states[timepoint] = "due"
        else:
            states[timepoint] = "overdue"
    return states


# Follow-up states a list can be filtered by (a case matches when any time point is in it).
FOLLOW_UP_FILTERS = ("due", "overdue")


def follow_up_window(timepoint: str, state: str, today: date) -> tuple[date | None, date]:
    """`follow_up` turned round: the dates of procedure (first, last; None: no first) on which
    a case's `timepoint` is `state` ("due" or "overdue") on `today`, unless its outcome is
    recorded. A due date only grows with the date of procedure, so each is one range."""
    if state == "due":  # today - window <= due date <= today + window
        return (
            _first_performed(timepoint, today - FOLLOW_UP_WINDOW),
            _first_performed(timepoint, today + FOLLOW_UP_WINDOW + ONE_DAY) - ONE_DAY,
        )
    if state == "overdue":  # due date + window < today
        return None, _first_performed(timepoint, today - FOLLOW_UP_WINDOW) - ONE_DAY
    raise ValueError(f"follow-up state {state!r} is not one of {FOLLOW_UP_FILTERS}")


def _first_performed(timepoint: str, due_on: date) -> date:
    """The first date of procedure whose `timepoint` falls on or after `due_on`."""
    weeks, months = FOLLOW_UP[timepoint]
    day = add_months(due_on - timedelta(weeks=weeks), -months)  # within days of the answer
    while follow_up_due_on(day, timepoint) >= due_on:
        day -= ONE_DAY
    while follow_up_due_on(day, timepoint) < due_on:
        day += ONE_DAY
    return day


def follow_up_filter(state: str, today: date) -> Q:
    """Cases with some follow-up time point `state` ("due" or "overdue") on `today`, as one
    database condition: a range of performed_on a time point, without that outcome."""
    conditions = []
    for timepoint in FOLLOW_UP:
        first, last = follow_up_window(timepoint, state, today)
        in_window = Q(performed_on__lte=last)
        if first is not None:
            in_window &= Q(performed_on__gte=first)
        recorded = Outcome.objects.filter(case=OuterRef("pk"), timepoint=timepoint)
        conditions.append(in_window & ~Exists(recorded))
    return reduce(or_, conditions)


# --- operators ------------------------------------------------------------------------------


@transaction.atomic
def operator_add(
    *, introduction: Introduction, user, evidence: str, approved_on: date, actor
) -> Operator:
    """Approve `user` to perform the procedure under the introduction, with the evidence of
    training and competence: a governance lead of the organisation."""
    locked = introduction_lock(introduction.pk)
    require(add_operator_refusal, actor, locked)
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError(
            {"evidence": ["Enter the training and competence evidence: courses, cases "
                          "observed, a mentor's sign-off."]}
        )  # fmt: skip
    if not is_member_of(user, locked.organisation_id):
        raise ValidationError(
            {"user": ["Choose a clinician who belongs to the introduction's organisation."]}
        )
    if Operator.objects.filter(introduction=locked, user=user).exists():
        raise ValidationError({"user": ["This clinician is already an approved operator."]})
    approved_on = _check_date(approved_on, "approved_on", "date of approval", timezone.localdate())
    if approved_on is None:
        raise ValidationError({"approved_on": ["Enter the date of approval."]})
    operator = Operator(
        introduction=locked, user=user, evidence=evidence, approved_on=approved_on, added_by=actor
    )
    audited(operator, actor, "Operator approved")
    operator.save()
    return operator
