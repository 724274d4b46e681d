"""Use cases of organisations, memberships, roles, guidance and devices: the only code that
writes them. Keyword-only, atomic, returning the instance; a domain error (governance.errors)
when the actor may not, Django's ValidationError naming the field for bad input; each write
records who and why in the history.

People, roles and memberships ask the actor's permission here, not only in the pages
(`_require_of`): an administrator manages only the people and organisations of their own
organisations, whoever calls. The system (no actor: commands, the demo, signals) and
superusers (the Django admin, theirs alone) are not asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef

from coding import engine
from coding import services as coding
from coding.errors import CodingError
from coding.models import RuleSet
from governance import roles
from governance.audited import audited
from governance.organisations.models import (
    Device,
    Guidance,
    Membership,
    Organisation,
    RoleGrant,
    normalise_reference,
)
from governance.organisations.permissions import (
    change_roles_refusal,
    manage_membership_refusal,
    manage_user_refusal,
    record_recommendation_refusal,
)
from governance.permissions import forget_organisations, organisation_ids, require


def organisation_for_application(user, ods_code: Organisation | str | None = None) -> Organisation:
    """The organisation a new introduction by `user` belongs to: the one with `ods_code` (or
    that organisation), which the user must belong to, or without one the user's only
    organisation. The page, the API and the demo all ask here. Errors name the `organisation`
    field (400)."""
    mine = Organisation.objects.filter(pk__in=organisation_ids(user))
    if isinstance(ods_code, Organisation):
        ods_code = ods_code.ods_code
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


def _require_of(refusal, actor, obj=None) -> None:
    """NotPermitted with `refusal`'s words when `actor` may not; the system (None) and
    superusers are trusted (see the module's docstring)."""
    if actor is not None and not actor.is_superuser:
        require(refusal, actor, obj)


def _normalised(value: str | None) -> str:
    return (value or "").strip()


@transaction.atomic
def organisation_create(*, name: str, ods_code: str, actor=None, reason: str = "") -> Organisation:
    organisation = Organisation(name=_normalised(name), ods_code=_normalised(ods_code).upper())
    organisation.full_clean()
    audited(organisation, actor, reason or "Organisation added")
    organisation.save()
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, name: str, ods_code: str, actor=None, reason: str = ""
) -> Organisation:
    """Rename the organisation or correct its ODS code. Nothing is written when nothing
    changes."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    return _update(
        organisation,
        {"name": _normalised(name), "ods_code": _normalised(ods_code).upper()},
        actor,
        reason or "Organisation changed",
    )


def _update(instance, values: dict, actor, reason: str):
    """Set `values` on a locked `instance` and save it, on record, unless none differs."""
    if all(getattr(instance, field) == value for field, value in values.items()):
        return instance
    for field, value in values.items():
        setattr(instance, field, value)
    instance.full_clean()
    audited(instance, actor, reason)
    instance.save()
    return instance


@transaction.atomic
def organisation_add_member(
    *, organisation: Organisation, user, actor=None, reason: str = ""
) -> Membership:
    """Give `user` access to the organisation's data (idempotent). An administrator adds only
    people they manage, and only to an organisation of theirs."""
    _require_of(manage_user_refusal, actor, user)
    _require_of(manage_membership_refusal, actor, organisation)
    return _add_member(organisation, user, actor, reason)


def _add_member(organisation: Organisation, user, actor, reason: str) -> Membership:
    membership = Membership.objects.filter(organisation=organisation, user=user).first()
    if membership is None:
        membership = Membership(organisation=organisation, user=user)
        audited(membership, actor, reason or "Added to the organisation")
        membership.save()
        forget_organisations(user)
    return membership


@transaction.atomic
def guidance_upsert(
    *,
    reference: str,
    title: str,
    supersedes: str = "",
    url: str = "",
    ruleset=None,
    actor=None,
    reason: str = "",
) -> Guidance:
    """Create or update a guidance by reference (coding's `import_guidance` calls it).

    On update, an empty `supersedes` or `url`, or `ruleset=None`, leaves the stored value as
    it is, and the NICE recommendation is never changed here
    (see guidance_set_recommendation). Nothing is written when nothing changes.
    """
    reference = normalise_reference(reference, "reference")
    supersedes = normalise_reference(supersedes, "supersedes") if supersedes else ""
    guidance = Guidance.objects.select_for_update().filter(reference=reference).first()
    creating = guidance is None
    if creating:
        guidance = Guidance(reference=reference)
    before = {f: getattr(guidance, f) for f in ("title", "supersedes", "url", "ruleset_id")}
    guidance.title = (title or "").strip() or guidance.title
    if supersedes:
        guidance.supersedes = supersedes
    if url:
        guidance.url = url.strip()
    if ruleset is not None:
        guidance.ruleset = ruleset
    after = {f: getattr(guidance, f) for f in before}
    if not creating and before == after:
        return guidance
    guidance.full_clean()
    audited(guidance, actor, reason or ("Guidance imported" if creating else "Guidance updated"))
    guidance.save()
    return guidance


@transaction.atomic
def guidance_update(
    *,
    guidance: Guidance,
    title: str,
    supersedes: str = "",
    url: str = "",
    ruleset=None,
    actor=None,
    reason: str = "",
) -> Guidance:
    """Set a guidance's details to exactly these (the administration pages): unlike
    guidance_upsert, an empty value clears the stored one. The reference and the NICE
    recommendation (guidance_set_recommendation) are not changed here. Nothing is written
    when nothing changes."""
    supersedes = normalise_reference(supersedes, "supersedes") if supersedes else ""
    guidance = Guidance.objects.select_for_update().get(pk=guidance.pk)
    values = {
        "title": _normalised(title),
        "supersedes": supersedes,
        "url": _normalised(url),
        "ruleset_id": ruleset.pk if ruleset is not None else None,
    }
    return _update(guidance, values, actor, reason or "Guidance updated")


@transaction.atomic
def guidance_set_recommendation(
    *, guidance: Guidance, recommendation: str | None, actor, reason: str = ""
) -> Guidance:
    """Record NICE's recommendation (an administrator's job; None clears it)."""
    require(record_recommendation_refusal, actor)
    valid = {choice.value for choice in Guidance.Recommendation}
    if recommendation is not None and recommendation not in valid:
        raise ValidationError(
            {"recommendation": [f"Use one of {', '.join(sorted(valid))}, or leave it empty."]}
        )
    guidance = Guidance.objects.select_for_update().get(pk=guidance.pk)
    if guidance.recommendation != recommendation:
        guidance.recommendation = recommendation
        audited(guidance, actor, reason or "NICE recommendation recorded")
        guidance.save()
    return guidance


@transaction.atomic
def device_create(
    *,
    name: str,
    manufacturer: str = "",
    model: str = "",
    catalogue_number: str = "",
    actor=None,
    reason: str = "",
) -> Device:
    device = Device(
        name=(name or "").strip(),
        manufacturer=(manufacturer or "").strip(),
        model=(model or "").strip(),
        catalogue_number=(catalogue_number or "").strip(),
    )
    device.full_clean()
    audited(device, actor, reason or "Device added")
    device.save()
    return device


@transaction.atomic
def device_update(
    *,
    device: Device,
    name: str,
    manufacturer: str = "",
    model: str = "",
    catalogue_number: str = "",
    actor=None,
    reason: str = "",
) -> Device:
    """Correct a device's details. Nothing is written when nothing changes."""
    device = Device.objects.select_for_update().get(pk=device.pk)
    values = {
        "name": _normalised(name),
        "manufacturer": _normalised(manufacturer),
        "model": _normalised(model),
        "catalogue_number": _normalised(catalogue_number),
    }
    return _update(device, values, actor, reason or "Device changed")


def last_administrator_of(user, organisation_ids) -> Organisation | None:
    """The first of these organisations whose only administrator is `user`, if any: taking
    their role or their membership away would leave it with nobody to manage its people."""
    if not roles.is_admin(user):
        return None
    others = Membership.objects.filter(
        organisation_id=OuterRef("pk"), user__groups__name=roles.ADMIN
    ).exclude(user=user)
    return (
        Organisation.objects.filter(pk__in=organisation_ids, members=user)
        .exclude(Exists(others))
        .order_by("name")
        .first()
    )


def last_administrator_message(user, organisation: Organisation) -> str:
    name = user.get_full_name() or user.username
    return (
        f"{name} is the only administrator of {organisation.name}: give another of its members "
        "the Administrator role first."
    )


@transaction.atomic
def organisation_remove_member(*, membership: Membership, actor=None, reason: str = "") -> None:
    """Take away `membership.user`'s access to the organisation's data; never the last
    administrator's (ValidationError on `organisation`). An administrator removes members only
    from an organisation of theirs."""
    _require_of(manage_membership_refusal, actor, membership.organisation)
    if last := last_administrator_of(membership.user, [membership.organisation_id]):
        raise ValidationError({"organisation": [last_administrator_message(membership.user, last)]})
    audited(membership, actor, reason or "Removed from the organisation")
    membership.delete()
    forget_organisations(membership.user)


@transaction.atomic
def role_grant(*, user, role: str, actor=None, reason: str = "") -> RoleGrant | None:
    """Give `user` the role (a Django group, governance/roles.py) and record who, when and why.
    Idempotent: a user who already has the role gets no second record (None). An administrator
    gives roles only to people all of whose organisations are theirs (a role applies in all)."""
    _require_of(change_roles_refusal, actor, user)
    return _grant(user, role, actor, reason)


def _grant(user, role: str, actor, reason: str) -> RoleGrant | None:
    if role not in roles.ORDER:
        allowed = ", ".join(repr(r) for r in roles.ORDER)
        raise ValidationError({"role": [f"Unknown role {role!r}: use one of {allowed}."]})
    group = Group.objects.get(name=role)
    if user.groups.filter(pk=group.pk).exists():
        return None
    user.groups.add(group)
    roles.forget_roles(user)
    return RoleGrant.objects.create(
        user=user, role=role, granted=True, by=actor, reason=reason or "Role given"
    )


@transaction.atomic
def role_revoke(*, user, role: str, actor=None, reason: str = "") -> RoleGrant | None:
    """Take the role from `user`, on record. Idempotent: None when they did not have it. The
    last administrator of an organisation keeps the role (ValidationError on `role`). Asks the
    actor's permission as role_grant does."""
    _require_of(change_roles_refusal, actor, user)
    group = Group.objects.filter(name=role).first()
    if group is None or not user.groups.filter(pk=group.pk).exists():
        return None
    if role == roles.ADMIN and (
        last := last_administrator_of(user, user.memberships.values("organisation_id"))
    ):
        raise ValidationError({"role": [last_administrator_message(user, last)]})
    user.groups.remove(group)
    roles.forget_roles(user)
    return RoleGrant.objects.create(
        user=user, role=role, granted=False, by=actor, reason=reason or "Role taken away"
    )


# --- people ----------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    organisation: Organisation,
    role: str,
    actor=None,
    reason: str = "",
):
    """A new account, able to sign in with `password` (checked by the password validators),
    a member of `organisation` with `role`, both on record with `reason`. Never staff or
    superuser: those are given only by a superuser in the Django admin. An administrator makes
    accounts only in an organisation of theirs."""
    _require_of(manage_membership_refusal, actor, organisation)
    User = get_user_model()
    user = User(
        username=(username or "").strip(),
        first_name=_normalised(first_name),
        last_name=_normalised(last_name),
        email=_normalised(email).lower(),
        is_staff=False,
        is_superuser=False,
    )
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if user.username and User.objects.filter(username__iexact=user.username).exists():
        errors["username"] = [f"There is already a user named {user.username}."]
    if role not in roles.ORDER:
        errors["role"] = [f"Unknown role {role!r}: use one of {', '.join(roles.ORDER)}."]
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    reason = reason or "New user"
    # Asked above: the new account is in the actor's organisation, and only there.
    _add_member(organisation, user, actor, reason)
    _grant(user, role, actor, reason)
    return user


# --- importing a NICE guidance page ----------------------------------------------------------


@dataclass(frozen=True)
class GuidanceImport:
    """What importing a guidance page did, in words for the command line and the page."""

    guidance: Guidance
    ruleset: RuleSet
    ruleset_change: str  # "created at version 1", "changed: now version 2", "unchanged at ..."
    rules: str  # the derived rules in words
    codes_added: int


def guidance_page_read(data: bytes, source: str) -> engine.GuidancePage:
    """The guidance page in `data` (UTF-8, or Windows-1252 as a browser on Windows saves it);
    ValidationError on `file` naming `source` when it is no guidance page."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    try:
        return engine.parse_guidance(text)
    except engine.GuidanceFormatError as error:
        raise ValidationError({"file": [f"{source}: {error}."]}) from error


def guidance_import(
    *,
    page: engine.GuidancePage,
    reference: str,
    source: str,
    title: str = "",
    url: str = "",
    actor=None,
) -> GuidanceImport:
    """Create or update the guidance `reference` from its NICE page (`import_guidance` and
    the administration pages both call this): its title and the guidance it replaces, the
    codes the page cites into the catalogue, and the rule set derived from its coding
    recommendations (a new version when it changed). `source` names the file in the reason
    and in errors. ValidationError on `reference`, `title` (the page gives none and none was
    given) or `file` (no rule set can be derived); nothing is written then."""
    reference = normalise_reference(reference, "reference")
    title = _normalised(title) or (page.title or "")
    if not title:
        raise ValidationError(
            {"title": [f'{source}: the page gives no title ("... full guidance ... on <title>.").']}
        )
    current = coding.catalogue_current()
    # The codes the page titles count as catalogue entries for deriving its maps.
    catalogue = engine.Catalogue(
        {**dict(page.code_titles), **dict(current.titles)}, full=current.full
    )
    try:
        derived = engine.derive_ruleset(page, name=reference, catalogue=catalogue)
    except (engine.GuidanceFormatError, engine.RuleSetError) as error:
        raise ValidationError({"file": [f"{source}: {error}."]}) from error

    reason = f"Imported from the {reference} guidance page ({PurePath(source).name})"
    try:
        with transaction.atomic():
            added = coding.catalogue_add_cited(
                rows=page.catalogue_rows(reference), actor=actor, reason=reason
            )
            before = RuleSet.objects.filter(name__iexact=reference).first()
            ruleset, created = coding.ruleset_upsert(
                name=reference,
                definition=_merged(derived, before.definition if before else None),
                actor=actor,
                reason=reason,
            )
            guidance = guidance_upsert(
                reference=reference,
                title=title,
                supersedes=page.supersedes or "",
                url=url,
                ruleset=ruleset,
                actor=actor,
                reason=reason,
            )
    except CodingError as error:
        raise ValidationError({"file": [error.message]}) from error
    if created:
        change = "created at version 1"
    elif before is not None and before.version != ruleset.version:
        change = f"changed: now version {ruleset.version}"
    else:
        change = f"unchanged at version {ruleset.version}"
    return GuidanceImport(guidance, ruleset, change, _describe(derived), added)


def _merged(derived: engine.RuleSet, stored: dict[str, Any] | None) -> dict[str, Any]:
    """The derived rule set, keeping what administrators own and the page does not say: the
    spinal operation categories, the excluded site categories, and map entries the page and
    catalogue do not name."""
    definition = derived.to_dict()
    if not stored:
        return definition
    for key in ("spinal_categories", "site_excluded_categories"):
        if key in stored:
            definition[key] = stored[key]
    for key in ("levels_map", "approach_map"):
        definition[key] = {**stored.get(key, {}), **definition[key]}
    return definition


def _describe(ruleset: engine.RuleSet) -> str:
    parts = [f"procedure codes {', '.join(ruleset.procedure_codes)}"]
    if ruleset.levels_map:
        parts.append(
            "levels " + ", ".join(f"{n}: {code}" for n, code in ruleset.levels_map.items())
        )
    if ruleset.approach_map:
        parts.append(
            "image control "
            + ", ".join(f"{method}: {code}" for method, code in ruleset.approach_map.items())
        )
    parts.append(f"site codes from Chapter {ruleset.site_chapter}" if ruleset.site_chapter
                 else "no site code asked for")  # fmt: skip
    return "; ".join(parts)
