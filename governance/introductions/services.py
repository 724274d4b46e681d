"""Use cases of introductions, their conditions and their reviews: the only code that writes
them.

Each service takes keyword-only arguments, runs in one transaction, returns the instance, and
raises a governance.errors domain error when a precondition fails, or Django's ValidationError
naming the field for bad input. Each sets simple-history's user and reason explicitly, so the
audit history is right from the API, the pages, Celery tasks and commands alike.

`introduction_transition` is the only writer of `Introduction.status`; it applies the one
table in introductions/workflow.py and writes one append-only `Transition` row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from governance import roles
from governance.audited import audited, lock
from governance.dates import add_months
from governance.errors import InvalidTransition, NotPermitted, PreconditionsUnmet
from governance.introductions import permissions, workflow
from governance.introductions.models import (
    MONITORING_FIELDS,
    Condition,
    Introduction,
    IntroductionDevice,
    Review,
    Transition,
)
from governance.introductions.workflow import Action, ReviewOutcome, Rule
from governance.notices.services import notice_queue
from governance.organisations.models import Device, Guidance, Organisation
from governance.organisations.services import organisation_for_application
from governance.permissions import require

logger = logging.getLogger(__name__)

# Fields the applicant edits through introduction_update (organisation, applicant and status
# never change there).
EDITABLE_FIELDS = frozenset(
    {
        "guidance",
        "title",
        "department",
        "rationale",
        "patient_selection",
        "consent_arrangements",
        "audit_plan",
        "research_ethics_reference",
        "planned_start",
        *MONITORING_FIELDS,
    }
)
# A review that has been due this long without being completed is overdue.
REVIEW_GRACE = timedelta(days=28)
MAX_CONDITIONS = 50
MAX_CONDITION_LENGTH = 2000


def introduction_lock(pk: int) -> Introduction:
    """The introduction's row, locked until the transaction ends. Every service that changes an
    introduction or what hangs off it (conditions, reviews, assessments, cases) takes this lock
    first, so concurrent actions on one introduction run one after the other and the later
    one is checked against the earlier one's result."""
    return lock(Introduction.objects.select_related("guidance"), pk, what="introduction")


def _clean_conditions(conditions: Iterable[str] | None) -> list[str]:
    if conditions is None:
        return []
    if isinstance(conditions, str):
        conditions = [conditions]
    texts = []
    for text in conditions:
        if not isinstance(text, str):
            raise ValidationError({"conditions": ["Each condition must be text."]})
        text = text.strip()
        if not text:
            continue
        if len(text) > MAX_CONDITION_LENGTH:
            raise ValidationError(
                {"conditions": [f"A condition must be at most {MAX_CONDITION_LENGTH} characters."]}
            )
        texts.append(text)
    if len(texts) > MAX_CONDITIONS:
        raise ValidationError({"conditions": [f"At most {MAX_CONDITIONS} conditions."]})
    return texts


# --- introductions -----------------------------------------------------------------------


def _device_ids(devices: Iterable[Any]) -> list[int]:
    ids = []
    for device in devices:
        ids.append(device.pk if isinstance(device, Device) else device)
    found = set(Device.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [d for d in ids if d not in found]
    if missing:
        raise ValidationError({"devices": [f"No device with id {missing[0]}."]})
    return list(dict.fromkeys(ids))


def _set_devices(introduction: Introduction, devices: Iterable[Any], actor, reason: str) -> bool:
    """Make the introduction's devices exactly `devices`, one audited row at a time (the
    relation's add()/set() would bulk-write and skip the history). True if anything changed."""
    wanted = _device_ids(devices)
    links = {link.device_id: link for link in introduction.device_links.all()}
    changed = False
    for device_id, link in links.items():
        if device_id not in wanted:
            audited(link, actor, reason or "Device removed")
            link.delete()
            changed = True
    for device_id in wanted:
        if device_id not in links:
            link = IntroductionDevice(introduction=introduction, device_id=device_id)
            audited(link, actor, reason or "Device added")
            link.save()
            changed = True
    return changed


@transaction.atomic
def introduction_create(
    *,
    actor,
    organisation: Organisation | str | None = None,
    guidance: Guidance | None,
    title: str,
    department: str = "",
    rationale: str = "",
    patient_selection: str = "",
    consent_arrangements: str = "",
    audit_plan: str = "",
    research_ethics_reference: str = "",
    planned_start: date | str | None = None,
    first_review_after_cases: int | None = None,
    review_interval_months: int | None = None,
    cusum_p0: float | None = None,
    cusum_p1: float | None = None,
    cusum_h: float | None = None,
    devices: Iterable[Any] = (),
) -> Introduction:
    """Start an application (status draft) with `actor` as the applicant, in `organisation` (or
    the one with that ODS code; optional when the actor belongs to one)."""
    require("governance.create_introduction", actor)
    introduction = Introduction(
        organisation=organisation_for_application(actor, organisation),
        guidance=guidance,
        applicant=actor,
        title=(title or "").strip(),
        department=(department or "").strip(),
        rationale=rationale or "",
        patient_selection=patient_selection or "",
        consent_arrangements=consent_arrangements or "",
        audit_plan=audit_plan or "",
        research_ethics_reference=(research_ethics_reference or "").strip(),
        planned_start=planned_start,
        first_review_after_cases=first_review_after_cases,
        review_interval_months=review_interval_months,
        cusum_p0=cusum_p0,
        cusum_p1=cusum_p1,
        cusum_h=cusum_h,
    )
    introduction.full_clean()
    audited(introduction, actor, "Application started")
    introduction.save()
    _set_devices(introduction, devices, actor, "Device added to the application")
    return introduction


def introduction_check_editable(introduction: Introduction, actor) -> None:
    """NotPermitted (403) when `actor` may not change the application, InvalidTransition (409)
    when nobody may in its present state: the page, the API and the service ask here."""
    why = permissions.edit_refusal(actor, introduction)
    if why:
        raise NotPermitted(why)
    conflict = permissions.edit_conflict(introduction)
    if conflict:
        raise InvalidTransition(conflict)


@transaction.atomic
def introduction_update(
    *, introduction: Introduction, actor, reason: str = "", **fields
) -> Introduction:
    """Edit the application: only its applicant, only as a draft or when changes are
    requested. `fields` are names in EDITABLE_FIELDS, and `devices` (the full new list)."""
    unknown = sorted(set(fields) - EDITABLE_FIELDS - {"devices"})
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    locked = introduction_lock(introduction.pk)
    introduction_check_editable(locked, actor)
    devices = fields.pop("devices", None)
    before = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    for name, value in fields.items():
        if isinstance(value, str) and name in {"title", "department", "research_ethics_reference"}:
            value = value.strip()
        setattr(locked, name, value)
    locked.full_clean()
    after = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    if before != after:
        audited(locked, actor, reason or "Application edited")
        locked.save()
    if devices is not None:
        _set_devices(locked, devices, actor, reason or "Devices changed")
    return locked


def _schedule_first_reviews(introduction: Introduction, actor, today: date) -> list[Review]:
    reviews = []
    if introduction.first_review_after_cases:
        reviews.append(
            Review(
                introduction=introduction,
                kind=Review.Kind.FIRST_CASES,
                due_after_cases=introduction.first_review_after_cases,
            )
        )
    if introduction.review_interval_months:
        reviews.append(
            Review(
                introduction=introduction,
                kind=Review.Kind.PERIODIC,
                due_on=add_months(today, introduction.review_interval_months),
            )
        )
    for review in reviews:
        audited(review, actor, "Review scheduled on approval")
        review.save()
    return reviews


def _cancel_scheduled_reviews(introduction: Introduction, actor, reason: str) -> None:
    for review in introduction.reviews.scheduled():
        review.status = Review.State.CANCELLED
        audited(review, actor, reason)
        review.save()


def _add_conditions(
    introduction: Introduction, texts: list[str], actor, reason: str, review: Review | None = None
) -> list[Condition]:
    created = []
    for text in texts:
        condition = Condition(introduction=introduction, text=text, set_at_review=review)
        audited(condition, actor, reason)
        condition.save()
        created.append(condition)
    return created


def _apply(
    locked: Introduction, rule: Rule, actor, reason: str, conditions: list[str]
) -> Introduction:
    """Check and apply one transition to an introduction whose row is locked."""
    why = workflow.refusal(rule, locked, actor)
    if why:
        raise NotPermitted(why)
    conflict = workflow.state_conflict(rule, locked)
    if conflict:
        raise InvalidTransition(conflict)
    missing = workflow.reason_missing(rule, reason)
    if missing:
        raise ValidationError({"reason": [missing]})
    unmet = workflow.unmet(rule, locked)
    if unmet:
        raise PreconditionsUnmet(
            f"This introduction cannot be {rule.target.label.lower()} yet. "
            + " ".join(workflow.GUARD_TEXT[code] for code in unmet),
            unmet,
        )
    now = timezone.now()
    from_status = locked.status
    locked.status = rule.target
    audited(locked, actor, reason or rule.action.label)
    locked.save()
    Transition.objects.create(
        introduction=locked,
        action=rule.action,
        from_status=from_status,
        to_status=rule.target,
        actor=actor,
        reason=reason,
        at=now,
    )
    if rule.action == Action.APPROVE:
        _add_conditions(locked, conditions, actor, "Condition of approval")
        _schedule_first_reviews(locked, actor, timezone.localdate(now))
    elif rule.action in (Action.WITHDRAW, Action.ADOPT):
        _cancel_scheduled_reviews(
            locked, actor, f"Introduction {rule.target.label.lower()}: review no longer needed"
        )
    return locked


def introduction_transition(
    *,
    introduction: Introduction,
    action: str,
    actor,
    reason: str = "",
    conditions: Iterable[str] = (),
) -> Introduction:
    """Take a workflow action (workflow.TRANSITIONS) and return the updated introduction.

    Raises NotPermitted (who), InvalidTransition (state) or PreconditionsUnmet (guards, with
    `.unmet`). Locks the row: of two concurrent actions on one introduction, the second runs
    after the first has committed and is checked against the new state. Writes exactly one
    Transition row; approval also writes its conditions and schedules the reviews.
    """
    try:
        rule = workflow.rule_for(action)
    except (KeyError, ValueError):
        choices = ", ".join(Action.values)
        raise ValidationError(
            {"action": [f"Unknown action {action!r}: use one of {choices}."]}
        ) from None
    texts = _clean_conditions(conditions)
    if texts and rule.action != Action.APPROVE:
        raise ValidationError({"conditions": ["Conditions can be set only on approval."]})
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = introduction_lock(introduction.pk)
        return _apply(locked, rule, actor, reason, texts)


# --- conditions and reviews --------------------------------------------------------------


@transaction.atomic
def condition_meet(*, condition: Condition, actor, evidence: str) -> Condition:
    """Record a condition of approval as met, with the evidence: a governance lead who is not
    the applicant, while the introduction is approved or suspended."""
    evidence = (evidence or "").strip() if isinstance(evidence, str) else ""
    if not evidence:
        raise ValidationError({"evidence": ["Say what shows that the condition is met."]})
    locked = introduction_lock(condition.introduction_id)
    require("governance.meet_condition", actor, locked)
    condition = Condition.objects.get(pk=condition.pk)
    if condition.is_met:
        raise InvalidTransition("This condition is already recorded as met.")
    if locked.status not in workflow.LIVE:
        raise InvalidTransition(
            "Conditions can be met only while the introduction is approved or suspended; "
            f"it is {locked.get_status_display().lower()}."
        )
    condition.status = Condition.State.MET
    condition.evidence = evidence
    condition.met_by = actor
    condition.met_at = timezone.now()
    audited(condition, actor, "Condition met")
    condition.save()
    return condition


@transaction.atomic
def review_complete(
    *,
    review: Review,
    actor,
    outcome: str,
    notes: str = "",
    conditions: Iterable[str] = (),
) -> Review:
    """Complete a scheduled review with its outcome: a governance lead who is not the applicant.

    `continue` and `continue_with_conditions` (which needs `conditions`) keep the
    introduction approved and schedule the next periodic review; `suspend`, `withdraw` and
    `adopt` take that action through the workflow table, with its rules and guards (adopt:
    every condition met and no other review outstanding). All or nothing.
    """
    if outcome not in ReviewOutcome.values:
        raise ValidationError(
            {
                "outcome": [
                    f"Unknown outcome {outcome!r}: use one of {', '.join(ReviewOutcome.values)}."
                ]
            }
        )
    texts = _clean_conditions(conditions)
    if outcome == ReviewOutcome.CONTINUE_WITH_CONDITIONS and not texts:
        raise ValidationError(
            {"conditions": ["Give the conditions the introduction continues with."]}
        )
    if texts and outcome != ReviewOutcome.CONTINUE_WITH_CONDITIONS:
        raise ValidationError(
            {"conditions": ["Conditions go with the outcome continue_with_conditions."]}
        )
    notes = (notes or "").strip()
    locked = introduction_lock(review.introduction_id)
    require("governance.complete_review", actor, locked)
    review = Review.objects.get(pk=review.pk)
    if not review.is_scheduled:
        raise InvalidTransition(f"This review is already {review.get_status_display().lower()}.")
    action = workflow.OUTCOME_ACTIONS.get(outcome)
    if action is None and locked.status != workflow.Status.APPROVED:
        raise InvalidTransition(
            "A review can conclude that the introduction continues only while it is approved; "
            f"it is {locked.get_status_display().lower()}."
        )
    now = timezone.now()
    label = ReviewOutcome(outcome).label
    review.status = Review.State.COMPLETED
    review.outcome = outcome
    review.notes = notes
    review.completed_by = actor
    review.completed_at = now
    audited(review, actor, f"Review completed: {label.lower()}")
    review.save()
    _add_conditions(locked, texts, actor, "Condition set at review", review=review)
    if action is not None:
        _apply(locked, workflow.TRANSITIONS[action], actor, notes or f"Review outcome: {label}", [])
    elif review.kind == Review.Kind.PERIODIC and locked.review_interval_months:
        following = Review(
            introduction=locked,
            kind=Review.Kind.PERIODIC,
            due_on=add_months(
                review.due_on or timezone.localdate(now), locked.review_interval_months
            ),
        )
        audited(following, actor, "Next periodic review scheduled")
        following.save()
    return review


# --- the daily review check --------------------------------------------------------------

_REVIEW_CHECK = "Daily review check"


def leads_to_notify(introduction: Introduction) -> list[str]:
    """E-mail addresses of the organisation's governance leads, other than the applicant: who
    hears of reviews due, and of the introduction's cases that need a lead's attention."""
    User = get_user_model()
    emails = (
        User.objects.filter(
            memberships__organisation_id=introduction.organisation_id,
            groups__name=roles.LEAD,
            is_active=True,
        )
        .exclude(pk=introduction.applicant_id)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    return list(emails)


def _notify_leads(review: Review, *, overdue: bool) -> bool:
    """Queue the notice telling the leads that the review is due or overdue, in the caller's
    transaction; False if there is no lead to tell."""
    introduction = review.introduction
    state = "overdue" if overdue else "due"
    context = {
        "review": review,
        "introduction": introduction,
        "overdue": overdue,
        "overdue_since": review.due_on + REVIEW_GRACE if review.due_on else None,
        "site_url": getattr(settings, "SITE_URL", "").rstrip("/"),
    }
    notice = notice_queue(
        kind=f"review_{state}",
        key=f"review:{review.pk}:{state}",
        to=leads_to_notify(introduction),
        subject=f"Review {state}: {introduction.title}",
        body=render_to_string("emails/review_due.txt", context),
    )
    return notice is not None


def _flag_review(review_pk: int, now: datetime, today: date) -> bool:
    """Flag one review due and/or overdue and tell the leads the first time; True if a flag
    was newly set. Its own transaction: one failure does not undo the others."""
    with transaction.atomic():
        review = (
            Review.objects.select_for_update(of=("self",))
            .select_related("introduction")
            .get(pk=review_pk)
        )
        if not review.is_scheduled or review.due_on is None or review.due_on > today:
            return False
        overdue = review.due_on + REVIEW_GRACE < today
        newly_due = review.flagged_due_at is None
        newly_overdue = overdue and review.flagged_overdue_at is None
        if not (newly_due or newly_overdue):
            return False
        if newly_due:
            review.flagged_due_at = now
        if newly_overdue:
            review.flagged_overdue_at = now
        # The notice is written with the flags and sent after they commit (notices/): the
        # leads hear of each review once, and a mail or broker outage delays the e-mail but
        # never the flags, nor the other reviews.
        if review.leads_notified_at is None and _notify_leads(review, overdue=overdue):
            review.leads_notified_at = now
        audited(review, None, f"{_REVIEW_CHECK}: review {'overdue' if overdue else 'due'}")
        review.save()
        return True


def review_first_cases_reached(
    *, introduction: Introduction, today: date, actor=None, reason: str = ""
) -> Review | None:
    """Make the "after the first N cases" review due today once N cases are logged (cases/
    calls it as each case is logged; the daily check catches up). Returns the review made due,
    or None. Call it inside the transaction that logged the case."""
    review = (
        Review.objects.select_for_update()
        .filter(
            introduction=introduction,
            kind=Review.Kind.FIRST_CASES,
            status=Review.State.SCHEDULED,
            due_on__isnull=True,
        )
        .first()
    )
    if review is None or workflow.cases_logged(introduction) < (review.due_after_cases or 0):
        return None
    review.due_on = today
    audited(
        review, actor, reason or f"{_REVIEW_CHECK}: first {review.due_after_cases} cases logged"
    )
    review.save()
    return review


def reviews_flag_due(*, now: datetime) -> int:
    """Find reviews that have fallen due or become overdue, flag them and queue one e-mail
    to the organisation's governance leads per review (notices/). Idempotent; returns how
    many reviews were newly flagged. The daily Celery beat job (governance.tasks) calls it.

    A periodic review is due on its date; the first-cases review once the cases are logged
    (its date is then set to that day). Overdue: still not completed REVIEW_GRACE after that.
    """
    today = timezone.localdate(now)
    live = workflow.LIVE
    waiting_for_cases = Review.objects.scheduled().filter(
        kind=Review.Kind.FIRST_CASES, due_on__isnull=True, introduction__status__in=live
    )
    for introduction_id in waiting_for_cases.values_list("introduction_id", flat=True):
        with transaction.atomic():
            review_first_cases_reached(
                introduction=Introduction.objects.get(pk=introduction_id), today=today
            )
    candidates = (
        Review.objects.scheduled()
        .filter(introduction__status__in=live, due_on__lte=today)
        .filter(
            Q(flagged_due_at__isnull=True)
            | Q(flagged_overdue_at__isnull=True, due_on__lt=today - REVIEW_GRACE)
        )
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)
    )
    return sum(_flag_review(pk, now, today) for pk in list(candidates))
