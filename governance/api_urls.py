"""The governance API under /api/v1/ (config/api_urls.py): each feature's routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("governance.organisations.api_urls")),
    path("", include("governance.audit.api_urls")),
    path("", include("governance.introductions.api_urls")),
    path("", include("governance.assessments.api_urls")),
    path("", include("governance.cases.api_urls")),
    path("", include("governance.events.api_urls")),
    path("", include("governance.reconciliation.api_urls")),
]
