"""`manage.py import_guidance PATH --reference IPG366`: read a NICE interventional procedures
guidance page saved as text, create or update the guidance (title, the guidance it replaces)
and derive its coding rule set from the page's coding recommendations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coding import engine, services
from coding.errors import CodingError
from coding.management.commands._actor import actor
from governance.organisations import services as governance_services
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
        page = self.read(Path(path))
        title = options["title"] or page.title
        if not title:
            raise usage(f"{path}: the page gives no title (\"... full guidance ... on <title>.\"); "
                        "give it with --title.")  # fmt: skip

        # The codes the page titles count as catalogue entries for deriving its maps.
        current = services.catalogue_current()
        titles = {**dict(page.code_titles), **dict(current.titles)}
        catalogue = engine.Catalogue(titles, full=current.full)
        try:
            derived = engine.derive_ruleset(page, name=reference, catalogue=catalogue)
        except (engine.GuidanceFormatError, engine.RuleSetError) as error:
            raise usage(f"{path}: {error}.") from error

        reason = f"Imported from the {reference} guidance page ({Path(path).name})"
        try:
            with transaction.atomic():
                added = services.catalogue_add_cited(
                    rows=page.catalogue_rows(reference), actor=user, reason=reason
                )
                before = services.RuleSet.objects.filter(name__iexact=reference).first()
                ruleset, created = services.ruleset_upsert(
                    name=reference,
                    definition=merged(derived, before.definition if before else None),
                    actor=user,
                    reason=reason,
                )
                guidance = governance_services.guidance_upsert(
                    reference=reference,
                    title=title,
                    supersedes=page.supersedes or "",
                    url=options["url"],
                    ruleset=ruleset,
                    actor=user,
                    reason=reason,
                )
        except ValidationError as error:
            messages = "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items()
            )
            raise usage(messages) from error
        except CodingError as error:
            raise usage(error.message) from error

        replaces = f" It replaces {guidance.supersedes}." if guidance.supersedes else ""
        self.stdout.write(f"{guidance.reference}: {guidance.title}.{replaces}")
        if created:
            change = "created at version 1"
        elif before is not None and before.version != ruleset.version:
            change = f"changed: now version {ruleset.version}"
        else:
            change = f"unchanged at version {ruleset.version}"
        self.stdout.write(f"Rule set {ruleset.name} {change}: {describe(derived)}.")
        if added:
            self.stdout.write(f"{added} code{'s' * (added != 1)} added to the catalogue.")

    def read(self, path: Path) -> engine.GuidancePage:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise usage(f"Cannot read {path}: {error.strerror or error}.") from error
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # saved from a Windows browser
        try:
            return engine.parse_guidance(text)
        except engine.GuidanceFormatError as error:
            raise usage(f"{path}: {error}.") from error


def merged(derived: engine.RuleSet, stored: dict[str, Any] | None) -> dict[str, Any]:
    """The derived rule set, keeping what administrators own and the page does not say: the
    spinal operation categories, the excluded site categories, and map entries the page and
    catalogue do not name."""
    definition = derived.to_dict()
    if not stored:
        return definition
    for key in ("spinal_categories", "site_excluded_categories"):
        if key in stored:
            definition[key] = stored[key]
    for key in ("levels_map", "approach_map"):
        definition[key] = {**stored.get(key, {}), **definition[key]}
    return definition


def describe(ruleset: engine.RuleSet) -> str:
    parts = [f"procedure codes {', '.join(ruleset.procedure_codes)}"]
    if ruleset.levels_map:
        parts.append(
            "levels " + ", ".join(f"{n}: {code}" for n, code in ruleset.levels_map.items())
        )
    if ruleset.approach_map:
        parts.append(
            "image control "
            + ", ".join(f"{method}: {code}" for method, code in ruleset.approach_map.items())
        )
    parts.append(f"site codes from Chapter {ruleset.site_chapter}" if ruleset.site_chapter
                 else "no site code asked for")  # fmt: skip
    return "; ".join(parts)
