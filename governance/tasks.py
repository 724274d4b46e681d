"""Celery finds tasks in `<app>.tasks` (config/celery.py, autodiscover_tasks): each feature's
tasks, re-exported here so that the worker registers them under their own module names."""

from governance.events.tasks import yellow_cards_overdue_digest
from governance.introductions.tasks import flag_reviews_due
from governance.notices.tasks import send_due_notices, send_notice
from governance.reconciliation.tasks import reconcile

__all__ = [
    "flag_reviews_due",
    "reconcile",
    "send_due_notices",
    "send_notice",
    "yellow_cards_overdue_digest",
]
