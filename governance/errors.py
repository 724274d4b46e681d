"""Domain errors raised by governance services, one module for all of them.

Services raise these; the API and the pages translate (governance/http.py:
`DomainErrorMixin`, `refuses`): NotPermitted -> 403, InvalidTransition, PreconditionsUnmet
and Concurrency -> 409.
Bad input is not a domain error: services raise Django's `ValidationError({field: [...]})`.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class: `.message` is a sentence fit to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotPermitted(DomainError):
    """The actor's role, organisation or relation to the introduction forbids the action."""


class InvalidTransition(DomainError):
    """The action is not possible from the introduction's (or review's) current state."""


class PreconditionsUnmet(DomainError):
    """The action is possible in principle but its guards are not all met.

    `.unmet` lists the guard codes (workflow.GUARD_TEXT keys) in the table's order.
    """

    def __init__(self, message: str, unmet: list[str]) -> None:
        super().__init__(message)
        self.unmet = list(unmet)


class Concurrency(DomainError):
    """Another change to the same introduction held its lock for too long; try again."""
