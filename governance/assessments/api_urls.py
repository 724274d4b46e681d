"""API of the equality and sustainability assessments, under /api/v1/."""

from django.urls import path

from governance.assessments import api

urlpatterns = [
    path(
        "introductions/<int:pk>/equality-assessment/",
        api.EqualityAssessmentView.as_view(),
        name="api-equality-assessment",
    ),
    path(
        "introductions/<int:pk>/equality-assessment/sign-off/",
        api.EqualitySignOffView.as_view(),
        name="api-equality-assessment-sign-off",
    ),
    path(
        "introductions/<int:pk>/sustainability-assessment/",
        api.SustainabilityAssessmentView.as_view(),
        name="api-sustainability-assessment",
    ),
    path(
        "introductions/<int:pk>/sustainability-assessment/sign-off/",
        api.SustainabilitySignOffView.as_view(),
        name="api-sustainability-assessment-sign-off",
    ),
]
