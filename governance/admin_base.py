"""What every governance admin page shares: history that is read-only; reference data saved
through its services with the administrator's own reason (`ServiceAdmin`); and records
written only by services shown read-only and limited to the viewer's organisations."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
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
        # Services are the only writers (STYLE.md, "Audit"): an editable page is a ServiceAdmin.
        raise ImproperlyConfigured(f"{type(self).__name__} must save through a service.")


class ReasonForm(forms.ModelForm):
    """The form of a record saved through services: the administrator says why."""

    reason = forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the audit history with your name and the time.",
    )
    # The administrator filling the form in (set by ServiceAdmin.get_form), for refusals.
    actor = None


class ServiceAdmin(HistoryAdmin):
    """Reference data that administrators add and change here, saved through the feature's
    services with the reason the administrator gives (`ReasonForm`'s required field), so that
    the history says who, when and why as it does for every other write."""

    form = ReasonForm

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)  # a new class each request
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change) -> None:
        saved = self.save_through_services(
            request, form, obj if change else None, form.cleaned_data["reason"]
        )
        # The admin logs the change and redirects with `obj`: make it the row saved.
        for field in saved._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding, obj._state.db = False, saved._state.db

    def save_through_services(
        self, request: HttpRequest, form: forms.ModelForm, obj, reason: str
    ) -> models.Model:
        """Create (`obj` None) or change `obj` from `form.cleaned_data` through the services,
        as `request.user` and for `reason`; return the row saved."""
        raise NotImplementedError


class ReadOnlyMixin:
    """Records written only by services (or by the app itself, as the outbox): shown, never
    added, changed or deleted here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Administrators hold `rules` permissions (governance/permissions.py), not model ones.
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyScopedMixin(ReadOnlyMixin):
    """Read-only, and limited to the viewer's organisations unless they are a superuser."""

    # The lookup from a row to its organisation's id.
    organisation_field = "introduction__organisation_id"

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        field = self.organisation_field
        return queryset.filter(**{f"{field}__in": organisation_ids(request.user)})


class ReadOnlyHistoryAdmin(ReadOnlyScopedMixin, HistoryAdmin):
    pass
