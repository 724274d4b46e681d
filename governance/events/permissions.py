"""Who may record adverse events and set their Yellow Card (SPEC section 2): refusal functions
registered as `rules` permissions (governance/permissions.py).

  governance.record_event (introduction)      a clinician or lead of its organisation
                                              (cases/permissions.py `log_refusal`: one rule)
  governance.set_yellow_card (event)          a governance lead of its organisation

Events are recorded under an introduction that was approved (workflow.APPROVED_ONCE): an event
is often found after the introduction is suspended or withdrawn, and must still be told.
"""

from __future__ import annotations

from governance import roles
from governance.cases.permissions import log_refusal
from governance.introductions import workflow
from governance.permissions import add_perm, membership_refusal


def events_conflict(introduction) -> str | None:
    """Why no event can be recorded under the introduction in its present state, or None."""
    if introduction.status in workflow.APPROVED_ONCE:
        return None
    return (
        "Adverse events are recorded under an introduction that has been approved; this one "
        f"is {introduction.get_status_display().lower()}."
    )


def yellow_card_refusal(user, event) -> str | None:
    why = membership_refusal(user, event)
    if why:
        return why
    if not roles.is_lead(user):
        return "Only a governance lead may set the Yellow Card status of an adverse event."
    return None


add_perm("governance.record_event", log_refusal)
add_perm("governance.set_yellow_card", yellow_card_refusal)
