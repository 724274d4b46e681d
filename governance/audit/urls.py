"""Pages of the audit history."""

from django.urls import path

from governance.audit import views

urlpatterns = [
    path("audit/", views.audit_history, name="audit_history"),
    path("audit/export.csv", views.audit_history_csv, name="audit_history_csv"),
]
