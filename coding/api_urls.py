from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from coding import api

router = SimpleRouter()
router.register("coding/rulesets", api.RuleSetViewSet, basename="coding-ruleset")

urlpatterns = [
    path("coding/validate/", api.ValidateView.as_view(), name="coding-validate"),
    path("coding/codes/", api.CodeListView.as_view(), name="coding-codes"),
    *router.urls,
]
