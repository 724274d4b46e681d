"""Rule sets (data derived from a guidance's coding recommendations) and the context of a case."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from .codes import SUBSIDIARY_CHAPTERS, normalise
from .errors import ContextError, RuleSetError

APPROACHES = ("open", "percutaneous")
IMAGE_GUIDANCE = ("none", "fluoroscopy", "ultrasound", "ct", "mri", "unspecified")
METHODS = ("fluoroscopy", "ultrasound", "ct", "mri")  # image guidance that names a method
_NULLS = frozenset({"", "null"})

# Kinds of code in a sequence, as the validator sees them.
PROCEDURE = "p"  # a main (non-subsidiary) code that is not a spinal operation
SPINAL = "s"  # a main code in a spinal operation category
LEVELS = "L"  # a code in the levels category (V55)
APPROACH = "A"  # a code in the image-control category (Y53)
METHOD = "Y"  # any other Chapter Y code
SITE = "S"  # a Chapter Z site code
NON_SITE = "X"  # a Chapter Z code that is not a site (Z94 laterality)

# A sequence read as a string of one letter a code, its shape, is judged once for a context
# by validate()'s fast path (linter._in_order) and by run_bulk (bulk.judge). The letter keeps
# all the validator looks at besides the codes it only copies: the code's kind, the main codes
# the rule set governs apart, and a levels or image-control code by its fourth character
# (which of those is right depends on the context). Anything but a full code is NOT_A_CODE.
GOVERNED_LETTERS = {PROCEDURE: "q", SPINAL: "t"}
LEVELS_LETTERS = "0123456789"  # V55.0 .. V55.9
APPROACH_LETTERS = "abcdefghij"  # Y53.0 .. Y53.9
NOT_A_CODE = "!"


def default_spinal_categories() -> frozenset[str]:
    """The seeded spinal operation categories: V22-V54 and V56-V68 (V55 is the levels code)."""
    return frozenset(f"V{n:02d}" for n in [*range(22, 55), *range(56, 69)])


def _choice_error(name: str, value: Any, allowed: tuple[str, ...]) -> ContextError:
    return ContextError(name, f"{name} must be {', '.join(allowed)} or empty, not {value!r}")


def _levels_error(value: Any) -> ContextError:
    return ContextError(
        "levels",
        f"levels must be a whole number of spinal levels, 1 or more, or empty, not {value!r}",
    )


def _parse_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        s = value.strip().lower()
        if s in _NULLS:
            return None
        if s in allowed:
            return s
    raise _choice_error(name, value, allowed)


def _parse_levels(value: Any) -> int | None:
    if value is None:
        return None
    if type(value) is int:  # not bool: True is not a count
        n = value
    elif isinstance(value, str):
        s = value.strip()
        if s.lower() in _NULLS:
            return None
        n = int(s) if s.isascii() and s.isdigit() else 0
    else:
        n = 0
    if n < 1:
        raise _levels_error(value)
    return n


@dataclass(frozen=True, slots=True)
class Context:
    """What was done in the case: it decides which V55 and Y53 codes are right."""

    approach: str | None = None
    image_guidance: str | None = None
    levels: int | None = None

    def __post_init__(self) -> None:
        if self.approach is not None and self.approach not in APPROACHES:
            raise _choice_error("approach", self.approach, APPROACHES)
        if self.image_guidance is not None and self.image_guidance not in IMAGE_GUIDANCE:
            raise _choice_error("image_guidance", self.image_guidance, IMAGE_GUIDANCE)
        if self.levels is not None and (type(self.levels) is not int or self.levels < 1):
            raise _levels_error(self.levels)

    @classmethod
    def parse(
        cls, *, approach: Any = None, image_guidance: Any = None, levels: Any = None
    ) -> Context:
        """From CLI, CSV or JSON values: strings are trimmed and lower-cased, "" and "null" are
        null, levels "2" is 2; booleans and anything else raise ContextError naming the field."""
        return cls(
            _parse_choice("approach", approach, APPROACHES),
            _parse_choice("image_guidance", image_guidance, IMAGE_GUIDANCE),
            _parse_levels(levels),
        )

    @property
    def method(self) -> str | None:
        """Image guidance as it counts: null with a percutaneous approach is `unspecified`."""
        if self.image_guidance is None and self.approach == "percutaneous":
            return "unspecified"
        return self.image_guidance

    def to_dict(self) -> dict[str, Any]:
        return {
            "approach": self.approach,
            "image_guidance": self.image_guidance,
            "levels": self.levels,
        }


# Titles read by grow_maps() and derive_ruleset(): only these exact wordings, never a guess.
_NUMBERS = {
    word: n
    for n, word in enumerate(
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"], start=1
    )
}
_LEVELS_TITLE = re.compile(r"(?P<n>[a-z]+) (?P<unit>levels?) of spine")
_METHOD_TITLES = {
    "fluoroscopic": "fluoroscopy",
    "ultrasonic": "ultrasound",
    "ultrasound": "ultrasound",
    "computed tomography": "ct",
    "computed tomography scan": "ct",
    "magnetic resonance imaging": "mri",
    "magnetic resonance": "mri",
}
_METHOD_TITLE = re.compile(r"approach to organ under (?P<how>[a-z ]+?) control")


def _title_key(title: str) -> str:
    return " ".join(title.lower().split())


def levels_from_title(title: str) -> int | None:
    """`"One level of spine"` -> 1, `"Two levels of spine"` -> 2; anything else -> None."""
    m = _LEVELS_TITLE.fullmatch(_title_key(title))
    if not m or m["n"] not in _NUMBERS:
        return None
    n = _NUMBERS[m["n"]]
    return n if (m["unit"] == "level") == (n == 1) else None


def method_from_title(title: str) -> str | None:
    """`"Approach to organ under fluoroscopic control"` -> "fluoroscopy"; else None."""
    m = _METHOD_TITLE.fullmatch(_title_key(title))
    return _METHOD_TITLES.get(m["how"]) if m else None


def _code(value: Any, what: str) -> str:
    code = normalise(value) if isinstance(value, str) else None
    if code is None or len(code) != 5:
        raise RuleSetError(f"{what} must be an OPCS-4 code such as V40.1, not {value!r}")
    return code


def _category(value: Any, what: str) -> str:
    code = normalise(value) if isinstance(value, str) else None
    if code is None or len(code) != 3:
        raise RuleSetError(f"{what} must be an OPCS-4 category such as V55, not {value!r}")
    return code


def _codes_in(category: str, code: str, what: str) -> str:
    if code[:3] != category:
        raise RuleSetError(f"{what} {code} is not in category {category}")
    return code


@dataclass(frozen=True)
class RuleSet:
    """A guidance's coding rules. Immutable; a change makes a new version (SPEC section 3)."""

    name: str
    version: int
    procedure_codes: tuple[str, ...]
    spinal_categories: frozenset[str] = field(default_factory=default_spinal_categories)
    levels_category: str = "V55"
    levels_unspecified: str = "V55.9"
    levels_map: Mapping[int, str] = field(default_factory=dict)
    approach_category: str = "Y53"
    approach_unspecified: str = "Y53.9"
    approach_map: Mapping[str, str] = field(default_factory=dict)
    site_chapter: str | None = "Z"  # None: the guidance asks for no site code
    site_excluded_categories: frozenset[str] = frozenset({"Z94"})

    # Lookups precomputed for validate(); not part of the rule set's identity.
    _procedures: frozenset[str] = field(init=False, repr=False, compare=False)
    _levels_meaning: Mapping[str, int] = field(init=False, repr=False, compare=False)
    _approach_meaning: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _kinds: dict[str, str] = field(init=False, repr=False, compare=False)
    # Spelling as given -> (normalised code, kind), or () when it is not a code; the same
    # spellings -> their letter (see GOVERNED_LETTERS), and -> the normalised full code.
    _entries: dict[str, tuple[str, str] | tuple[()]] = field(init=False, repr=False, compare=False)
    _letters: dict[str, str] = field(init=False, repr=False, compare=False)
    _codes: dict[str, str] = field(init=False, repr=False, compare=False)
    _plans: dict[int, ContextPlan] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.name, str) or not self.name.strip():
            raise RuleSetError("a rule set needs a name, such as IPG366")
        if type(self.version) is not int or self.version < 1:
            raise RuleSetError(f"version must be a whole number, 1 or more, not {self.version!r}")
        if isinstance(self.procedure_codes, str):
            raise RuleSetError("procedure_codes must be a list of codes, not one string")
        procedures = tuple(
            dict.fromkeys(_code(c, "a procedure code") for c in self.procedure_codes)
        )
        if not procedures:
            raise RuleSetError("a rule set needs at least one procedure code")
        levels_category = _category(self.levels_category, "levels_category")
        approach_category = _category(self.approach_category, "approach_category")
        levels_map: dict[int, str] = {}
        for key, value in dict(self.levels_map).items():
            n = _parse_map_level(key)
            levels_map[n] = _codes_in(levels_category, _code(value, f"levels_map[{n}]"), "levels")
        approach_map: dict[str, str] = {}
        for key, value in dict(self.approach_map).items():
            if key not in METHODS:
                raise RuleSetError(f"approach_map keys must be {', '.join(METHODS)}, not {key!r}")
            approach_map[key] = _codes_in(
                approach_category, _code(value, f"approach_map[{key}]"), "approach"
            )
        site_chapter = self.site_chapter
        if site_chapter is not None:
            site_chapter = str(site_chapter).strip().upper()
            if site_chapter != "Z":
                raise RuleSetError(f"site_chapter must be Z (or null), not {self.site_chapter!r}")
        if isinstance(self.spinal_categories, str):
            raise RuleSetError("spinal_categories must be a list of categories, not one string")
        set_(self, "name", self.name.strip())
        set_(self, "procedure_codes", procedures)
        set_(
            self,
            "spinal_categories",
            frozenset(_category(c, "a spinal category") for c in self.spinal_categories),
        )
        set_(self, "levels_category", levels_category)
        set_(
            self,
            "levels_unspecified",
            _codes_in(
                levels_category, _code(self.levels_unspecified, "levels_unspecified"), "levels"
            ),
        )
        set_(self, "levels_map", MappingProxyType(dict(sorted(levels_map.items()))))
        set_(self, "approach_category", approach_category)
        set_(
            self,
            "approach_unspecified",
            _codes_in(
                approach_category,
                _code(self.approach_unspecified, "approach_unspecified"),
                "approach",
            ),
        )
        set_(self, "approach_map", MappingProxyType(dict(sorted(approach_map.items()))))
        set_(self, "site_chapter", site_chapter)
        set_(
            self,
            "site_excluded_categories",
            frozenset(
                _category(c, "an excluded site category") for c in self.site_excluded_categories
            ),
        )
        set_(self, "_procedures", frozenset(procedures))
        set_(self, "_levels_meaning", {v: k for k, v in levels_map.items()})
        set_(self, "_approach_meaning", {v: k for k, v in approach_map.items()})
        set_(self, "_kinds", {})
        set_(self, "_entries", {})
        set_(self, "_letters", {})
        set_(self, "_codes", {})
        set_(self, "_plans", {})

    def __hash__(self) -> int:
        return hash(
            (
                self.name,
                self.version,
                self.procedure_codes,
                self.spinal_categories,
                tuple(self.levels_map.items()),
                tuple(self.approach_map.items()),
                self.levels_category,
                self.levels_unspecified,
                self.approach_category,
                self.approach_unspecified,
                self.site_chapter,
                self.site_excluded_categories,
            )
        )

    def kind(self, code: str) -> str:
        """The kind of a normalised full code (PROCEDURE, SPINAL, LEVELS, ...), cached."""
        kind = self._kinds.get(code)
        if kind is None:
            kind = self._kinds[code] = self._classify(code)
        return kind

    def plan(self, context: Context) -> ContextPlan:
        """What a context asks of this rule set's V55 and Y53 codes; cached by identity (the
        plan holds the context, so its id cannot be reused while cached)."""
        plan = self._plans.get(id(context))
        if plan is None or plan.context is not context:
            if len(self._plans) >= _PLANS_SIZE:
                self._plans.clear()
            plan = self._plans[id(context)] = ContextPlan.of(context, self)
        return plan

    def _entry(self, raw: object) -> tuple[str, str] | tuple[()]:
        """validate()'s lookup of one code as given; cached, and bounded for junk input."""
        code = normalise(raw) if isinstance(raw, str) else None
        entry: tuple[str, str] | tuple[()] = (
            (code, self.kind(code)) if code is not None and len(code) == 5 else ()
        )
        if isinstance(raw, str):
            if len(self._entries) >= _ENTRIES_SIZE:
                self._entries.clear()
                self._letters.clear()
                self._codes.clear()
            self._entries[raw] = entry
            self._letters[raw] = self._letter_of(entry)
            if entry:
                self._codes[raw] = entry[0]
        return entry

    def _letter(self, raw: object) -> str:
        """The letter of one code as given (see GOVERNED_LETTERS), cached as _entry() is."""
        try:
            letter = self._letters.get(raw)
        except TypeError:  # unhashable: not a code
            return NOT_A_CODE
        if letter is None:
            letter = self._letter_of(self._entry(raw))
        return letter

    def _letter_of(self, entry: tuple[str, str] | tuple[()]) -> str:
        if not entry:
            return NOT_A_CODE
        code, kind = entry
        if kind == LEVELS:
            return LEVELS_LETTERS[int(code[4])]
        if kind == APPROACH:
            return APPROACH_LETTERS[int(code[4])]
        if code in self._procedures and kind in GOVERNED_LETTERS:
            return GOVERNED_LETTERS[kind]
        return kind

    def _classify(self, code: str) -> str:
        category, chapter = code[:3], code[0]
        if category == self.levels_category:
            return LEVELS
        if category == self.approach_category:
            return APPROACH
        if chapter == "Z":  # sites, whether or not the rule set asks for one
            return NON_SITE if category in self.site_excluded_categories else SITE
        if chapter in SUBSIDIARY_CHAPTERS:
            return METHOD
        return SPINAL if category in self.spinal_categories else PROCEDURE

    def is_procedure(self, code: str) -> bool:
        return code in self._procedures

    def levels_of(self, code: str) -> int | None:
        """The count a levels code means in this rule set (V55.1 -> 1), if it knows."""
        return self._levels_meaning.get(code)

    def method_of(self, code: str) -> str | None:
        """The image-guidance method a Y53 code means in this rule set, if it knows."""
        return self._approach_meaning.get(code)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: map keys are strings, sets are sorted lists. from_dict() reads it back."""
        return {
            "name": self.name,
            "version": self.version,
            "procedure_codes": list(self.procedure_codes),
            "spinal_categories": sorted(self.spinal_categories),
            "levels_category": self.levels_category,
            "levels_unspecified": self.levels_unspecified,
            "levels_map": {str(k): v for k, v in self.levels_map.items()},
            "approach_category": self.approach_category,
            "approach_unspecified": self.approach_unspecified,
            "approach_map": dict(self.approach_map),
            "site_chapter": self.site_chapter,
            "site_excluded_categories": sorted(self.site_excluded_categories),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSet:
        """Missing optional keys take the IPG366 defaults; unknown keys are refused."""
        if not isinstance(data, Mapping):
            raise RuleSetError(f"a rule set must be an object, not {type(data).__name__}")
        known = set(_FIELDS)
        unknown = sorted(set(data) - known)
        if unknown:
            raise RuleSetError(f"unknown rule set keys: {', '.join(map(str, unknown))}")
        for key in ("name", "version", "procedure_codes"):
            if key not in data:
                raise RuleSetError(f"a rule set needs {key!r}")
        kwargs = dict(data)
        for key in ("procedure_codes", "spinal_categories", "site_excluded_categories"):
            if key in kwargs and not _is_list(kwargs[key]):
                raise RuleSetError(f"{key} must be a list, not {kwargs[key]!r}")
        for key in ("levels_map", "approach_map"):
            if key in kwargs and not isinstance(kwargs[key], Mapping):
                raise RuleSetError(f"{key} must be an object, not {kwargs[key]!r}")
        return cls(**kwargs)

    def with_maps(
        self, *, levels_map: Mapping[int, str], approach_map: Mapping[str, str]
    ) -> RuleSet:
        """The same rule set with other maps; the caller decides whether that is a new version."""
        data = self.to_dict()
        data["levels_map"] = dict(levels_map)
        data["approach_map"] = dict(approach_map)
        return RuleSet.from_dict(data)


_ENTRIES_SIZE = 1 << 16
_PLANS_SIZE = 1024


class ContextPlan(NamedTuple):
    context: Context
    levels: int | None
    expected_levels: str | None  # None: levels unknown, or no code for the count
    method: str | None  # image guidance as it counts (Context.method)
    expected_method: str | None  # None: no method named, or no code for it
    unexpected: bool  # a Y53 code is unexpected: open, or no image guidance
    needs_method: bool  # percutaneous and image-guided: Y53 required
    open: bool
    shapes: dict[str, bool]  # the fast path's verdict on each shape judged (linter._in_order)

    @property
    def asks(self) -> tuple[object, ...]:
        """What the context asks of the codes, without the context: the validator reads a
        context through its plan only, so plans alike in this judge every sequence alike."""
        return (
            self.levels,
            self.expected_levels,
            self.method,
            self.expected_method,
            self.unexpected,
            self.needs_method,
            self.open,
        )

    @classmethod
    def of(cls, context: Context, ruleset: RuleSet) -> ContextPlan:
        levels, method = context.levels, context.method
        return cls(
            context,
            levels,
            ruleset.levels_map.get(levels) if levels is not None else None,
            method,
            ruleset.approach_map.get(method) if method in METHODS else None,
            context.approach == "open" or method == "none",
            context.approach == "percutaneous" and method != "none",
            context.approach == "open",
            {},
        )


_FIELDS = (
    "name",
    "version",
    "procedure_codes",
    "spinal_categories",
    "levels_category",
    "levels_unspecified",
    "levels_map",
    "approach_category",
    "approach_unspecified",
    "approach_map",
    "site_chapter",
    "site_excluded_categories",
)


def _is_list(value: Any) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping)


def _parse_map_level(key: Any) -> int:
    # JSON turns {1: ...} into {"1": ...}: accept both, nothing else.
    if isinstance(key, str) and key.strip().isascii() and key.strip().isdigit():
        key = int(key)
    if type(key) is not int or key < 1:
        raise RuleSetError(f"levels_map keys must be whole numbers, 1 or more, not {key!r}")
    return key
