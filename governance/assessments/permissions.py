"""Who may fill in and sign off the assessments of an introduction (SPEC section 2): one refusal
function per permission, registered as `rules` permissions (governance/permissions.py).

  governance.fill_assessments (obj)                   the applicant (clinical role) or any lead
  governance.sign_off_<kind>_assessment (obj)         a lead who is not the applicant
  governance.sign_off_assessments (obj)               either kind (to draw the sign-off links)

Administrators never. Both only while the introduction is undecided (`open_conflict`, a 409).
"""

from __future__ import annotations

from governance import roles
from governance.assessments.models import OPEN_STATES, Kind
from governance.introductions.permissions import is_applicant
from governance.permissions import add_perm, membership_refusal


def open_conflict(introduction, doing: str = "changed") -> str | None:
    """Why the assessments cannot be `doing` ("filled in", "signed off") now: the introduction
    is decided, and they are the record of what the decision rested on."""
    if introduction.status in OPEN_STATES:
        return None
    return (
        f"The assessments can be {doing} only until the introduction is decided; "
        f"it is {introduction.get_status_display().lower()}."
    )


def fill_refusal(user, introduction) -> str | None:
    """Why `user` may not fill in the introduction's assessments (403), or None."""
    why = membership_refusal(user, introduction)
    if why:
        return why
    if roles.is_lead(user) or (is_applicant(user, introduction) and roles.is_clinical(user)):
        return None
    return "Only the applicant or a governance lead may fill in the assessments of an introduction."


def sign_off_refusal(user, introduction, label: str = "assessments") -> str | None:
    """Why `user` may not sign off the introduction's assessment (`label` names it), or None."""
    why = membership_refusal(user, introduction)
    if why:
        return why
    if not roles.is_lead(user):
        return f"Only a governance lead may sign off the {label}."
    if is_applicant(user, introduction):
        return (
            f"You cannot sign off the {label} of your own application: another governance "
            "lead must."
        )
    return None


def _sign_off_refusal_of(kind: Kind):
    def refusal(user, introduction) -> str | None:
        return sign_off_refusal(user, introduction, kind.label.lower())

    refusal.__name__ = f"sign_off_{kind.value}_refusal"
    return refusal


def _while_open(refusal):
    def now_refusal(user, introduction) -> str | None:
        return refusal(user, introduction) or (introduction and open_conflict(introduction))

    now_refusal.__name__ = refusal.__name__
    return now_refusal


add_perm("governance.fill_assessments", _while_open(fill_refusal))
add_perm("governance.sign_off_assessments", _while_open(sign_off_refusal))
for _kind in Kind:
    add_perm(f"governance.sign_off_{_kind.value}_assessment", _sign_off_refusal_of(_kind))
