from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from governance.accounts.api import TokenView


@csrf_exempt  # it changes nothing: a POST there is a 404 too, not the CSRF page
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any other path under /api/ (`/api/v1/cases/-1/`): a JSON 404, as the schema documents
    and an API client expects, not the HTML page meant for people. Paths without the final
    slash still get CommonMiddleware's redirect first."""
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own, not inline: the
    # Content-Security-Policy (script-src 'self') holds on this page too.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("v1/", include("coding.api_urls")),
    path("v1/", include("governance.api_urls")),
    re_path(r"^.*/$", not_found, name="api-not-found"),
]
