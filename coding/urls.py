from __future__ import annotations

from django.urls import path

from coding import views

app_name = "coding"
urlpatterns = [
    path("check/", views.check, name="check"),
    path("rulesets/", views.ruleset_list, name="ruleset_list"),
    path("rulesets/<str:name>/", views.ruleset_detail, name="ruleset_detail"),
    path("catalogue/", views.catalogue, name="catalogue"),
]
