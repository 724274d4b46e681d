"""API routes of adverse events and their Yellow Card, mounted under /api/v1/."""

from django.urls import path

from governance.events import api

urlpatterns = [
    path("adverse-events/", api.AdverseEventsView.as_view(), name="api-adverse-events"),
    path("adverse-events/<int:pk>/", api.AdverseEventView.as_view(), name="api-adverse-event"),
    path(
        "adverse-events/<int:pk>/yellow-card/",
        api.YellowCardView.as_view(),
        name="api-adverse-event-yellow-card",
    ),
    path(
        "adverse-events/<int:pk>/fhir/",
        api.AdverseEventFHIRView.as_view(),
        name="api-adverse-event-fhir",
    ),
]
