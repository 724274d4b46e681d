"""Pages of the governance app (namespace `governance`): each feature's pages."""

from django.urls import include, path

app_name = "governance"
urlpatterns = [
    path("", include("governance.introductions.urls")),
    path("", include("governance.assessments.urls")),
    path("", include("governance.audit.urls")),
    path("", include("governance.cases.urls")),
    path("", include("governance.events.urls")),
    path("", include("governance.reconciliation.urls")),
    path("", include("governance.reports.urls")),
    path("", include("governance.organisations.urls")),
]
