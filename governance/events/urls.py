"""Pages of adverse events and their Yellow Card."""

from django.urls import path

from governance.events import views

urlpatterns = [
    # --- logging and reading events ---
    path("introductions/<int:pk>/adverse-events/new/", views.event_new, name="event_new"),
    path("cases/<int:pk>/adverse-events/new/", views.event_new_for_case, name="event_new_for_case"),
    path("adverse-events/", views.event_list, name="event_list"),
    path("adverse-events/yellow-cards/", views.yellow_card_queue, name="yellow_card_queue"),
    path("adverse-events/<int:pk>/", views.event_detail, name="event_detail"),
    path("adverse-events/<int:pk>/change/", views.event_change, name="event_change"),
    # --- a lead's Yellow Card decisions ---
    path(
        "adverse-events/<int:pk>/yellow-card/submitted/",
        views.yellow_card_submitted,
        name="yellow_card_submitted",
    ),
    path(
        "adverse-events/<int:pk>/yellow-card/not-reportable/",
        views.yellow_card_not_reportable,
        name="yellow_card_not_reportable",
    ),
    path(
        "adverse-events/<int:pk>/yellow-card/reopen/",
        views.yellow_card_reopen,
        name="yellow_card_reopen",
    ),
    # --- the Yellow Card report ---
    path(
        "adverse-events/<int:pk>/yellow-card/",
        views.yellow_card_report,
        name="yellow_card_report",
    ),
    path(
        "adverse-events/<int:pk>/yellow-card.pdf",
        views.yellow_card_pdf,
        name="yellow_card_pdf",
    ),
]
