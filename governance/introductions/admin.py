"""Introductions and what hangs off them, read-only: their changes go through
introductions/services.py (the workflow is the only writer of `status`)."""

from __future__ import annotations

from django.contrib import admin

from governance.admin_base import ReadOnlyHistoryAdmin, ReadOnlyScopedMixin
from governance.introductions.models import Condition, Introduction, Review, Transition


@admin.register(Introduction)
class IntroductionAdmin(ReadOnlyHistoryAdmin):
    organisation_field = "organisation_id"
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
