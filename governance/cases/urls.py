"""Pages of cases, their outcomes and follow-ups, and the introduction's approved operators."""

from django.urls import path

from governance.cases import views

urlpatterns = [
    path("introductions/<int:pk>/cases/", views.case_list, name="case_list"),
    path("introductions/<int:pk>/cases/new/", views.case_new, name="case_new"),
    path("introductions/<int:pk>/cases/check/", views.case_check, name="case_check"),
    path("introductions/<int:pk>/operators/", views.operator_list, name="operator_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/change/", views.case_change, name="case_change"),
    path("cases/<int:pk>/failure/", views.case_failure, name="case_failure"),
    path(
        "cases/<int:pk>/coding/apply/",
        views.case_apply_suggestion,
        name="case_apply_suggestion",
    ),
    path("cases/<int:pk>/outcomes/new/", views.outcome_new, name="outcome_new"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("introductions/<int:pk>/monitoring/", views.monitoring, name="monitoring"),
    path(
        "introductions/<int:pk>/monitoring/cases.csv",
        views.monitoring_csv,
        name="monitoring_csv",
    ),
    path(
        "introductions/<int:pk>/monitoring/<slug:chart>.svg",
        views.monitoring_chart_svg,
        name="monitoring_chart_svg",
    ),
    path(
        "introductions/<int:pk>/monitoring/<slug:chart>.png",
        views.monitoring_chart,
        name="monitoring_chart",
    ),
]
