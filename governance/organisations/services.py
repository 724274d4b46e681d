"""Use cases of organisations, memberships, roles, guidance and devices: the only code that
writes them. Keyword-only, atomic, returning the instance; a domain error (governance.errors)
when the actor may not, Django's ValidationError naming the field for bad input; each write
records who and why in the history.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

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
from governance.organisations.permissions import record_recommendation_refusal
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
    """Give `user` access to the organisation's data (idempotent)."""
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


@transaction.atomic
def organisation_remove_member(*, membership: Membership, actor=None, reason: str = "") -> None:
    """Take away `membership.user`'s access to the organisation's data."""
    audited(membership, actor, reason or "Removed from the organisation")
    membership.delete()
    forget_organisations(membership.user)


@transaction.atomic
def role_grant(*, user, role: str, actor=None, reason: str = "") -> RoleGrant | None:
    """Give `user` the role (a Django group, governance/roles.py) and record who, when and why.
    Idempotent: a user who already has the role gets no second record (None)."""
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
    """Take the role from `user`, on record. Idempotent: None when they did not have it."""
    group = Group.objects.filter(name=role).first()
    if group is None or not user.groups.filter(pk=group.pk).exists():
        return None
    user.groups.remove(group)
    roles.forget_roles(user)
    return RoleGrant.objects.create(
        user=user, role=role, granted=False, by=actor, reason=reason or "Role taken away"
    )
