"""`manage.py load_opcs4 PATH`: load an NHS TRUD OPCS-4 release (tab-separated
`code<TAB>title`, no header, dotted codes) into the catalogue, and mark it full."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coding import services
from coding.errors import CodingError
from coding.management.commands._actor import actor
from coding.models import RuleSet


class Command(BaseCommand):
    help = (
        "Load an NHS TRUD OPCS-4 codes-and-titles file (code<TAB>title, no header) into the "
        "catalogue. The catalogue becomes full: unknown codes are then errors. Rule sets gain "
        "the levels and image-control codes the release titles."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="the TRUD codes-and-titles file")
        parser.add_argument("--name", help="the release's name (default: from the file name)")
        parser.add_argument(
            "--partial",
            action="store_true",
            help="the file is not a complete release: keep the catalogue partial",
        )
        parser.add_argument("--user", help="the username recorded in the history")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        user = actor(options["user"])
        before = dict(RuleSet.objects.values_list("name", "version"))
        try:
            release = services.catalogue_load(
                path=path, actor=user, full=not options["partial"], name=options["name"]
            )
        except CodingError as error:
            raise CommandError(error.message, returncode=2) from error
        state = "full" if release.full else "partial"
        self.stdout.write(
            f"Loaded {release.code_count} codes from {release.name}: {release.added} new, "
            f"{release.changed} with a new title. The catalogue is {state}."
        )
        for ruleset in RuleSet.objects.order_by("name"):
            if ruleset.version != before.get(ruleset.name):
                changes = ruleset.versions()[0].changes
                what = "; ".join(f"{c.field} {c.summary}" for c in changes)
                self.stdout.write(
                    f"Rule set {ruleset.name} is now version {ruleset.version}: {what}."
                )
        self.stdout.write("Stored codings are revalidated against the new catalogue.")
