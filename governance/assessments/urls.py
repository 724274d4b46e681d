"""Pages of the equality and sustainability assessments."""

from django.urls import path

from governance.assessments import views

urlpatterns = [
    path(
        "introductions/<int:pk>/assessments/",
        views.assessment_summary,
        name="assessment_summary",
    ),
    path(
        "introductions/<int:pk>/assessments/equality/",
        views.equality_assessment_edit,
        name="equality_assessment_edit",
    ),
    path(
        "introductions/<int:pk>/assessments/equality/parts/<slug:part>/",
        views.equality_assessment_part,
        name="equality_assessment_part",
    ),
    path(
        "introductions/<int:pk>/assessments/sustainability/",
        views.sustainability_assessment_edit,
        name="sustainability_assessment_edit",
    ),
    path(
        "introductions/<int:pk>/assessments/<slug:kind>/sign-off/",
        views.assessment_sign_off,
        name="assessment_sign_off",
    ),
]
