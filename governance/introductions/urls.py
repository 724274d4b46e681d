"""Pages of introductions, their decisions, conditions and reviews."""

from django.urls import path

from governance.introductions import views

urlpatterns = [
    path("introductions/", views.introduction_list, name="introduction_list"),
    path("introductions/new/", views.introduction_create, name="introduction_create"),
    path("introductions/<int:pk>/", views.introduction_detail, name="introduction_detail"),
    path("introductions/<int:pk>/edit/", views.introduction_edit, name="introduction_edit"),
    path(
        "introductions/<int:pk>/edit/<slug:section>/",
        views.introduction_section,
        name="introduction_section",
    ),
    path(
        "introductions/<int:pk>/actions/<slug:action>/",
        views.introduction_action,
        name="introduction_action",
    ),
    path(
        "introductions/<int:pk>/conditions/<int:condition_pk>/meet/",
        views.condition_meet,
        name="condition_meet",
    ),
    path(
        "introductions/<int:pk>/reviews/<int:review_pk>/complete/",
        views.review_complete,
        name="review_complete",
    ),
]
