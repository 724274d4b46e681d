"""Who may log cases and outcomes, and who approves operators (SPEC section 2): one refusal
function per permission, registered as `rules` permissions (governance/permissions.py).

  governance.log_case (introduction)         a clinician or lead of its organisation
  governance.log_case_now (introduction)     the same, and the introduction allows cases
  governance.add_operator (introduction)     a governance lead of its organisation
  governance.see_nhs_number (introduction)   the clinical team: its clinicians and leads

Administrators read cases but log nothing. When cases may be logged is `cases_conflict`'s to
say (a 409 naming the state): only under an approved or adopted introduction.
"""

from __future__ import annotations

from governance import roles
from governance.introductions import workflow
from governance.permissions import add_perm, membership_refusal


def log_role_refusal(user, obj=None) -> str | None:
    """Why `user` may log under no introduction at all: no clinical role. The API asks it
    before reading a body that names the introduction (events/api.py)."""
    if not roles.is_clinical(user):
        return "Only a clinician or governance lead may log cases, outcomes and adverse events."
    return None


def log_refusal(user, introduction) -> str | None:
    return membership_refusal(user, introduction) or log_role_refusal(user)


def cases_conflict(introduction) -> str | None:
    """Why no case may be logged under the introduction in its present state, or None."""
    if introduction.status in workflow.CASES_ALLOWED:
        return None
    return (
        "Cases can be logged only under an approved or adopted introduction; this one is "
        f"{introduction.get_status_display().lower()}."
    )


def log_now_refusal(user, introduction) -> str | None:
    return log_refusal(user, introduction) or (introduction and cases_conflict(introduction))


def add_operator_refusal(user, introduction) -> str | None:
    why = membership_refusal(user, introduction)
    if why:
        return why
    if not roles.is_lead(user):
        return "Only a governance lead may approve the operators of an introduction."
    return None


def see_nhs_number_refusal(user, introduction) -> str | None:
    """The NHS number is shown to the clinical team only; others see it masked."""
    return log_refusal(user, introduction)


add_perm("governance.log_case", log_refusal)
add_perm("governance.log_case_now", log_now_refusal)
add_perm("governance.add_operator", add_operator_refusal)
add_perm("governance.see_nhs_number", see_nhs_number_refusal)
