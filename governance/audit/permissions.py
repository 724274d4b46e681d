"""Who may read the audit history (SPEC section 2): governance leads and administrators, of
their own organisations' records.

  governance.read_history (obj or None)   a lead or administrator (and a member, for obj)
"""

from __future__ import annotations

from governance import roles
from governance.permissions import add_perm, membership_refusal


def read_history_refusal(user, obj=None) -> str | None:
    if not (roles.is_lead(user) or roles.is_admin(user)):
        return "Only governance leads and administrators may read the audit history."
    return None if obj is None else membership_refusal(user, obj)


add_perm("governance.read_history", read_history_refusal)
