"""Read a NICE interventional procedures guidance page saved as text, and derive its rule set.

The page format (as `import_guidance` receives it): a sentence "... has issued full guidance to
the NHS ... on <Title>.", optionally "It replaces the previous guidance ... (NICE
interventional procedures guidance 183, June 2006).", and a "Coding recommendations" block:
one `CODE Title` a line (`V55.- Levels of spine` names a category), "Site code from Chapter
Z", and notes that name the unspecified code of a category ("... V55.9 Unspecified levels of
spine is used."). The block ends at the next heading (a short line without a full stop).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .catalogue import Catalogue, grow_maps
from .codes import SUBSIDIARY_CHAPTERS, normalise
from .errors import GuidanceFormatError
from .ruleset import RuleSet, levels_from_title, method_from_title

_TITLE = re.compile(
    r"full guidance to the NHS\b[^.\n]*?\son\s+(?P<title>[^\n]+?)(?:\.(?=\s|$)|[ \t]*$)", re.M
)
_REPLACES = re.compile(
    r"replaces[^()]*?\(\s*NICE interventional procedures guidance\s+(?P<number>\d+)"
    r"(?:\s*,\s*(?P<date>[A-Z][a-z]+\s+\d{4}))?\s*\)",
    re.I,
)
_BLOCK_START = re.compile(r"^\s*coding recommendations\s*$", re.I | re.M)
_CODE_LINE = re.compile(r"(?P<code>[A-Z]\d{2}(?:\.\d|\.-)?)\s+(?P<title>\S.*?)")
_SITE_LINE = re.compile(r"site codes? from chapter (?P<chapter>[A-Z])\.?", re.I)
_CATEGORY_REF = re.compile(r"\b(?P<category>[A-Z]\d{2})\.-")
_NAMED_CODE = re.compile(
    r"\b(?P<code>[A-Z]\d{2}\.\d)\s+(?P<title>[A-Z][^.:;]*?)\s+(?:is|are)\s+(?:used|assigned|coded)\b"
)
_DEFAULT_LEVELS = "V55"
_DEFAULT_APPROACH = "Y53"


@dataclass(frozen=True)
class ListedCode:
    code: str  # normalised: "V40.1", or "V55" for a category listed as "V55.-"
    title: str

    @property
    def is_category(self) -> bool:
        return len(self.code) == 3


@dataclass(frozen=True)
class GuidancePage:
    title: str | None
    supersedes: str | None  # "IPG183"
    supersedes_date: str | None  # "June 2006"
    listed: tuple[ListedCode, ...]  # the code lines of the coding recommendations, in order
    site_chapter: str | None  # "Z" when the page asks for a "Site code from Chapter Z"
    notes: tuple[str, ...]
    unspecified: Mapping[str, str] = field(default_factory=dict)  # {"V55": "V55.9"}
    code_titles: Mapping[str, str] = field(default_factory=dict)  # every code titled on the page

    def catalogue_rows(self, reference: str) -> list[tuple[str, str, str]]:
        """(code, title, source) for the catalogue, source "NICE <REF> coding recommendations"."""
        source = f"NICE {reference.strip().upper()} coding recommendations"
        return [(code, title, source) for code, title in self.code_titles.items()]


def parse_guidance(text: str) -> GuidancePage:
    title_match = _TITLE.search(text)
    replaces = _REPLACES.search(text)
    start = _BLOCK_START.search(text)
    if start is None:
        raise GuidanceFormatError(
            "no 'Coding recommendations' section: expected a NICE interventional procedures "
            "guidance page saved as text"
        )
    listed: list[ListedCode] = []
    notes: list[str] = []
    site_chapter: str | None = None
    for raw in text[start.end() :].splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if m := _CODE_LINE.fullmatch(line):
            code = normalise(m["code"])
            if code is not None:
                listed.append(ListedCode(code, m["title"].rstrip(" .")))
                continue
        if m := _SITE_LINE.fullmatch(line):
            site_chapter = m["chapter"].upper()
            continue
        if _is_heading(line):
            break
        notes.append(line)
    if not listed:
        raise GuidanceFormatError("the 'Coding recommendations' section lists no codes")

    code_titles = {item.code: item.title for item in listed}
    unspecified: dict[str, str] = {}
    for note in notes:
        for m in _NAMED_CODE.finditer(note):
            code, named = m["code"], m["title"].strip()
            code_titles.setdefault(code, named)
            if named.lower().startswith("unspecified"):
                unspecified[code[:3]] = code
    return GuidancePage(
        title=title_match["title"].strip() if title_match else None,
        supersedes=f"IPG{int(replaces['number'])}" if replaces else None,
        supersedes_date=replaces["date"] if replaces and replaces["date"] else None,
        listed=tuple(listed),
        site_chapter=site_chapter,
        notes=tuple(notes),
        unspecified=MappingProxyType(unspecified),
        code_titles=MappingProxyType(code_titles),
    )


def _is_heading(line: str) -> bool:
    # "Your responsibility", "Recommendations": short, and not a sentence.
    return len(line) <= 60 and line[-1] not in ".:;,)" and not _CATEGORY_REF.search(line)


def _category_titled(page: GuidancePage, words: str, default: str) -> str:
    for item in page.listed:
        if item.is_category and words in item.title.lower():
            return item.code
    return default


def derive_ruleset(
    page: GuidancePage, *, name: str, version: int = 1, catalogue: Catalogue | None = None
) -> RuleSet:
    """Procedure codes: the listed codes outside Chapters Y and Z and the levels category (Z
    codes listed are examples of sites). Levels and image-control codes listed with a known
    title ("One level of spine", "Approach to organ under fluoroscopic control") fill the maps;
    with a catalogue, grow_maps() adds the ones its titles name (IPG366 lists only V55.- and
    Y53.-: the shipped catalogue gives it {1: V55.1} and fluoroscopy/ultrasound)."""
    levels_category = _category_titled(page, "levels of spine", _DEFAULT_LEVELS)
    approach_category = _category_titled(page, "image control", _DEFAULT_APPROACH)
    procedures: list[str] = []
    levels_map: dict[int, str] = {}
    approach_map: dict[str, str] = {}
    for item in page.listed:
        code, category = item.code, item.code[:3]
        if item.is_category:
            continue
        if category == levels_category:
            if (n := levels_from_title(item.title)) is not None:
                levels_map.setdefault(n, code)
        elif category == approach_category:
            if method := method_from_title(item.title):
                approach_map.setdefault(method, code)
        elif code[0] not in SUBSIDIARY_CHAPTERS:
            procedures.append(code)
    if not procedures:
        raise GuidanceFormatError(
            "the coding recommendations list no procedure code (only Chapter Y/Z and levels codes)"
        )
    ruleset = RuleSet(
        name=name,
        version=version,
        procedure_codes=tuple(procedures),
        levels_category=levels_category,
        levels_unspecified=page.unspecified.get(levels_category, f"{levels_category}.9"),
        levels_map=levels_map,
        approach_category=approach_category,
        approach_unspecified=page.unspecified.get(approach_category, f"{approach_category}.9"),
        approach_map=approach_map,
        site_chapter=page.site_chapter,
    )
    return grow_maps(ruleset, catalogue) if catalogue is not None else ruleset


def ipg366_ruleset() -> RuleSet:
    """IPG366 as SPEC section 3 states it (the seed `seed_demo` stores)."""
    return RuleSet(
        name="IPG366",
        version=1,
        procedure_codes=("V40.1",),
        levels_map={1: "V55.1"},
        approach_map={"fluoroscopy": "Y53.4", "ultrasound": "Y53.2"},
    )
