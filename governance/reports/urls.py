"""The committee report of an introduction: the page and its PDF."""

from django.urls import path

from governance.reports import views

urlpatterns = [
    path("introductions/<int:pk>/report/", views.committee_report, name="committee_report"),
    path(
        "introductions/<int:pk>/report.pdf",
        views.committee_report_pdf,
        name="committee_report_pdf",
    ),
]
