"""API routes of guidance, mounted under /api/v1/ by governance/api_urls.py."""

from rest_framework.routers import SimpleRouter

from governance.organisations import api

router = SimpleRouter()
router.register("guidance", api.GuidanceViewSet, basename="guidance")

urlpatterns = router.urls
