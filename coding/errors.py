"""The coding app's domain errors. Each names the input at fault (`field`), so the command line
turns it into exit 2 with a message, the API into a 400 on that field, and the page into an
error against that form field."""

from __future__ import annotations


class CodingError(ValueError):
    """Base of the coding app's errors: bad input, never a bug."""

    field: str = "non_field_errors"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field

    @property
    def message(self) -> str:
        return str(self)


class RuleSetNotFound(CodingError):
    field = "ruleset"

    def __init__(self, name: object, known: list[str]) -> None:
        shown = ", ".join(known) or "none yet"
        super().__init__(f"Unknown rule set {name!r}. Rule sets: {shown}.")
        self.name = name


class RuleSetInvalid(CodingError):
    field = "definition"


class CodesInvalid(CodingError):
    """No codes, more than 24 codes, or codes that are not a list of strings."""

    field = "codes"


class ContextInvalid(CodingError):
    """A bad context value; `field` is approach, image_guidance or levels."""


class CatalogueLoadError(CodingError):
    field = "path"


class GuidanceImportError(CodingError):
    field = "path"
