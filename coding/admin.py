"""Administrators manage the catalogue and rule sets here. Rule-set changes go through
coding.services.ruleset_update (a new version, who and why in its history, revalidation);
history is read only: nothing is reverted from the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from coding import engine, services
from coding.errors import RuleSetInvalid
from coding.models import CatalogueRelease, Code, CodingResult, RuleSet


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method != "GET":
            raise PermissionDenied("History is read only.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class CodeForm(forms.ModelForm):
    class Meta:
        model = Code
        fields = ["code", "title", "source"]

    def clean_code(self) -> str:
        code = engine.normalise(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                "Enter an OPCS-4 code (a chapter letter and three digits, such as V40.1) or a "
                "category (such as V55)"
            )
        return code


@admin.register(Code)
class CodeAdmin(ReadOnlyHistoryAdmin):
    form = CodeForm
    list_display = ["code", "title", "source"]
    search_fields = ["code", "title"]

    def save_model(self, request: HttpRequest, obj: Code, form: Any, change: bool) -> None:
        obj._change_reason = "Changed in the administration pages"
        super().save_model(request, obj, form, change)


class RuleSetForm(forms.ModelForm):
    reason = forms.CharField(
        max_length=services.REASON_MAX_LENGTH,
        help_text="Why the rules change: it is kept in the rule set's history.",
    )

    class Meta:
        model = RuleSet
        fields = ["definition"]

    def clean_definition(self) -> dict[str, Any]:
        definition = self.cleaned_data["definition"]
        if not isinstance(definition, dict):
            raise forms.ValidationError("The definition must be a JSON object.")
        try:
            return services.ruleset_definition(definition, name=self.instance.name)
        except RuleSetInvalid as error:
            raise forms.ValidationError(error.message) from error


@admin.register(RuleSet)
class RuleSetAdmin(ReadOnlyHistoryAdmin):
    form = RuleSetForm
    list_display = ["name", "version", "updated_at"]
    readonly_fields = ["name", "version", "updated_at"]
    fields = ["name", "version", "updated_at", "definition", "reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # rule sets come from guidance: manage.py import_guidance

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # stored codings and guidance refer to them

    def save_model(self, request: HttpRequest, obj: RuleSet, form: Any, change: bool) -> None:
        saved = services.ruleset_update(
            ruleset=obj,
            definition=form.cleaned_data["definition"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        obj.version, obj.definition = saved.version, saved.definition


@admin.register(CatalogueRelease)
class CatalogueReleaseAdmin(admin.ModelAdmin):
    list_display = ["name", "full", "code_count", "added", "changed", "loaded_at", "loaded_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # releases are loaded with manage.py load_opcs4

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CodingResult)
class CodingResultAdmin(ReadOnlyHistoryAdmin):
    """Stored codings, read only, with their history: each change of outcome and why."""

    list_display = ["pk", "ruleset", "ruleset_version", "valid", "validated_at"]
    list_filter = ["valid", "ruleset"]
    list_select_related = ["ruleset"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
