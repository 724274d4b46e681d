"""The engine's exceptions: every one is a ValueError, so callers can map them to exit 2 / 400."""

from __future__ import annotations


class UsageError(ValueError):
    """The caller asked for something the engine cannot do (over 24 codes, a missing header)."""


class ContextError(ValueError):
    """A bad context value; `field` is "approach", "image_guidance" or "levels"."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class RuleSetError(ValueError):
    """A rule set (or its stored dict) that does not make sense."""


class CatalogueFormatError(ValueError):
    """A catalogue file line that is not `code<TAB>title`."""


class GuidanceFormatError(ValueError):
    """A guidance page the parser cannot read coding recommendations from."""
