"""The life of an introduction: states, actions, and the one table of transitions.

    draft --submit--> submitted --start_review--> under_review --approve--> approved
    approved --adopt--> adopted
    draft/submitted/changes_requested --cancel--> cancelled
    under_review --request_changes--> changes_requested --resubmit--> submitted
    under_review --reject--> rejected
    approved --suspend--> suspended --reinstate--> approved
    approved/suspended --withdraw--> withdrawn

`TRANSITIONS` says, for each action, the states it leaves, the state it enters, who may take it,
whether it needs a reason, and which guards must hold. `services.introduction_transition` is the
only code that applies it (and the only writer of `Introduction.status`);
`Introduction.allowed_actions(user)`, the pages, their forms and the API read it. The sets of
states below (EDITABLE, LIVE, CASES_ALLOWED, APPROVED_ONCE) are the only spelling of which
states mean what. Vocabulary after viewflow's fsm: `has_perm` (who), `can_proceed` (state),
`unmet` (guards).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone

from governance.introductions.permissions import Party, party_refusal

if TYPE_CHECKING:
    from collections.abc import Callable

    from governance.introductions.models import Introduction


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    ADOPTED = "adopted", "Adopted"
    REJECTED = "rejected", "Rejected"
    SUSPENDED = "suspended", "Suspended"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CANCELLED = "cancelled", "Cancelled"


class Action(models.TextChoices):
    SUBMIT = "submit", "Submit"
    START_REVIEW = "start_review", "Start review"
    REQUEST_CHANGES = "request_changes", "Request changes"
    RESUBMIT = "resubmit", "Resubmit"
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    SUSPEND = "suspend", "Suspend"
    REINSTATE = "reinstate", "Reinstate"
    WITHDRAW = "withdraw", "Withdraw"
    ADOPT = "adopt", "Adopt"
    CANCEL = "cancel", "Cancel"


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "Continue"
    CONTINUE_WITH_CONDITIONS = "continue_with_conditions", "Continue with conditions"
    SUSPEND = "suspend", "Suspend"
    WITHDRAW = "withdraw", "Withdraw"
    ADOPT = "adopt", "Adopt"


# The outcomes of a review that change the introduction's state, through the same table.
OUTCOME_ACTIONS: dict[str, Action] = {
    ReviewOutcome.SUSPEND: Action.SUSPEND,
    ReviewOutcome.WITHDRAW: Action.WITHDRAW,
    ReviewOutcome.ADOPT: Action.ADOPT,
}

# States in which the applicant may still edit the application.
EDITABLE = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED})
# States in which the introduction is live under governance: its conditions are met and its
# reviews fall due (adoption ends the conditions and reviews, not the audit).
LIVE = frozenset({Status.APPROVED, Status.SUSPENDED})
# States in which the procedure may be performed, so cases may be logged (DESIGN.md).
CASES_ALLOWED = frozenset({Status.APPROVED, Status.ADOPTED})
# States reached only through approval: conditions and reviews are part of the record.
APPROVED_ONCE = frozenset({Status.APPROVED, Status.ADOPTED, Status.SUSPENDED, Status.WITHDRAWN})


@dataclass(frozen=True)
class Rule:
    action: Action
    sources: frozenset[Status]
    target: Status
    by: Party
    guards: tuple[str, ...] = ()
    # Decisions that must say why (the applicant, the committee and an auditor read it): what
    # the page, the service and the API say when no reason is given. Empty: optional.
    no_reason: str = ""

    @property
    def reason_required(self) -> bool:
        return bool(self.no_reason)


APPROVAL_GUARDS = (
    "equality-assessment",
    "equality-stop",
    "sustainability-assessment",
    "monitoring-plan",
    "recommendation",
    "do-not-use",
    "consent-arrangements",
    "audit-plan",
    "research-ethics-reference",
    "coding-ruleset",
)
ADOPTION_GUARDS = ("conditions-met", "reviews-complete")

_S = Status
TRANSITIONS: dict[Action, Rule] = {
    rule.action: rule
    for rule in (
        Rule(Action.SUBMIT, frozenset({_S.DRAFT}), _S.SUBMITTED, Party.APPLICANT),
        Rule(Action.START_REVIEW, frozenset({_S.SUBMITTED}), _S.UNDER_REVIEW, Party.REVIEWER),
        Rule(
            Action.REQUEST_CHANGES,
            frozenset({_S.UNDER_REVIEW}),
            _S.CHANGES_REQUESTED,
            Party.REVIEWER,
            no_reason="Enter what needs to change",
        ),
        Rule(
            Action.RESUBMIT,
            frozenset({_S.CHANGES_REQUESTED}),
            _S.SUBMITTED,
            Party.APPLICANT,
            no_reason="Enter what you have changed",
        ),
        Rule(
            Action.APPROVE,
            frozenset({_S.UNDER_REVIEW}),
            _S.APPROVED,
            Party.REVIEWER,
            APPROVAL_GUARDS,
        ),
        Rule(
            Action.REJECT,
            frozenset({_S.UNDER_REVIEW}),
            _S.REJECTED,
            Party.REVIEWER,
            no_reason="Enter why the application is rejected",
        ),
        Rule(
            Action.SUSPEND,
            frozenset({_S.APPROVED}),
            _S.SUSPENDED,
            Party.REVIEWER,
            no_reason="Enter why the introduction is suspended",
        ),
        Rule(
            Action.REINSTATE,
            frozenset({_S.SUSPENDED}),
            _S.APPROVED,
            Party.REVIEWER,
            no_reason="Enter why the introduction is reinstated",
        ),
        Rule(
            Action.WITHDRAW,
            frozenset(LIVE),
            _S.WITHDRAWN,
            Party.REVIEWER,
            no_reason="Enter why the introduction is withdrawn",
        ),
        Rule(Action.ADOPT, frozenset({_S.APPROVED}), _S.ADOPTED, Party.REVIEWER, ADOPTION_GUARDS),
        Rule(
            Action.CANCEL,
            frozenset({_S.DRAFT, _S.SUBMITTED, _S.CHANGES_REQUESTED}),
            _S.CANCELLED,
            Party.APPLICANT,
        ),
    )
}

# The actions that must say why (the `reason_required` of their rules).
REASON_REQUIRED = frozenset(rule.action for rule in TRANSITIONS.values() if rule.reason_required)

# How each action reads in a sentence: "You cannot <verb> your own application".
VERB: dict[Action, str] = {
    Action.SUBMIT: "submit",
    Action.START_REVIEW: "start the review of",
    Action.REQUEST_CHANGES: "request changes to",
    Action.RESUBMIT: "resubmit",
    Action.APPROVE: "approve",
    Action.REJECT: "reject",
    Action.SUSPEND: "suspend",
    Action.REINSTATE: "reinstate",
    Action.WITHDRAW: "withdraw",
    Action.ADOPT: "adopt",
    Action.CANCEL: "cancel",
}

# One plain-English sentence per guard code: the 409's `unmet` codes, explained to people.
GUARD_TEXT: dict[str, str] = {
    "equality-assessment": "The equality impact assessment must be completed and signed off "
    "by a governance lead who is not the applicant.",
    "equality-stop": "The equality impact assessment concludes that the plans could lead to "
    "unlawful discrimination and should stop: the procedure cannot be approved unless the "
    "assessment is revised.",
    "sustainability-assessment": "The sustainability assessment must be completed and signed "
    "off by a governance lead who is not the applicant.",
    "monitoring-plan": "The monitoring plan must be complete: the number of cases before the "
    "first review, the review interval in months, and the CUSUM acceptable failure rate (p0), "
    "unacceptable failure rate (p1) and threshold (h).",
    "recommendation": "The NICE recommendation for the guidance must be recorded (standard "
    "arrangements, special arrangements, research only or do not use).",
    "do-not-use": "NICE recommends that this procedure is not used, so it cannot be approved.",
    "consent-arrangements": "NICE recommends special arrangements: the consent and patient "
    "information arrangements must be described.",
    "audit-plan": "NICE recommends special arrangements: the audit plan must be described.",
    "research-ethics-reference": "NICE recommends this procedure only in the context of "
    "research: the research ethics approval reference must be given.",
    "coding-ruleset": "The guidance must have a coding rule set, so that each case's OPCS-4 "
    "coding can be checked against NICE's coding recommendations.",
    "conditions-met": "Every condition of approval must be met, with evidence.",
    "reviews-complete": "The review after the first cases, and every review that has fallen "
    "due, must be completed.",
}


def assessment_signed_off(introduction: Introduction, kind: str) -> bool:
    """Whether the introduction's `kind` ("equality" or "sustainability") assessment is
    completed and signed off by a governance lead who is not the applicant.

    Reads the assessment through its reverse relation (`is_signed_off`, assessments/models.py);
    an edit voids the sign-off.
    """
    assessment = getattr(introduction, f"{kind}_assessment", None)
    return assessment is not None and assessment.is_signed_off


def _equality_says_stop(introduction: Introduction) -> bool:
    assessment = getattr(introduction, "equality_assessment", None)
    return assessment is not None and assessment.concludes_stop


def cases_logged(introduction: Introduction) -> int:
    """How many cases are logged under the introduction: 0 until the cases package adds a
    `Case` model with `related_name="cases"`; then it counts them. reviews_flag_due reads it."""
    cases = getattr(introduction, "cases", None)
    return cases.count() if cases is not None else 0


def _recommendation(introduction: Introduction) -> str | None:
    return introduction.guidance.recommendation or None


# What NICE's recommendation asks the application to describe: guard code -> the field. The
# approval guards and the application's task list (forms.SECTIONS) both read it.
ARRANGEMENTS: dict[str, tuple[str, str]] = {
    # guard code: (the recommendation that asks for it, the field that answers it)
    "consent-arrangements": ("special", "consent_arrangements"),
    "audit-plan": ("special", "audit_plan"),
    "research-ethics-reference": ("research_only", "research_ethics_reference"),
}


def arrangements_needed(introduction: Introduction) -> list[str]:
    """The ARRANGEMENTS guard codes NICE's recommendation for the guidance asks for."""
    wanted = _recommendation(introduction)
    return [code for code, (when, _) in ARRANGEMENTS.items() if when == wanted]


def _arrangement_given(introduction: Introduction, code: str) -> bool:
    when, field = ARRANGEMENTS[code]
    return _recommendation(introduction) != when or bool(getattr(introduction, field).strip())


GUARDS: dict[str, Callable[[Introduction], bool]] = {
    "equality-assessment": lambda i: assessment_signed_off(i, "equality"),
    "sustainability-assessment": lambda i: assessment_signed_off(i, "sustainability"),
    "equality-stop": lambda i: not _equality_says_stop(i),
    "monitoring-plan": lambda i: i.has_monitoring_plan,
    "recommendation": lambda i: _recommendation(i) is not None,
    "do-not-use": lambda i: _recommendation(i) != "do_not_use",
    **{code: (lambda i, code=code: _arrangement_given(i, code)) for code in ARRANGEMENTS},
    "coding-ruleset": lambda i: i.guidance.ruleset_id is not None,
    "conditions-met": lambda i: not i.conditions.filter(status="open").exists(),
    "reviews-complete": lambda i: not i.reviews.outstanding(on=timezone.localdate()).exists(),
}


def rule_for(action: str) -> Rule:
    """The rule of `action`; a KeyError for an unknown action (callers validate first)."""
    return TRANSITIONS[Action(action)]


def can_proceed(rule: Rule, introduction: Introduction) -> bool:
    """Whether the action is possible from the introduction's current state."""
    return introduction.status in rule.sources


def refusal(rule: Rule, introduction: Introduction, user) -> str | None:
    """Why `user` may not take the action on this introduction, or None when they may.

    Independent of the state: a wrong role is a 403 whatever the state is.
    """
    return party_refusal(rule.by, introduction, user, VERB[rule.action])


def state_conflict(rule: Rule, introduction: Introduction) -> str | None:
    """Why the action is not possible from the introduction's state (a 409), or None."""
    if can_proceed(rule, introduction):
        return None
    return (
        f"You cannot {VERB[rule.action]} an introduction that is "
        f"{introduction.get_status_display().lower()}."
    )


def reason_missing(rule: Rule, reason: str) -> str | None:
    """The message when the action needs a reason and none is given, or None."""
    if rule.reason_required and not (reason or "").strip():
        return rule.no_reason
    return None


def has_perm(rule: Rule, introduction: Introduction, user) -> bool:
    return refusal(rule, introduction, user) is None


def unmet(rule: Rule, introduction: Introduction) -> list[str]:
    """The rule's guard codes that do not hold, in the table's order."""
    return [code for code in rule.guards if not GUARDS[code](introduction)]


def allowed_actions(introduction: Introduction, user) -> list[str]:
    """Actions `user` may take from the current state, in the table's order.

    Guards are not evaluated here: an action whose guards are unmet is still offered, and
    taking it answers 409 with the `unmet` codes (so a page can say what is missing).
    """
    return [
        rule.action.value
        for rule in TRANSITIONS.values()
        if can_proceed(rule, introduction) and has_perm(rule, introduction, user)
    ]
