"""Who manages the reference data: administrators, in the administration pages.

The Django admin asks for model permissions without an object; administrators hold these as
`rules` permissions (not Django's model permissions): they manage organisations and their
members, guidance and devices; nobody deletes through the admin except a membership.

  governance.record_recommendation   an administrator records NICE's recommendation
"""

from __future__ import annotations

import rules

from governance import roles
from governance.permissions import add_perm


def record_recommendation_refusal(user, obj=None) -> str | None:
    if not roles.is_admin(user):
        return "Only an administrator may record the NICE recommendation."
    return None


add_perm("governance.record_recommendation", record_recommendation_refusal)

for _model in ("organisation", "membership", "guidance", "device"):
    for _verb in ("view", "add", "change"):
        rules.set_perm(f"governance.{_verb}_{_model}", roles.is_admin)
rules.set_perm("governance.delete_membership", roles.is_admin)
rules.set_perm("governance.view_rolegrant", roles.is_admin)
