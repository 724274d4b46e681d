"""Who may see and do what, per object: organisation scoping and `rules` predicates.

Roles (governance/roles.py) apply only within the organisations a user belongs to: an
introduction, and everything hanging off it, is visible only to members of its organisation
who hold a role. Workflow actions are decided by governance/workflow.py (`refusal`), which uses
`is_member_of` from here.

Permissions registered with `rules` (checked with `user.has_perm(name, obj)`):
  governance.create_introduction        a clinician or governance lead
  governance.read_introduction (obj)    a member with any role
  governance.edit_introduction (obj)    the applicant, with a clinical role, while editable
  governance.read_history (obj or None) a governance lead or administrator (member, for obj)
"""

from __future__ import annotations

import rules
from django.core.exceptions import ValidationError

from governance import roles


def organisation_ids(user) -> frozenset[int]:
    """Ids of the organisations the user belongs to; read once and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_organisation_ids", None)
    if cached is None:
        from governance.models import Membership

        cached = frozenset(
            Membership.objects.filter(user_id=user.pk).values_list("organisation_id", flat=True)
        )
        user._organisation_ids = cached
    return cached


def forget_organisations(user) -> None:
    """Drop the cached organisation ids, after the user's memberships change."""
    user.__dict__.pop("_organisation_ids", None)


def is_member_of(user, organisation_id: int | None) -> bool:
    return organisation_id is not None and organisation_id in organisation_ids(user)


def organisation_of(user, ods_code: str | None = None):
    """The organisation a new introduction by `user` belongs to.

    With an ODS code: that organisation, which the user must belong to. Without: the user's
    only organisation. Errors name the `organisation` field, so the API answers 400.
    """
    from governance.models import Organisation

    mine = Organisation.objects.filter(pk__in=organisation_ids(user))
    if ods_code is not None and str(ods_code).strip():
        code = str(ods_code).strip().upper()
        try:
            return mine.get(ods_code=code)
        except Organisation.DoesNotExist:
            raise ValidationError(
                {"organisation": [f"You do not belong to an organisation with ODS code {code}."]}
            ) from None
    found = list(mine[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValidationError({"organisation": ["You do not belong to any organisation."]})
    raise ValidationError(
        {"organisation": ["You belong to several organisations: give the ODS code of one."]}
    )


def _organisation_id_of(obj) -> int | None:
    """The organisation of an introduction or of anything with an `introduction`."""
    if hasattr(obj, "organisation_id"):
        return obj.organisation_id
    introduction = getattr(obj, "introduction", None)
    return getattr(introduction, "organisation_id", None)


@rules.predicate
def is_member(user, obj) -> bool:
    return obj is not None and is_member_of(user, _organisation_id_of(obj))


@rules.predicate
def is_applicant(user, introduction) -> bool:
    return introduction is not None and introduction.applicant_id == user.pk


@rules.predicate
def is_editable(user, introduction) -> bool:
    return introduction is not None and introduction.is_editable


has_any_role = roles.is_clinician | roles.is_lead | roles.is_admin
can_create_introduction = roles.is_clinical
can_read_introduction = is_member & has_any_role
can_edit_introduction = is_member & is_applicant & roles.is_clinical & is_editable


@rules.predicate
def can_read_history(user, obj=None) -> bool:
    # Without an object: the role alone (the audit page); with one: also a member.
    if not (roles.is_lead(user) or roles.is_admin(user)):
        return False
    return obj is None or is_member(user, obj)


rules.add_perm("governance.create_introduction", can_create_introduction)
rules.add_perm("governance.read_introduction", can_read_introduction)
rules.add_perm("governance.edit_introduction", can_edit_introduction)
rules.add_perm("governance.read_history", can_read_history)

# The Django admin asks for model permissions without an object. Administrators manage the
# reference data there (organisations and their members, guidance, devices) and read the rest;
# nobody deletes through it except a membership.
for _model in ("organisation", "membership", "guidance", "device"):
    for _verb in ("view", "add", "change"):
        rules.add_perm(f"governance.{_verb}_{_model}", roles.is_admin)
rules.add_perm("governance.delete_membership", roles.is_admin)
for _model in ("introduction", "condition", "review", "transition"):
    rules.add_perm(f"governance.view_{_model}", roles.is_admin)
