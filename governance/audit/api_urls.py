"""API routes of the audit history, mounted under /api/v1/."""

from django.urls import path

from governance.audit import api

urlpatterns = [
    path("history/", api.HistoryView.as_view(), name="history"),
    path("history/export/", api.HistoryExportView.as_view(), name="history-export"),
    path(
        "introductions/<int:pk>/history/",
        api.IntroductionHistoryView.as_view(),
        name="introduction-history",
    ),
    path(
        "introductions/<int:pk>/history/export/",
        api.IntroductionHistoryExportView.as_view(),
        name="introduction-history-csv",
    ),
]
