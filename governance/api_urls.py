"""Governance API routes, mounted under /api/v1/ by config/api_urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from governance import api

router = SimpleRouter()
router.register("guidance", api.GuidanceViewSet, basename="guidance")
router.register("introductions", api.IntroductionViewSet, basename="introduction")
router.register("conditions", api.ConditionViewSet, basename="condition")
router.register("reviews", api.ReviewViewSet, basename="review")

urlpatterns = [
    path("history/", api.HistoryView.as_view(), name="history"),
    path("history/export/", api.HistoryExportView.as_view(), name="history-export"),
    *router.urls,
]
