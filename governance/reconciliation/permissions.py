"""Who may reconcile coded episodes and read the findings (SPEC.md sections 2 and 5): refusal
functions registered as `rules` permissions (governance/permissions.py).

  governance.read_reconciliation (reconciliation, finding or None)
                                       a governance lead or administrator (of its organisation)
  governance.reconcile (organisation)  a governance lead of the organisation uploads an extract
  governance.explain_finding (finding) a governance lead of its organisation
  governance.see_finding_nhs_number (reconciliation or finding)
                                       the clinical team (its leads); administrators see the
                                       NHS number masked, as on cases

A reconciliation belongs to an organisation, not to an introduction: its findings include
episodes that no introduction covers.
"""

from __future__ import annotations

import rules

from governance import roles
from governance.permissions import add_perm, is_member_of

NOT_A_MEMBER = "You are not a member of the organisation this reconciliation belongs to."


def organisation_id_of(obj) -> int | None:
    """The organisation of an organisation, a reconciliation or a finding."""
    if obj is None:
        return None
    if hasattr(obj, "reconciliation_id"):  # a finding (select_related its reconciliation)
        obj = obj.reconciliation
    if hasattr(obj, "organisation_id"):  # a reconciliation
        return obj.organisation_id
    return obj.pk  # an organisation


def _membership_refusal(user, obj) -> str | None:
    if obj is not None and not is_member_of(user, organisation_id_of(obj)):
        return NOT_A_MEMBER
    return None


def read_refusal(user, obj=None) -> str | None:
    if not (roles.is_lead(user) or roles.is_admin(user)):
        return (
            "Only governance leads and administrators may read the reconciliations of coded "
            "episodes."
        )
    return _membership_refusal(user, obj)


def _lead_role_refusal(user, doing: str) -> str | None:
    if not roles.is_lead(user):
        return f"Only a governance lead may {doing}."
    return None


def _lead_refusal(user, obj, doing: str) -> str | None:
    why = _lead_role_refusal(user, doing)
    if why:
        return why
    if obj is None:
        return NOT_A_MEMBER
    return _membership_refusal(user, obj)


RECONCILE = "reconcile an extract of coded episodes"


def reconcile_refusal(user, organisation) -> str | None:
    return _lead_refusal(user, organisation, RECONCILE)


def reconcile_role_refusal(user, obj=None) -> str | None:
    """Why `user` may reconcile for no organisation at all: not a governance lead. The API asks
    it before reading the upload, which may name the organisation."""
    return _lead_role_refusal(user, RECONCILE)


def explain_refusal(user, finding) -> str | None:
    return _lead_refusal(user, finding, "explain a finding of a reconciliation")


def see_nhs_number_refusal(user, obj) -> str | None:
    """The NHS number is shown to the clinical team only (cases/permissions.py)."""
    if not roles.is_clinical(user):
        return "The NHS number is shown to the clinical team only."
    return _membership_refusal(user, obj) if obj is not None else NOT_A_MEMBER


add_perm("governance.read_reconciliation", read_refusal)
add_perm("governance.reconcile", reconcile_refusal)
add_perm("governance.explain_finding", explain_refusal)
add_perm("governance.see_finding_nhs_number", see_nhs_number_refusal)

# The administration site shows the runs and findings read-only to administrators
# (governance/admin_base.py): model permissions, for the admin only.
for _model in ("reconciliation", "finding"):
    rules.set_perm(f"governance.view_{_model}", roles.is_admin)
