from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from governance.accounts.api import TokenView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own, not inline: the
    # Content-Security-Policy (script-src 'self') holds on this page too.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("v1/", include("coding.api_urls")),
    path("v1/", include("governance.api_urls")),
]
