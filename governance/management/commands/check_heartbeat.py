from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.tasks import HEARTBEAT_KEY


class Command(BaseCommand):
    help = (
        "Exit 0 when a Celery worker ran the beat-scheduled heartbeat recently, else 1: "
        "the container healthcheck of beat (and of the queue as a whole)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--max-age", type=int, default=300, help="seconds (default 300)")

    def handle(self, *args, max_age: int, **options) -> None:
        stamp = cache.get(HEARTBEAT_KEY)
        if stamp is None:
            raise CommandError("No worker heartbeat recorded yet.", returncode=1)
        age = timezone.now() - datetime.fromisoformat(stamp)
        if age > timedelta(seconds=max_age):
            raise CommandError(f"Last worker heartbeat {age} ago.", returncode=1)
        self.stdout.write(f"Last worker heartbeat {int(age.total_seconds())} s ago.")
