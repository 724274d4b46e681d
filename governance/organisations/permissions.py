"""Who manages the reference data and the people: administrators, in the administration pages
(organisations/views.py) and, for superusers, in the Django admin.

Each permission is a refusal (governance/permissions.py): the page asks `may` to draw a link
and `require` before it acts, with the same words.

  governance.administer            an administrator: the administration pages
  governance.manage_user           an administrator of an organisation the person belongs to
  governance.change_roles          ... of every organisation they belong to (a role is one
                                   Django group, so it applies in all of them)
  governance.manage_membership     an administrator who is a member of that organisation
  governance.manage_guidance       an administrator imports NICE guidance pages
  governance.record_recommendation an administrator records NICE's recommendation

The Django admin asks for model permissions without an object; administrators hold these as
`rules` permissions (not Django's model permissions). Only superusers reach the Django admin
(config/admin.py), so these matter there only for a superuser who is not an administrator.
"""

from __future__ import annotations

import rules

from governance import roles
from governance.organisations.models import Organisation
from governance.permissions import add_perm, organisation_ids

NOT_AN_ADMINISTRATOR = "Only an administrator manages users, roles, organisations and guidance."


def _name(person) -> str:
    return person.get_full_name() or person.username


def administer_refusal(user, obj=None) -> str | None:
    return None if roles.is_admin(user) else NOT_AN_ADMINISTRATOR


def manage_user_refusal(user, obj=None) -> str | None:
    """`obj`: the person managed, who must share an organisation with the administrator."""
    if not roles.is_admin(user):
        return NOT_AN_ADMINISTRATOR
    if obj is not None and not organisation_ids(obj) & organisation_ids(user):
        return f"{_name(obj)} is not a member of any of your organisations."
    return None


def change_roles_refusal(user, obj=None) -> str | None:
    """A role is a Django group: it applies in every organisation its holder belongs to, so
    only an administrator of all of them gives or takes it."""
    why = manage_user_refusal(user, obj)
    if why or obj is None:
        return why
    if elsewhere := organisation_ids(obj) - organisation_ids(user):
        names = ", ".join(
            Organisation.objects.filter(pk__in=elsewhere).values_list("name", flat=True)
        )
        return (
            f"{_name(obj)} also belongs to {names}, where you are not a member, and a role "
            "applies there too: an administrator of every organisation they belong to changes "
            "their roles."
        )
    return None


def manage_membership_refusal(user, obj=None) -> str | None:
    """`obj`: the organisation a member joins or leaves."""
    if not roles.is_admin(user):
        return NOT_AN_ADMINISTRATOR
    if obj is not None and obj.pk not in organisation_ids(user):
        return f"You are not a member of {obj.name}: only its administrators add or remove members."
    return None


def manage_guidance_refusal(user, obj=None) -> str | None:
    if not roles.is_admin(user):
        return "Only an administrator imports NICE guidance pages."
    return None


def record_recommendation_refusal(user, obj=None) -> str | None:
    if not roles.is_admin(user):
        return "Only an administrator may record the NICE recommendation."
    return None


add_perm("governance.administer", administer_refusal)
add_perm("governance.manage_user", manage_user_refusal)
add_perm("governance.change_roles", change_roles_refusal)
add_perm("governance.manage_membership", manage_membership_refusal)
add_perm("governance.manage_guidance", manage_guidance_refusal)
add_perm("governance.record_recommendation", record_recommendation_refusal)

for _model in ("organisation", "membership", "guidance", "device"):
    for _verb in ("view", "add", "change"):
        rules.set_perm(f"governance.{_verb}_{_model}", roles.is_admin)
rules.set_perm("governance.delete_membership", roles.is_admin)
rules.set_perm("governance.view_rolegrant", roles.is_admin)
