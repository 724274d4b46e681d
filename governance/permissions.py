"""Who may see and do what: organisation scoping, and permissions made from refusals.

Roles (governance/roles.py) apply only within the organisations a user belongs to: an
introduction, and everything hanging off it, is visible only to members of its organisation
who hold a role.

Each permission has one home: a *refusal* function, `refusal(user, obj) -> str | None`, that
says in words why the user may not (None when they may). The feature that owns the permission
registers it here with `add_perm`, which makes the `rules` predicate from the refusal; the
service calls `require` (NotPermitted with the same words, a 403); pages and templates ask
`may(user, name, obj)` (in templates `{% may name user obj as flag %}`) to draw a link, and
show the refusal's message when they refuse. One condition and one message, whoever asks.

Pages never ask `user.has_perm` for these: Django answers True to every permission of a
superuser before any rule is read, so a superuser would be shown links that the services then
refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules

from governance import roles
from governance.errors import NotPermitted

Refusal = Callable[[Any, Any], "str | None"]

NOT_A_MEMBER = "You are not a member of the organisation this introduction belongs to."
NO_ROLE = "You need a role to use this service: ask an administrator for one."


def organisation_ids(user) -> frozenset[int]:
    """Ids of the organisations the user belongs to; read once and kept on the user object
    (through the `memberships` relation, so this module imports no model)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_organisation_ids", None)
    if cached is None:
        cached = frozenset(user.memberships.values_list("organisation_id", flat=True))
        user._organisation_ids = cached
    return cached


def forget_organisations(user) -> None:
    """Drop the cached organisation ids, after the user's memberships change."""
    user.__dict__.pop("_organisation_ids", None)


def is_member_of(user, organisation_id: int | None) -> bool:
    return organisation_id is not None and organisation_id in organisation_ids(user)


def organisation_id_of(obj) -> int | None:
    """The organisation of an introduction, or of anything with an `introduction`."""
    if hasattr(obj, "organisation_id"):
        return obj.organisation_id
    introduction = getattr(obj, "introduction", None)
    return getattr(introduction, "organisation_id", None)


def membership_refusal(user, obj) -> str | None:
    """Why `user` may not touch `obj` (an introduction or what hangs off one): not a member."""
    if obj is None or not is_member_of(user, organisation_id_of(obj)):
        return NOT_A_MEMBER
    return None


@rules.predicate
def is_member(user, obj) -> bool:
    return membership_refusal(user, obj) is None


has_any_role = roles.is_clinician | roles.is_lead | roles.is_admin


def role_refusal(user, obj=None) -> str | None:
    """Why `user` may use nothing at all: no role."""
    return None if has_any_role(user) else NO_ROLE


# --- permissions made from refusals ----------------------------------------------------------

REFUSALS: dict[str, Refusal] = {}


def predicate(refusal: Refusal) -> rules.Predicate:
    """The `rules` predicate that holds exactly when `refusal` gives no reason."""

    def allowed(user, obj=None) -> bool:
        return refusal(user, obj) is None

    return rules.predicate(allowed, name=refusal.__name__.removesuffix("_refusal"))


def add_perm(name: str, refusal: Refusal) -> rules.Predicate:
    """Register the permission `name` (`user.has_perm(name, obj)`) from its refusal."""
    REFUSALS[name] = refusal
    allowed = predicate(refusal)
    rules.set_perm(name, allowed)
    return allowed


def refusal_of(name: str, user, obj=None) -> str | None:
    """Why `user` may not have the permission `name` on `obj`, or None."""
    return REFUSALS[name](user, obj)


def may(user, name: str, obj=None) -> bool:
    """Whether `user` has the permission `name` on `obj`: exactly when its service would let
    them (superusers included). A KeyError for a name no feature registered."""
    return REFUSALS[name](user, obj) is None


def require(permission: str | Refusal, user, obj=None) -> None:
    """NotPermitted (403) with the permission's own words when `user` may not. `permission` is
    a registered name or a refusal function."""
    refusal = REFUSALS[permission] if isinstance(permission, str) else permission
    why = refusal(user, obj)
    if why:
        raise NotPermitted(why)


add_perm("governance.use", role_refusal)
