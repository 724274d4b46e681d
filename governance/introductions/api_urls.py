"""API routes of introductions, conditions and reviews, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from governance.introductions import api

router = SimpleRouter()
router.register("introductions", api.IntroductionViewSet, basename="introduction")
router.register("conditions", api.ConditionViewSet, basename="condition")
router.register("reviews", api.ReviewViewSet, basename="review")

urlpatterns = router.urls
