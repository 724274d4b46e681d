"""The OPCS-4 code catalogue: the codes NICE pages cite (shipped) or a full NHS TRUD release."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from .codes import normalise
from .errors import CatalogueFormatError
from .ruleset import RuleSet, levels_from_title, method_from_title

SHIPPED_TSV = Path(__file__).resolve().parent.parent / "data" / "opcs4_nice_codes.tsv"


class CatalogueRow(NamedTuple):
    code: str  # normalised: "V40.1", or a category "V55"
    title: str
    source: str | None  # the shipped file says where the title comes from; TRUD files do not
    line: int


class Catalogue:
    """Titles by normalised code. `full` is true once a complete TRUD release is loaded; until
    then a code missing from the catalogue is only a warning (SPEC: unknown-code)."""

    __slots__ = ("_titles", "full", "titles")

    def __init__(self, titles: Mapping[str, str], full: bool = False) -> None:
        normalised: dict[str, str] = {}
        for raw, title in titles.items():
            code = normalise(raw)
            if code is None:
                raise CatalogueFormatError(f"{raw!r} is not an OPCS-4 code or category")
            normalised[code] = title
        self._titles = normalised
        self.titles: Mapping[str, str] = MappingProxyType(normalised)
        self.full = bool(full)

    def __repr__(self) -> str:
        return f"<Catalogue {len(self._titles)} codes, {'full' if self.full else 'partial'}>"

    def __len__(self) -> int:
        return len(self._titles)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.contains(code)

    def contains(self, code: str) -> bool:
        """Any spelling; a category ("V55", "V55.-") is present only when listed itself."""
        normalised = normalise(code)
        return normalised is not None and normalised in self._titles

    def title(self, code: str) -> str | None:
        normalised = normalise(code)
        return None if normalised is None else self._titles.get(normalised)

    @classmethod
    def from_tsv(
        cls, source: str | os.PathLike[str] | Iterable[str], *, full: bool = False
    ) -> Catalogue:
        """The shipped file (`code, title, source` with a header) or a TRUD release
        (`code<TAB>title`, no header). A path is opened; anything else is read as lines."""
        return cls({row.code: row.title for row in iter_catalogue_rows(source)}, full=full)


def iter_catalogue_rows(source: str | os.PathLike[str] | Iterable[str]) -> Iterator[CatalogueRow]:
    """Rows of a catalogue file; raises CatalogueFormatError naming the line of a bad one."""
    if isinstance(source, str | os.PathLike):
        yield from _rows(_read_lines(Path(source)))
    else:
        yield from _rows(source)


def _read_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")  # older TRUD text files are Windows-encoded
    return text.splitlines()


def _rows(lines: Iterable[str]) -> Iterator[CatalogueRow]:
    seen_data = False
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n").lstrip("\ufeff")
        if not line.strip():
            continue
        fields = line.split("\t")
        if not seen_data and fields[0].strip().lower() == "code":
            seen_data = True  # the shipped file's header
            continue
        seen_data = True
        if len(fields) < 2 or not fields[1].strip():
            raise CatalogueFormatError(f"line {number}: expected code<TAB>title, got {line!r}")
        code = normalise(fields[0])
        if code is None:
            raise CatalogueFormatError(f"line {number}: {fields[0]!r} is not an OPCS-4 code")
        source = fields[2].strip() if len(fields) > 2 and fields[2].strip() else None
        yield CatalogueRow(code, fields[1].strip(), source, number)


@lru_cache(maxsize=1)
def load_shipped_catalogue() -> Catalogue:
    """The partial catalogue shipped in coding/data (immutable, so cached)."""
    return Catalogue.from_tsv(SHIPPED_TSV, full=False)


def grow_maps(ruleset: RuleSet, catalogue: Catalogue) -> RuleSet:
    """Add levels and image-guidance codes the catalogue has exact titles for
    ("Two levels of spine" -> 2, "Approach to organ under computed tomography control" -> ct).
    Existing entries win; a count or method that two codes claim is left out; the version is
    unchanged (saving the grown rule set as a new version is the caller's decision)."""
    levels: dict[int, set[str]] = {}
    methods: dict[str, set[str]] = {}
    for code, title in catalogue.titles.items():
        if len(code) != 5:
            continue
        if code[:3] == ruleset.levels_category and (n := levels_from_title(title)) is not None:
            levels.setdefault(n, set()).add(code)
        elif code[:3] == ruleset.approach_category and (m := method_from_title(title)):
            methods.setdefault(m, set()).add(code)
    levels_map = dict(ruleset.levels_map)
    used = set(levels_map.values()) | {ruleset.levels_unspecified}
    for n, found in sorted(levels.items()):
        if n not in levels_map and len(found) == 1 and not found & used:
            levels_map[n] = found.pop()
    approach_map = dict(ruleset.approach_map)
    used = set(approach_map.values()) | {ruleset.approach_unspecified}
    for m, found in sorted(methods.items()):
        if m not in approach_map and len(found) == 1 and not found & used:
            approach_map[m] = found.pop()
    if levels_map == dict(ruleset.levels_map) and approach_map == dict(ruleset.approach_map):
        return ruleset
    return ruleset.with_maps(levels_map=levels_map, approach_map=approach_map)
