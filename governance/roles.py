"""The three roles (SPEC.md section 2) as Django groups, and `rules` predicates over them.

Group names are a contract: scripts grant them with `grant_role`, so they never change.
"""

from __future__ import annotations

import rules

CLINICIAN = "Clinician"
LEAD = "Governance lead"
ADMIN = "Administrator"
ALL = frozenset({CLINICIAN, LEAD, ADMIN})
ORDER = (CLINICIAN, LEAD, ADMIN)


def roles_of(user) -> list[str]:
    """The user's roles, in a fixed order, read once per request and kept on the user."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_role_names", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = [role for role in ORDER if role in names]
        user._role_names = cached
    return cached


@rules.predicate
def is_clinician(user) -> bool:
    return CLINICIAN in roles_of(user)


@rules.predicate
def is_lead(user) -> bool:
    return LEAD in roles_of(user)


@rules.predicate
def is_admin(user) -> bool:
    return ADMIN in roles_of(user)


is_clinical = is_clinician | is_lead


def forget_roles(user) -> None:
    """Drop the cached role names, after the user's roles change."""
    user.__dict__.pop("_role_names", None)
