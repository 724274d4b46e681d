"""How introductions read on the pages: status tags, what comes next, action buttons.

Pure functions of values already loaded: nothing here runs a query (STYLE.md, "Templates").
The template tags (templatetags/governance_tags.py) and the dashboards (home/) use them.
"""

from __future__ import annotations

from django.utils.html import format_html

from governance.introductions.workflow import Action, Status

# NHS.UK tag colours: blue waiting on someone, green approved, red stopped, grey finished.
STATUS_COLOURS: dict[str, str] = {
    Status.DRAFT: "white",
    Status.SUBMITTED: "blue",
    Status.UNDER_REVIEW: "purple",
    Status.CHANGES_REQUESTED: "orange",
    Status.APPROVED: "green",
    Status.ADOPTED: "aqua-green",
    Status.REJECTED: "red",
    Status.SUSPENDED: "yellow",
    Status.WITHDRAWN: "grey",
    Status.CANCELLED: "grey",
}

# What the applicant does next, by status (the clinician's dashboard and the list).
APPLICANT_NEXT: dict[str, str] = {
    Status.DRAFT: "Submit your application",
    Status.SUBMITTED: "Waiting for a governance lead to start the review",
    Status.UNDER_REVIEW: "Being reviewed by a governance lead",
    Status.CHANGES_REQUESTED: "Respond to requested changes",
    Status.APPROVED: "Log each case and its outcomes",
    Status.ADOPTED: "Adopted into routine practice",
    Status.REJECTED: "Rejected: no further action",
    Status.SUSPENDED: "Suspended: do not perform the procedure",
    Status.WITHDRAWN: "Withdrawn: no further action",
    Status.CANCELLED: "Cancelled: no further action",
}

# What a governance lead does next, by status.
REVIEWER_NEXT: dict[str, str] = {
    Status.SUBMITTED: "Start the review",
    Status.UNDER_REVIEW: "Decide: approve, request changes or reject",
    Status.APPROVED: "Monitor cases and reviews",
    Status.SUSPENDED: "Reinstate or withdraw",
}

# Button text and the question each action's confirmation page asks.
ACTION_BUTTON: dict[str, str] = {
    Action.SUBMIT: "Submit application",
    Action.START_REVIEW: "Start review",
    Action.REQUEST_CHANGES: "Request changes",
    Action.RESUBMIT: "Resubmit application",
    Action.APPROVE: "Approve",
    Action.REJECT: "Reject",
    Action.SUSPEND: "Suspend",
    Action.REINSTATE: "Reinstate",
    Action.WITHDRAW: "Withdraw",
    Action.ADOPT: "Adopt into routine practice",
    Action.CANCEL: "Cancel application",
}
# Actions that stop or set back an introduction: shown as warning buttons.
WARNING_ACTIONS = frozenset({Action.REJECT, Action.SUSPEND, Action.WITHDRAW, Action.CANCEL})
# Secondary buttons; the rest are primary.
SECONDARY_ACTIONS = frozenset({Action.REQUEST_CHANGES})


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "grey")


def status_label(status: str) -> str:
    try:
        return Status(status).label
    except ValueError:
        return status


def next_step(status: str, *, applicant: bool) -> str:
    if applicant:
        return APPLICANT_NEXT.get(status, "")
    return REVIEWER_NEXT.get(status, "")


def status_tag(status: str) -> str:
    """`{% status_tag introduction.status %}`: the status as an NHS.UK tag."""
    return format_html(
        '<strong class="nhsuk-tag nhsuk-tag--{}">{}</strong>',
        status_colour(status),
        status_label(status),
    )


def status_name(status: str) -> str:
    """The status in words: "Under review"."""
    return status_label(status)


def action_button(action: str) -> str:
    return ACTION_BUTTON.get(action, action.replace("_", " ").capitalize())


def action_button_class(action: str) -> str:
    if action in WARNING_ACTIONS:
        return "nhsuk-button nhsuk-button--warning"
    if action in SECONDARY_ACTIONS:
        return "nhsuk-button nhsuk-button--secondary"
    return "nhsuk-button"


def percent(rate: float | None) -> str:
    """A failure rate as typed and in per cent: 0.11 -> "0.11 (11%)"; None -> ""."""
    if rate is None:
        return ""
    return f"{rate:g} ({rate * 100:.3g}%)"


def lines(text: str) -> list[str]:
    """Non-empty lines of a text (conditions are entered one a line)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
