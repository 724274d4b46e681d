"""`manage.py import_guidance PATH --reference IPG366`: read a NICE interventional procedures
guidance page saved as text, create or update the guidance (title, the guidance it replaces)
and derive its coding rule set from the page's coding recommendations. The administration
pages import through the same service (organisations.services.guidance_import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from coding.management.commands._actor import actor
from governance.organisations import services
from governance.organisations.models import normalise_reference


def usage(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = (
        "Import a NICE interventional procedures guidance page saved as text: the guidance's "
        "title and the guidance it replaces, the codes it cites, and the coding rule set "
        "derived from its coding recommendations (a new version if it changed)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="the guidance page saved as text")
        parser.add_argument("--reference", required=True, help="the guidance, e.g. IPG366")
        parser.add_argument("--title", help="the title, when the page does not give it")
        parser.add_argument("--url", default="", help="the page's address on nice.org.uk")
        parser.add_argument("--user", help="the username recorded in the history")

    def handle(self, *args: Any, path: str, reference: str, **options: Any) -> None:
        user = actor(options["user"])
        try:
            reference = normalise_reference(reference)
        except ValidationError as error:
            raise usage(f"--reference: {error.message_dict['reference'][0]}") from error
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise usage(f"Cannot read {path}: {error.strerror or error}.") from error
        try:
            page = services.guidance_page_read(data, path)
            done = services.guidance_import(
                page=page,
                reference=reference,
                source=path,
                title=options["title"] or "",
                url=options["url"],
                actor=user,
            )
        except ValidationError as error:
            raise usage(self.message(error)) from error

        guidance = done.guidance
        replaces = f" It replaces {guidance.supersedes}." if guidance.supersedes else ""
        self.stdout.write(f"{guidance.reference}: {guidance.title}.{replaces}")
        self.stdout.write(f"Rule set {done.ruleset.name} {done.ruleset_change}: {done.rules}.")
        if added := done.codes_added:
            self.stdout.write(f"{added} code{'s' * (added != 1)} added to the catalogue.")

    @staticmethod
    def message(error: ValidationError) -> str:
        errors = error.message_dict
        if "title" in errors:
            return f"{errors['title'][0]} Give it with --title."
        return "; ".join(
            " ".join(messages) if field == "file" else f"{field}: {' '.join(messages)}"
            for field, messages in errors.items()
        )
