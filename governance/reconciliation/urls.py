"""Pages of the reconciliation of coded episodes."""

from django.urls import path

from governance.reconciliation import views

urlpatterns = [
    path("reconciliations/", views.reconciliation_list, name="reconciliation_list"),
    path("reconciliations/<int:pk>/", views.reconciliation_detail, name="reconciliation_detail"),
    path(
        "reconciliations/<int:pk>/progress/",
        views.reconciliation_progress,
        name="reconciliation_progress",
    ),
    path(
        "reconciliations/<int:pk>/findings.csv",
        views.reconciliation_findings_csv,
        name="reconciliation_findings_csv",
    ),
    path(
        "reconciliations/<int:pk>/findings/<int:finding_id>/explain/",
        views.finding_explain,
        name="finding_explain",
    ),
]
