"""Reconciliations and their findings, read-only: services.py is their only writer."""

from __future__ import annotations

from django.contrib import admin

from governance.admin_base import ReadOnlyHistoryAdmin
from governance.reconciliation.models import Finding, Reconciliation


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyHistoryAdmin):
    organisation_field = "organisation_id"
    list_display = [
        "file_name",
        "organisation",
        "uploaded_by",
        "status",
        "episodes",
        "outside_governance",
        "miscoded",
        "no_coded_episode",
        "row_error",
        "created_at",
    ]
    list_filter = ["status", "organisation"]
    search_fields = ["file_name"]
    list_select_related = ["organisation", "uploaded_by"]
    date_hierarchy = "created_at"


@admin.register(Finding)
class FindingAdmin(ReadOnlyHistoryAdmin):
    organisation_field = "reconciliation__organisation_id"
    list_display = [
        "reconciliation",
        "finding",
        "episode_id",
        "performed_on",
        "case",
        "explained_at",
    ]
    list_filter = ["finding"]
    search_fields = ["episode_id"]
    list_select_related = ["reconciliation", "case"]
    raw_id_fields = ["case", "introduction"]
    # Administrators are not the clinical team: the NHS number is not theirs to read.
    exclude = ["nhs_number"]
