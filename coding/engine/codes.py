"""OPCS-4 code syntax: a chapter letter and three digits (`V40.1`), or a category (`V55`)."""

from __future__ import annotations

from functools import lru_cache

# OPCS-4 has no chapter I (it would read as 1).
CHAPTERS = frozenset("ABCDEFGHJKLMNOPQRSTUVWXYZ")
SUBSIDIARY_CHAPTERS = frozenset("YZ")  # Y methods, Z sites: never first in a sequence
_DIGITS = frozenset("0123456789")


@lru_cache(maxsize=1 << 16)
def _normalise(raw: str) -> str | None:
    # Cached: the bulk validator sees the same few hundred spellings millions of times.
    s = raw.strip().upper()
    n = len(s)
    if n == 5:
        head, sep, last = s[:3], s[3], s[4]
        if sep != ".":
            return None
        if last == "-":
            return head if _is_category(head) else None
        return f"{head}.{last}" if _is_category(head) and last in _DIGITS else None
    if n == 4:
        head, last = s[:3], s[3]
        return f"{head}.{last}" if _is_category(head) and last in _DIGITS else None
    if n == 3:
        return s if _is_category(s) else None
    return None


def _is_category(s: str) -> bool:
    return s[0] in CHAPTERS and s[1] in _DIGITS and s[2] in _DIGITS


def normalise(raw: str) -> str | None:
    """`" v40.1 "`, `"V401"` -> `"V40.1"`; `"V55.-"`, `"V55"` -> `"V55"`; anything else -> None."""
    if not isinstance(raw, str):
        return None
    return _normalise(raw)


def is_code(normalised: str) -> bool:
    """True for a full code (`V40.1`), false for a category (`V55`); takes normalised input."""
    return len(normalised) == 5


def category_of(normalised: str) -> str:
    return normalised[:3]


def chapter_of(normalised: str) -> str:
    return normalised[0]


def display(normalised: str) -> str:
    """How NICE pages print a code: categories as `V55.-`."""
    return f"{normalised}.-" if len(normalised) == 3 else normalised
