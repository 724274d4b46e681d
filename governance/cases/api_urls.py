"""API routes of cases, outcomes, operators and monitoring, mounted under /api/v1/."""

from django.urls import path

from governance.cases import api

urlpatterns = [
    path(
        "introductions/<int:pk>/cases/",
        api.IntroductionCasesView.as_view(),
        name="api-introduction-cases",
    ),
    path(
        "introductions/<int:pk>/operators/",
        api.IntroductionOperatorsView.as_view(),
        name="api-introduction-operators",
    ),
    path(
        "introductions/<int:pk>/monitoring/",
        api.IntroductionMonitoringView.as_view(),
        name="api-introduction-monitoring",
    ),
    path("cases/<int:pk>/", api.CaseView.as_view(), name="api-case"),
    path("cases/<int:pk>/outcomes/", api.CaseOutcomesView.as_view(), name="api-case-outcomes"),
]
