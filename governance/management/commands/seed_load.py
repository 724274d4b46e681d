"""`python manage.py seed_load`: load data at a hospital's or a nation's size (governance/demo/
load.py), for the benchmark, and index the history it wrote. Prints a one-line JSON summary
last."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError

from governance.audit.index import index_missing
from governance.demo.load import Plan, seed_load


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Create approved IPG366 introductions with cases, outcomes, adverse events and history "
        "revisions, in bulk. Defaults: one trust's five years. A national size: "
        "--organisations 100 --cases 1000000."
    )

    def add_arguments(self, parser) -> None:
        defaults = Plan()
        parser.add_argument("--organisations", type=_count, default=defaults.organisations)
        parser.add_argument(
            "--introductions",
            type=_count,
            default=defaults.introductions,
            help="approved introductions in each organisation",
        )
        parser.add_argument("--cases", type=_count, default=defaults.cases, help="in all")
        parser.add_argument(
            "--largest", type=_count, help="cases of the largest introduction (half by default)"
        )
        parser.add_argument("--events", type=_count, default=defaults.events)
        parser.add_argument(
            "--revisions", type=_count, default=defaults.revisions, help="later changes of cases"
        )
        parser.add_argument(
            "--history",
            type=_count,
            default=defaults.history,
            help="at least this many history rows in all (the revisions repeated)",
        )
        parser.add_argument("--password", default=defaults.password, help="of the load users")
        parser.add_argument("--seed", type=int, default=defaults.seed)

    def handle(self, *args, **options) -> None:
        if options["organisations"] < 1 or options["introductions"] < 1:
            raise CommandError("--organisations and --introductions must be at least 1.")
        fields = (
            "organisations",
            "introductions",
            "cases",
            "largest",
            "events",
            "revisions",
            "history",
        )
        plan = Plan(
            **{name: options[name] for name in fields},
            password=options["password"],
            seed=options["seed"],
        )
        started = time.perf_counter()
        summary = seed_load(plan)
        # Bulk inserts send no signal: the history index is filled from the rows in one pass.
        summary["history_indexed"] = index_missing()
        summary["seconds"] = round(time.perf_counter() - started, 1)
        self.stdout.write(json.dumps(summary))
