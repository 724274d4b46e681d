"""The administration pages (organisations/views.py)."""

from django.urls import path

from governance.organisations import views

urlpatterns = [
    path("administration/", views.administration, name="administration"),
    path("administration/users/", views.user_list, name="user_list"),
    path("administration/users/new/", views.user_create, name="user_create"),
    path("administration/users/<int:pk>/", views.user_detail, name="user_detail"),
    path("administration/users/<int:pk>/roles/give/", views.user_role_give, name="user_role_give"),
    path(
        "administration/users/<int:pk>/roles/<slug:role>/remove/",
        views.user_role_remove,
        name="user_role_remove",
    ),
    path(
        "administration/users/<int:pk>/organisations/add/",
        views.user_membership_add,
        name="user_membership_add",
    ),
    path(
        "administration/users/<int:pk>/organisations/<int:organisation_pk>/remove/",
        views.user_membership_remove,
        name="user_membership_remove",
    ),
    path("administration/guidance/", views.guidance_list, name="guidance_list"),
    path("administration/guidance/import/", views.guidance_import, name="guidance_import"),
    path("administration/guidance/<str:reference>/", views.guidance_detail, name="guidance_detail"),
    path(
        "administration/guidance/<str:reference>/recommendation/",
        views.guidance_recommendation,
        name="guidance_recommendation",
    ),
]
