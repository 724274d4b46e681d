"""What every governance admin page shares: history that is read-only, and records written
only by services shown read-only and limited to the viewer's organisations."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

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

    # The lookup from a row to its organisation's id.
    organisation_field = "introduction__organisation_id"

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
        field = self.organisation_field
        return queryset.filter(**{f"{field}__in": organisation_ids(request.user)})


class ReadOnlyHistoryAdmin(ReadOnlyScopedMixin, HistoryAdmin):
    pass
