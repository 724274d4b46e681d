"""`python manage.py index_history`: index every audit entry not yet in the history index.

Entries are indexed as they are written; rows inserted in bulk outside the services (a data
load, a restore of history tables) send no signal and are indexed by this. Safe to run again:
it adds only what is missing."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from governance.audit.index import index_missing


class Command(BaseCommand):
    help = "Index the audit entries that are not yet in the history index."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            added = index_missing()
        self.stdout.write(f"Indexed {added} audit entries.")
