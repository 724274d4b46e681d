"""Administrators manage organisations (and their members), guidance, devices and users' roles
here. Every save goes through organisations/services.py with the reason the administrator
gives, so the history and the role-grant record say who, when and why."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest

from governance import roles
from governance.admin_base import ReasonForm, ServiceAdmin
from governance.organisations import services
from governance.organisations.models import (
    Device,
    Guidance,
    Membership,
    Organisation,
    normalise_reference,
)
from governance.organisations.permissions import record_recommendation_refusal


class MembershipFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            membership = form.instance
            if membership.pk and (
                last := services.last_administrator_of(
                    membership.user, [membership.organisation_id]
                )
            ):
                raise ValidationError(services.last_administrator_message(membership.user, last))


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 1
    autocomplete_fields = ["user"]
    readonly_fields = ["joined_at"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a membership is added or removed, on record; never edited


class OrganisationForm(ReasonForm):
    class Meta:
        model = Organisation
        fields = ["name", "ods_code"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = (
            "Kept in the audit history of the organisation and of each member you add or "
            "remove, with your name and the time."
        )


@admin.register(Organisation)
class OrganisationAdmin(ServiceAdmin):
    form = OrganisationForm
    list_display = ["name", "ods_code"]
    search_fields = ["name", "ods_code"]
    inlines = [MembershipInline]

    def save_through_services(self, request, form, obj, reason: str) -> Organisation:
        data = form.cleaned_data
        if obj is None:
            return services.organisation_create(
                name=data["name"], ods_code=data["ods_code"], actor=request.user, reason=reason
            )
        return services.organisation_update(
            organisation=obj,
            name=data["name"],
            ods_code=data["ods_code"],
            actor=request.user,
            reason=reason,
        )

    def save_formset(self, request, form, formset, change) -> None:
        reason = form.cleaned_data["reason"]
        # Only new rows come back: existing ones cannot be changed (MembershipInline).
        for membership in formset.save(commit=False):
            services.organisation_add_member(
                organisation=form.instance, user=membership.user, actor=request.user, reason=reason
            )
        for membership in formset.deleted_objects:
            services.organisation_remove_member(
                membership=membership, actor=request.user, reason=reason
            )


class GuidanceForm(ReasonForm):
    # No Meta: GuidanceAdmin names the fields, and its formfield_overrides apply to them.

    def clean(self) -> dict:
        data = super().clean()
        for name in ("reference", "supersedes"):
            if data.get(name):
                try:
                    data[name] = normalise_reference(data[name], name)
                except ValidationError as error:
                    self.add_error(None, error)
        if "recommendation" in self.changed_data:
            refusal = record_recommendation_refusal(self.actor)
            if refusal:
                self.add_error("recommendation", refusal)
        return data


@admin.register(Guidance)
class GuidanceAdmin(ServiceAdmin):
    form = GuidanceForm
    fields = ["reference", "title", "url", "recommendation", "supersedes", "ruleset", "reason"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["reference", "title", "recommendation", "supersedes", "ruleset"]
    list_filter = ["recommendation"]
    search_fields = ["reference", "title"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return ["reference"] if obj is not None else []  # import_guidance finds it by reference

    def save_through_services(self, request, form, obj, reason: str) -> Guidance:
        data = form.cleaned_data
        details = {
            "title": data["title"],
            "supersedes": data["supersedes"],
            "url": data["url"],
            "ruleset": data["ruleset"],
            "actor": request.user,
            "reason": reason,
        }
        if obj is None:
            guidance = services.guidance_upsert(reference=data["reference"], **details)
        else:
            guidance = services.guidance_update(guidance=obj, **details)
        if (data["recommendation"] or None) != guidance.recommendation:
            guidance = services.guidance_set_recommendation(
                guidance=guidance,
                recommendation=data["recommendation"] or None,
                actor=request.user,
                reason=reason,
            )
        return guidance


class DeviceForm(ReasonForm):
    class Meta:
        model = Device
        fields = ["name", "manufacturer", "model", "catalogue_number"]


@admin.register(Device)
class DeviceAdmin(ServiceAdmin):
    form = DeviceForm
    list_display = ["name", "manufacturer", "model", "catalogue_number"]
    search_fields = ["name", "manufacturer", "model", "catalogue_number"]

    def save_through_services(self, request, form, obj, reason: str) -> Device:
        data = form.cleaned_data
        details = {name: data[name] for name in DeviceForm.Meta.fields}
        if obj is None:
            return services.device_create(**details, actor=request.user, reason=reason)
        return services.device_update(device=obj, **details, actor=request.user, reason=reason)


# --- users and their roles -----------------------------------------------------------------
# Django's user admin, but a change of role (a role group in `groups`) goes through role_grant
# and role_revoke, on record, with the reason the administrator gives. Other groups and the
# account's own fields are saved as Django saves them.

User = get_user_model()


class UserChangeForm(auth_forms.UserChangeForm):
    reason = forms.CharField(
        label="Reason for the change of role",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when you give or take away a role: kept in the audit history with "
        "your name and the time.",
    )

    def clean(self) -> dict:
        data = super().clean()
        self.roles_given, self.roles_taken = self._role_changes(data)
        if (self.roles_given or self.roles_taken) and not data.get("reason", "").strip():
            self.add_error("reason", "Give the reason for the change of role.")
        if roles.ADMIN in self.roles_taken and self.instance.pk:
            theirs = self.instance.memberships.values("organisation_id")
            if last := services.last_administrator_of(self.instance, theirs):
                self.add_error("groups", services.last_administrator_message(self.instance, last))
        return data

    def _role_changes(self, data: dict) -> tuple[list[str], list[str]]:
        if "groups" not in data:
            return [], []
        held = set(self.instance.groups.filter(name__in=roles.ORDER).values_list("name", flat=True))
        wanted = {group.name for group in data["groups"]}
        given = [role for role in roles.ORDER if role in wanted and role not in held]
        taken = [role for role in roles.ORDER if role in held and role not in wanted]
        return given, taken


def _with_reason(fields: tuple[str, ...]) -> tuple[str, ...]:
    """The fields with the reason after the groups (the roles)."""
    shown: list[str] = []
    for field in fields:
        shown.append(field)
        if field == "groups":
            shown.append("reason")
    return tuple(shown)


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm
    fieldsets = [
        (title, {**options, "fields": _with_reason(options["fields"])})
        for title, options in auth_admin.UserAdmin.fieldsets
    ]

    def save_related(self, request, form, formsets, change) -> None:
        given, taken = getattr(form, "roles_given", []), getattr(form, "roles_taken", [])
        if "groups" in form.cleaned_data:
            # Django sets every group at once; keep the roles as they are for the services.
            held = list(form.instance.groups.filter(name__in=roles.ORDER))
            others = [group for group in form.cleaned_data["groups"] if group.name not in roles.ALL]
            form.cleaned_data["groups"] = [*others, *held]
        super().save_related(request, form, formsets, change)
        reason = form.cleaned_data.get("reason", "").strip()
        for role in given:
            services.role_grant(user=form.instance, role=role, actor=request.user, reason=reason)
        for role in taken:
            services.role_revoke(user=form.instance, role=role, actor=request.user, reason=reason)
