"""Django admin for governance data.

Administrators manage organisations (and their members), guidance and devices here. Introductions
and what hangs off them are read-only: their changes go through governance/services.py (the
workflow is the only writer of `status`). History is shown, never reverted or edited.
Non-superusers see only their organisations' introductions.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from governance.models import (
    Condition,
    Device,
    Guidance,
    Introduction,
    Membership,
    Organisation,
    Review,
    Transition,
)
from governance.permissions import organisation_ids


class HistoryAdmin(SimpleHistoryAdmin):
    """History is read-only: no "Revert" button, and the history form refuses to save."""

    def revert_disabled(self, request: HttpRequest, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("History cannot be reverted or edited.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Administrators hold `rules` permissions (governance/permissions.py), not model ones.
        return self.has_view_permission(request)

    def save_model(self, request, obj, form, change) -> None:
        obj._history_user = request.user
        obj._change_reason = "Changed in the administration site"
        super().save_model(request, obj, form, change)


class ReadOnlyScopedMixin:
    """Records written only by services: shown, never added, changed or deleted here, and
    limited to the viewer's organisations unless they are a superuser."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Administrators hold `rules` permissions (governance/permissions.py), not model ones.
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        field = "organisation_id" if self.model is Introduction else "introduction__organisation_id"
        return queryset.filter(**{f"{field}__in": organisation_ids(request.user)})


class ReadOnlyHistoryAdmin(ReadOnlyScopedMixin, HistoryAdmin):
    pass


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


@admin.register(Introduction)
class IntroductionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["title", "guidance", "organisation", "applicant", "status", "updated_at"]
    list_filter = ["status", "organisation"]
    search_fields = ["title", "department", "guidance__reference"]
    list_select_related = ["guidance", "organisation", "applicant"]


@admin.register(Condition)
class ConditionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["text", "introduction", "status", "met_by", "met_at"]
    list_filter = ["status"]
    list_select_related = ["introduction", "met_by"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyHistoryAdmin):
    list_display = ["introduction", "kind", "due_on", "status", "outcome", "flagged_overdue_at"]
    list_filter = ["status", "kind", "outcome"]
    list_select_related = ["introduction"]


@admin.register(Transition)
class TransitionAdmin(ReadOnlyScopedMixin, admin.ModelAdmin):
    list_display = ["introduction", "action", "from_status", "to_status", "actor", "at"]
    list_filter = ["action"]
    list_select_related = ["introduction", "actor"]
