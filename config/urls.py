from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views

handler500 = views.server_error  # a database outage is a 503 (config/faults.py), not a 500

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("status/", views.service_status, name="service_status"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("coding/", include("coding.urls")),
    path("", include("governance.urls")),
]
