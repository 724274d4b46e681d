"""Administrators manage organisations (and their members), guidance and devices here."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from governance.admin_base import HistoryAdmin
from governance.organisations.models import Device, Guidance, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]
    readonly_fields = ["joined_at"]


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin):
    list_display = ["name", "ods_code"]
    search_fields = ["name", "ods_code"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change) -> None:
        for obj in formset.save(commit=False):
            obj._history_user = request.user
            obj._change_reason = "Membership changed in the administration site"
            obj.save()
        for obj in formset.deleted_objects:
            obj._history_user = request.user
            obj._change_reason = "Membership removed in the administration site"
            obj.delete()


@admin.register(Guidance)
class GuidanceAdmin(HistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["reference", "title", "recommendation", "supersedes", "ruleset"]
    list_filter = ["recommendation"]
    search_fields = ["reference", "title"]


@admin.register(Device)
class DeviceAdmin(HistoryAdmin):
    list_display = ["name", "manufacturer", "model", "catalogue_number"]
    search_fields = ["name", "manufacturer", "model", "catalogue_number"]
