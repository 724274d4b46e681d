"""API routes of the reconciliation of coded episodes, mounted under /api/v1/."""

from django.urls import path

from governance.reconciliation import api

urlpatterns = [
    path("reconciliations/", api.ReconciliationsView.as_view(), name="api-reconciliations"),
    path("reconciliations/<int:pk>/", api.ReconciliationView.as_view(), name="api-reconciliation"),
    path(
        "reconciliations/<int:pk>/findings/",
        api.FindingsView.as_view(),
        name="api-reconciliation-findings",
    ),
    path(
        "reconciliations/<int:pk>/findings/<int:finding_id>/explanation/",
        api.FindingExplanationView.as_view(),
        name="api-finding-explanation",
    ),
]
