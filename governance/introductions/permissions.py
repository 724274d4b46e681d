"""Who may do what with an introduction: one refusal function per permission (its words are
what the page, the API and the admin say), each registered as a `rules` permission
(governance/permissions.py, `add_perm`).

  governance.create_introduction          a clinician or governance lead
  governance.read_introduction (obj)      a member of its organisation with any role
  governance.edit_introduction (obj)      the applicant, with a clinical role, while editable
                                          (`edit_refusal` who, `edit_conflict` when)
  governance.meet_condition (obj)         a governance lead who is not the applicant, while live
  governance.complete_review (obj)        the same

Workflow actions: `party_refusal` for the party of each rule in workflow.TRANSITIONS, and
  governance.act_on_introduction (obj)    a party of some action: the applicant (clinical
                                          role) or a governance lead who is not the applicant
"""

from __future__ import annotations

from enum import StrEnum

import rules

from governance import roles
from governance.permissions import add_perm, membership_refusal, role_refusal


class Party(StrEnum):
    """Who may take an action. Both must belong to the introduction's organisation."""

    APPLICANT = "applicant"  # the applicant, holding a clinical role (clinician or lead)
    REVIEWER = "reviewer"  # a governance lead who is not the applicant (separation of duties)


def is_applicant(user, introduction) -> bool:
    return introduction is not None and introduction.applicant_id == user.pk


def party_refusal(party: Party, introduction, user, verb: str) -> str | None:
    """Why `user` cannot act as `party` on the introduction (`verb`: "approve", "complete a
    review of", ...), or None."""
    why = membership_refusal(user, introduction)
    if why:
        return why
    if party is Party.APPLICANT:
        if not is_applicant(user, introduction):
            return f"Only the applicant may {verb} this introduction."
        if not roles.is_clinical(user):
            return f"Only a clinician or governance lead may {verb} an introduction."
        return None
    if not roles.is_lead(user):
        return f"Only a governance lead may {verb} an introduction."
    if is_applicant(user, introduction):
        return f"You cannot {verb} your own application: another governance lead must."
    return None


ACT_ON = "take a workflow action on"


def act_refusal(user, introduction) -> str | None:
    """Why `user` is the party of no workflow action at all on the introduction, whatever its
    state, or None. The API asks before reading which action the body names; which party one
    action needs is workflow.refusal's to say."""
    refusals = [party_refusal(party, introduction, user, ACT_ON) for party in Party]
    if None in refusals:
        return None
    if len(set(refusals)) == 1:  # not a member: every party says so
        return refusals[0]
    return (
        f"Only the applicant, or a governance lead who is not the applicant, may {ACT_ON} "
        "this introduction."
    )


def create_refusal(user, obj=None) -> str | None:
    if roles.is_clinical(user):
        return None
    return "Only a clinician or governance lead may apply to introduce a procedure."


DRAFT_PRIVATE = "This application is a draft: only its applicant can see it until it is submitted."


def read_refusal(user, introduction) -> str | None:
    """A member with a role reads the organisation's introductions; a draft is its applicant's
    own until they submit it (Introduction.objects.visible_to says the same to queries)."""
    why = membership_refusal(user, introduction) or role_refusal(user)
    if why:
        return why
    if introduction.status == "draft" and not is_applicant(user, introduction):
        return DRAFT_PRIVATE
    return None


def edit_refusal(user, introduction) -> str | None:
    """Who may change the application (the state is workflow.edit_conflict's to say)."""
    return party_refusal(Party.APPLICANT, introduction, user, "change")


def edit_conflict(introduction) -> str | None:
    """Why the application cannot be changed in its present state (a 409), or None."""
    if introduction.is_editable:
        return None
    return (
        "An application can be changed only while it is a draft or when changes are "
        f"requested; this one is {introduction.get_status_display().lower()}."
    )


def edit_now_refusal(user, introduction) -> str | None:
    """Whether the "Change" links show: the applicant, and the application editable now."""
    return edit_refusal(user, introduction) or edit_conflict(introduction)


def meet_condition_refusal(user, introduction) -> str | None:
    return party_refusal(Party.REVIEWER, introduction, user, "record a condition as met on")


def complete_review_refusal(user, introduction) -> str | None:
    return party_refusal(Party.REVIEWER, introduction, user, "complete a review of")


add_perm("governance.create_introduction", create_refusal)
add_perm("governance.read_introduction", read_refusal)
add_perm("governance.edit_introduction", edit_now_refusal)
add_perm("governance.act_on_introduction", act_refusal)
add_perm("governance.meet_condition", meet_condition_refusal)
add_perm("governance.complete_review", complete_review_refusal)

# The administration pages show introductions and what hangs off them read-only.
for _model in ("introduction", "condition", "review", "transition"):
    rules.set_perm(f"governance.view_{_model}", roles.is_admin)
