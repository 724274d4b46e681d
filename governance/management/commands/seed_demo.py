from __future__ import annotations

import os

from django.core.management.base import BaseCommand
from django.db import transaction

from governance.demo import data as demo


class Command(BaseCommand):
    help = "Create (idempotently) the demo users, guidance and introductions."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--password", help="password for every demo user")

    def handle(self, *args, password: str | None = None, **options) -> None:
        if password:
            source = "--password"
        elif os.environ.get("DEMO_PASSWORD"):
            password, source = os.environ["DEMO_PASSWORD"], "DEMO_PASSWORD"
        else:
            password, source = "demo", "the default"
        with transaction.atomic():
            users = demo.seed_users(password)
            seeded = demo.seed_governance(users)
        names = ", ".join(users)
        self.stdout.write(f"Demo users: {names}. Password from {source}: {password!r}.")
        states = ", ".join(f"{i.title} ({i.get_status_display()})" for i in seeded["introductions"])
        self.stdout.write(
            f"Guidance {seeded['guidance'].reference}, device {seeded['device'].name}; "
            f"introductions added: {states or 'none (already there)'}; "
            f"cases logged: {seeded['cases'] or 'none (already there)'}; "
            f"adverse events recorded: {seeded['events'] or 'none (already there)'}."
        )
