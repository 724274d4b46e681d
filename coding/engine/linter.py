"""The OPCS-4 sequence linter: SPEC section 3's rules, each issue with its fix in `suggested`.

A coded episode is blocks `procedure [V55] [Y53] [other Y or Z codes...]`, then site codes.
The validator splits the codes into blocks at each main code (any code outside Chapters Y and
Z and the levels category), gives each block a levels slot (spinal operations only) and an
image-control slot, and rebuilds the sequence with every fix applied. How it reads the SPEC:

- `suggested` is null when a code fails `format`: the engine will not guess what a mistyped
  code meant, and dropping it could silently lose a procedure. Codes failing `format` are
  left out of the other checks, which are reported as if the code were absent. It is null
  too when the fixes would need more than the 24 codes an episode holds.
- "Directly after" is judged slot by slot: a Y53 code right after a spinal operation whose
  V55 code is missing is in place (levels-missing inserts the V55 before it); after a main
  code that is not a spinal operation, Y53 follows the main code itself.
- A V55 or Y53 code goes to the nearest earlier block with its slot free (codes before the
  first main code go to the first such block); one no block can hold (a second V55 for the
  same operation, a V55 with no spinal operation) is misplaced and its fix is to delete it.
- Every Chapter Y or Z code before the first main code is subsidiary-primary (moved after
  the first block; site and laterality codes to the end). With no main code at all nothing
  structural is judged: primary-procedure reports the missing procedure.
- primary-procedure warns when the first main code is not a rule set procedure code but a
  later one is; a sequence that only starts with a Y/Z code gets subsidiary-primary instead.
- The context describes the case: it decides the V55 and Y53 codes of every block, and Y53
  is required after the rule set's procedure codes only. When the rule set has no code for
  the count or method given (3 levels with only `{1: V55.1}`), the unspecified code is the
  best available and is accepted; a code meaning another count or method is still a mismatch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from json.encoder import encode_basestring_ascii
from typing import Any, NamedTuple

from .catalogue import Catalogue
from .codes import normalise
from .errors import UsageError
from .ruleset import (
    APPROACH,
    APPROACH_LETTERS,
    GOVERNED_LETTERS,
    LEVELS,
    LEVELS_LETTERS,
    METHOD,
    METHODS,
    NON_SITE,
    PROCEDURE,
    SITE,
    SPINAL,
    Context,
    ContextPlan,
    RuleSet,
)

MAX_CODES = 24  # HES OPERTN_01..OPERTN_24

ERROR = "error"
WARNING = "warning"

RULES = (
    "format",
    "unknown-code",
    "subsidiary-primary",
    "primary-procedure",
    "levels-missing",
    "levels-misplaced",
    "levels-mismatch",
    "approach-missing",
    "approach-misplaced",
    "approach-mismatch",
    "approach-unexpected",
    "site-missing",
)
# Rules whose fix `suggested` applies: none of these may survive a second validation.
FIXABLE_RULES = frozenset(
    {
        "subsidiary-primary",
        "levels-missing",
        "levels-misplaced",
        "levels-mismatch",
        "approach-missing",
        "approach-misplaced",
        "approach-mismatch",
    }
)
_RANK = {rule: rank for rank, rule in enumerate(RULES)}
_MAIN = (SPINAL, PROCEDURE)  # kinds that start a block
_TEXT = (str, bytes)
_NO_CONTEXT = Context()

Item = tuple[int, str, str]  # (1-based position, normalised code, kind)


class Issue(NamedTuple):
    rule: str
    severity: str
    position: int | None
    code: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "position": self.position,
            "code": self.code,
            "message": self.message,
        }

    def to_json(self) -> str:
        """`json.dumps(self.to_dict())`, character for character."""
        position, code = self.position, self.code
        return (
            f'{{"rule": {_string(self.rule)}, "severity": {_string(self.severity)}, '
            f'"position": {"null" if position is None else position}, '
            f'"code": {"null" if code is None else _string(code)}, '
            f'"message": {_string(self.message)}}}'
        )


@dataclass(slots=True)
class Result:
    """`codes` are normalised (a code failing `format` stays as given, stripped);
    `suggested` is every fix applied, or None when a code fails `format` or the fixed
    sequence would not fit in 24 codes."""

    valid: bool
    codes: list[str]
    issues: list[Issue]
    suggested: list[str] | None
    ruleset: str
    ruleset_version: int

    def to_dict(self) -> dict[str, Any]:
        """Exactly the SPEC result object."""
        return {
            "valid": self.valid,
            "codes": self.codes,
            "issues": [issue.to_dict() for issue in self.issues],
            "suggested": self.suggested,
            "ruleset": self.ruleset,
            "ruleset_version": self.ruleset_version,
        }

    def to_json(self) -> str:
        """`json.dumps(self.to_dict())`, character for character, built faster: bulk runs
        serialise every row."""
        issues = [issue.to_json() for issue in self.issues]
        suggested = self.suggested
        if suggested is None:  # a code failed `format`: it may need escaping
            codes = "[" + ", ".join(map(_string, self.codes)) + "]"
            suggested_json = "null"
        else:  # normalised codes are plain ASCII
            codes = _json_codes(self.codes)
            suggested_json = codes if suggested == self.codes else _json_codes(suggested)
        return (
            f'{{"valid": {"true" if self.valid else "false"}, "codes": {codes}, '
            f'"issues": [{", ".join(issues)}], "suggested": {suggested_json}, '
            f'"ruleset": {_json_name(self.ruleset)}, "ruleset_version": {self.ruleset_version}}}'
        )

    @property
    def rules(self) -> list[str]:
        """The distinct rules of the issues, in the order they first appear."""
        rules: list[str] = []
        for issue in self.issues:
            if issue.rule not in rules:
                rules.append(issue.rule)
        return rules


# A string as json.dumps() writes one (ensure_ascii): the C function it calls itself.
_string = encode_basestring_ascii


@lru_cache(maxsize=256)
def _json_name(name: str) -> str:
    return _string(name)


def _json_codes(codes: list[str]) -> str:
    return '["' + '", "'.join(codes) + '"]' if codes else "[]"


class _Block:
    """A main code and what follows it up to the next main code."""

    __slots__ = (
        "governed",
        "index",
        "item",
        "levels",
        "levels_moved",
        "method",
        "method_moved",
        "rest",
        "spinal",
    )

    def __init__(self, index: int, item: Item, governed: bool) -> None:
        self.index = index
        self.item = item
        self.governed = governed  # a procedure code of the rule set
        self.spinal = item[2] == SPINAL
        self.levels: Item | None = None
        self.levels_moved = False
        self.method: Item | None = None  # the block's Y53 code
        # Why the Y53 code must move: None (it is in place), "moved", or "first" (it came
        # before every main code, which is the subsidiary-primary rule).
        self.method_moved: str | None = None
        self.rest: list[Item] = []  # other Y codes, sites, laterality: kept in order


def code_count_error(count: int) -> str | None:
    """The one check of the 24-code limit (HES OPERTN_01..24), for the engine, the bulk reader,
    the services, the API and the page alike; None when `count` codes fit."""
    if count <= MAX_CODES:
        return None
    return (
        f"{count} codes, more than the {MAX_CODES} an episode holds "
        f"(OPERTN_01 to OPERTN_{MAX_CODES})"
    )


def validate(
    codes: Sequence[str],
    *,
    ruleset: RuleSet,
    context: Context = _NO_CONTEXT,
    catalogue: Catalogue,
) -> Result:
    """Validate one coded episode. Raises UsageError for more than 24 codes or a bare string;
    any list of up to 24 strings gives a Result."""
    if isinstance(codes, _TEXT):
        raise UsageError("codes must be a list of codes, not one string")
    too_many = code_count_error(len(codes))
    if too_many:
        raise UsageError(too_many)
    fast = _in_order(codes, ruleset, ruleset.plan(context), catalogue._titles)
    if fast is None:
        return _validate_full(codes, ruleset, context, catalogue)
    out, unknown = fast
    if unknown is None:
        return Result(True, out, [], out.copy(), ruleset.name, ruleset.version)
    full = catalogue.full
    issues = [_unknown(position, out[position - 1], full) for position in unknown]
    return Result(not full, out, issues, out.copy(), ruleset.name, ruleset.version)


def _in_order(
    codes: Sequence[str], ruleset: RuleSet, plan: ContextPlan, titles: Mapping[str, str]
) -> tuple[list[str], list[int] | None] | None:
    """The fast path for the usual episode, already coded right: the normalised codes and the
    1-based positions of those missing from the catalogue (None when there are none), when
    the sequence needs no fix at all, so its only possible issues are unknown-code; None when
    the full path must judge it (see _shape_in_order)."""
    shape = _shape(codes, ruleset)
    in_order = plan.shapes.get(shape)
    if in_order is None:
        if len(plan.shapes) >= _SHAPES_SIZE:
            plan.shapes.clear()
        in_order = plan.shapes[shape] = _shape_in_order(shape, ruleset, plan)
    if not in_order:
        return None
    try:
        out = list(map(ruleset._codes.__getitem__, codes))
    except KeyError:  # the cache was emptied since the shape was read
        out = [ruleset._entry(raw)[0] for raw in codes]  # type: ignore[misc]
    unknown = [position for position, code in enumerate(out, 1) if code not in titles]
    return out, unknown or None


_SHAPES_SIZE = 4096
# A shape's letter with this bit set is a code missing from the catalogue (bulk.judge).
UNKNOWN_BIT = 0x80
_LEVELS_AT = {letter: digit for digit, letter in enumerate(LEVELS_LETTERS)}
_APPROACH_AT = {letter: digit for digit, letter in enumerate(APPROACH_LETTERS)}
# The letters of main codes -> whether the code is a spinal operation.
_MAIN_LETTERS = {
    PROCEDURE: False,
    SPINAL: True,
    GOVERNED_LETTERS[PROCEDURE]: False,
    GOVERNED_LETTERS[SPINAL]: True,
}
_GOVERNED = frozenset(GOVERNED_LETTERS.values())


def _shape(codes: Sequence[str], ruleset: RuleSet) -> str:
    """The letters of the codes as given (RuleSet._letter), one a code."""
    try:
        return "".join(map(ruleset._letters.__getitem__, codes))
    except (KeyError, TypeError):  # a spelling not seen yet, or not a string
        return "".join([ruleset._letter(raw) for raw in codes])


def _shape_in_order(shape: str, ruleset: RuleSet, plan: ContextPlan) -> bool:
    """Whether a sequence of this shape (RuleSet._letter) needs no fix in the case `plan`
    describes: whether _validate_full() reports nothing but unknown-code for it and suggests
    the codes unchanged.

    That is blocks `main [V55] [Y53] [others...]`, the first main code a rule set procedure,
    V55 directly after a spinal operation (which must have one) and right for a known count,
    Y53 directly after the main code or its V55, right for a named method, not on an open or
    unguided case, and present after a procedure code when the case needs it; a site code
    when the rule set asks for one."""
    # A V55 (Y53) code is right for a known count (a named method) when it is the rule set's
    # code for it or, when the rule set has none, a code the rule set gives no other meaning.
    levels, expected_levels = plan.levels, plan.expected_levels
    levels_meaning = ruleset._levels_meaning
    method, expected_method = plan.method, plan.expected_method
    method_meaning = ruleset._approach_meaning
    # 0: before the first main code; 1: right after a main code; 2: after its V55;
    # 3: after its Y53; 4: after any other code of the block.
    state = 0
    spinal = has_levels = needs_method = has_site = False
    for letter in shape:
        if letter in _MAIN_LETTERS:
            governed = letter in _GOVERNED
            if state == 0:
                if not governed:
                    return False
            elif needs_method or (spinal and not has_levels):
                return False
            spinal = _MAIN_LETTERS[letter]
            has_levels = False
            needs_method = plan.needs_method and governed
            state = 1
        elif letter in _LEVELS_AT:
            if state != 1 or not spinal:
                return False
            code = f"{ruleset.levels_category}.{_LEVELS_AT[letter]}"
            if (
                levels is not None
                and code != expected_levels
                and (expected_levels is not None or levels_meaning.get(code, levels) != levels)
            ):
                return False
            has_levels = True
            state = 2
        elif letter in _APPROACH_AT:
            if state == 0 or state > 2 or plan.unexpected:
                return False
            code = f"{ruleset.approach_category}.{_APPROACH_AT[letter]}"
            if (
                method in METHODS
                and code != expected_method
                and (expected_method is not None or method_meaning.get(code, method) != method)
            ):
                return False
            needs_method = False
            state = 3
        elif letter in (METHOD, SITE, NON_SITE):
            if state == 0:
                return False
            if letter == SITE:
                has_site = True
            state = 4
        else:  # NOT_A_CODE
            return False
    if state == 0 or needs_method or (spinal and not has_levels):
        return False
    return has_site or ruleset.site_chapter is None


def _validate_full(
    codes: Sequence[str], ruleset: RuleSet, context: Context, catalogue: Catalogue
) -> Result:
    """validate() for any sequence: every rule, every fix."""
    entries = ruleset._entries
    titles = catalogue._titles
    governed = ruleset._procedures
    read: list[Read] = []
    add = read.append
    for raw in codes:
        try:
            entry = entries[raw]
        except KeyError:
            entry = ruleset._entry(raw)
        except TypeError:  # unhashable: not a code either
            entry = ()
        if entry:
            code = entry[0]
            add((code, entry[1], code in titles, code in governed))
        else:
            add((raw.strip() if isinstance(raw, str) else repr(raw), None, False, False))
    return _judge(read, ruleset, context, catalogue.full)


# A code as the full path reads it: (normalised code, kind, in the catalogue, a procedure code
# of the rule set); a code failing `format` is (the code as given, stripped, None, False, False).
Read = tuple[str, str | None, bool, bool]


def _judge(read: list[Read], ruleset: RuleSet, context: Context, full: bool) -> Result:
    """The full path on codes as read. What it decides rests on each code's kind, whether it
    is known and governed and, for a levels or image-control code, the code itself: all that
    the shape of a sequence keeps (RuleSet._letter). Other codes are only copied into the
    result, so that a shape can be judged once with placeholders for them (_judge_shape)."""
    # One pass: the format and unknown-code issues, and the blocks.
    out: list[str] = []
    add = out.append
    issues: list[Issue] = []
    blocks: list[_Block] = []
    lead: list[Item] = []  # codes before the first main code
    strays: list[tuple[int, Item]] = []  # V55/Y53 codes their block cannot hold: (block, item)
    block: _Block | None = None
    has_site = False
    well_formed = True
    after = 0  # codes seen after the current main code
    only_levels = True  # and all of them V55 codes
    position = 0
    for code, kind, known, governed in read:
        position += 1
        add(code)
        if kind is None:
            issues.append(_format_issue(position, code))
            well_formed = False
            continue
        if not known:
            issues.append(_unknown(position, code, full))
        if kind in _MAIN:
            block = _Block(len(blocks), (position, code, kind), governed)
            blocks.append(block)
            after, only_levels = 0, True
            continue
        if kind == SITE:
            has_site = True
        if block is None:
            lead.append((position, code, kind))
            continue
        after += 1
        if kind == LEVELS:
            if block.levels is None and block.spinal:
                block.levels = (position, code, kind)
                block.levels_moved = after != 1
            else:
                strays.append((block.index, (position, code, kind)))
            continue
        if kind == APPROACH:
            if block.method is None:
                block.method = (position, code, kind)
                block.method_moved = None if only_levels else "moved"
            else:
                strays.append((block.index, (position, code, kind)))
        else:
            block.rest.append((position, code, kind))
        only_levels = False

    suggested: list[str] | None = _check_blocks(
        blocks, lead, strays, has_site, ruleset, context, issues
    )
    valid = True
    for issue in issues:
        if issue.severity == ERROR:
            valid = False
            break
    if len(issues) > 1:
        issues.sort(key=_issue_order)
    if not well_formed or len(suggested) > MAX_CODES:
        suggested = None
    # Positional: a dataclass binds keywords markedly slower, and bulk runs call this per row.
    return Result(valid, out, issues, suggested, ruleset.name, ruleset.version)


# Placeholders for the codes a shape's result only copies (_judge_shape), one a position:
# characters of Unicode's private use area, which no rule set's name may contain for bulk.judge
# to use them (no other text of a result is free).
PLACEHOLDERS = "".join(chr(0xE000 + at) for at in range(MAX_CODES))
# The letters of the kinds other than main, levels and image-control codes.
_OTHER_KINDS = {METHOD: METHOD, SITE: SITE, NON_SITE: NON_SITE}


def _judge_shape(shape: str, ruleset: RuleSet, context: Context, full: bool) -> Result | None:
    """_judge() of every sequence of this shape (its letters carrying UNKNOWN_BIT for the codes
    missing from the catalogue) at once: the result with PLACEHOLDERS[i] wherever the code at
    position i + 1 is copied. None for a shape with a code failing format, whose messages
    depend on the code's text, or longer than an episode."""
    if len(shape) > MAX_CODES:
        return None
    read: list[Read] = []
    for at, letter in enumerate(shape):
        known = not ord(letter) & UNKNOWN_BIT
        letter = chr(ord(letter) & ~UNKNOWN_BIT)
        governed = False
        if letter in _LEVELS_AT:
            code, kind = f"{ruleset.levels_category}.{_LEVELS_AT[letter]}", LEVELS
        elif letter in _APPROACH_AT:
            code, kind = f"{ruleset.approach_category}.{_APPROACH_AT[letter]}", APPROACH
        elif letter in _MAIN_LETTERS:
            code = PLACEHOLDERS[at]
            kind = SPINAL if _MAIN_LETTERS[letter] else PROCEDURE
            governed = letter in _GOVERNED
        elif letter in _OTHER_KINDS:
            code, kind = PLACEHOLDERS[at], _OTHER_KINDS[letter]
        else:  # NOT_A_CODE
            return None
        read.append((code, kind, known, governed))
    return _judge(read, ruleset, context, full)


def _issue_order(issue: Issue) -> tuple[int, int]:
    return (issue.position if issue.position is not None else MAX_CODES + 1, _RANK[issue.rule])


def _format_issue(position: int, shown: str) -> Issue:
    category = normalise(shown)
    if category is not None:  # V55 or V55.-
        message = (
            f"{shown} is a category, not a code: code it with its fourth character ({category}.x)"
        )
    elif not shown:
        message = "an empty code: remove it"
    else:
        message = (
            f"{shown!r} is not an OPCS-4 code: a code is a chapter letter and three digits, "
            "such as V40.1"
        )
    return Issue("format", ERROR, position, shown, message)


# With a partial catalogue most episodes have an unknown code: build each issue once.
_UNKNOWN: dict[tuple[int, str, bool], Issue] = {}
_UNKNOWN_SIZE = 50_000


def _unknown(position: int, code: str, full: bool) -> Issue:
    key = (position, code, full)
    issue = _UNKNOWN.get(key)
    if issue is None:
        if len(_UNKNOWN) >= _UNKNOWN_SIZE:
            _UNKNOWN.clear()
        issue = _UNKNOWN[key] = _make_unknown(position, code, full)
    return issue


def _make_unknown(position: int, code: str, full: bool) -> Issue:
    if full:
        return Issue(
            "unknown-code",
            ERROR,
            position,
            code,
            f"{code} is not in the loaded OPCS-4 release: check the code",
        )
    return Issue(
        "unknown-code",
        WARNING,
        position,
        code,
        f"{code} is not in the code catalogue, which holds only the codes NICE pages cite: "
        "check it, or load a full OPCS-4 release",
    )


def _check_blocks(
    blocks: list[_Block],
    lead: list[Item],
    strays: list[tuple[int, Item]],
    has_site: bool,
    rs: RuleSet,
    ctx: Context,
    issues: list[Issue],
) -> list[str]:
    """Append the structural issues to `issues`; return the sequence with every fix applied."""
    name = rs.name
    moved_first: list[Item] = []  # Chapter Y/Z codes before the first main code
    # With no main code at all there is no structure to judge: primary-procedure says what is
    # missing, and the codes stay as they are until the procedure is added.
    if blocks and lead:
        for item in lead:
            if item[2] == LEVELS or item[2] == APPROACH:
                strays.append((-1, item))
            else:
                moved_first.append(item)
    if strays:
        strays.sort(key=lambda stray: stray[1][0])
        _rehome([s for s in strays if s[1][2] == LEVELS], blocks, "levels", rs, issues)
        _rehome([s for s in strays if s[1][2] == APPROACH], blocks, "method", rs, issues)

    first_governed = None
    for block in blocks:
        if block.governed:
            first_governed = block.item
            break
    if first_governed is None:
        listed = " or ".join(rs.procedure_codes)
        issues.append(
            Issue(
                "primary-procedure",
                ERROR,
                None,
                None,
                f"no {listed}: {name} is coded with {listed} as the main procedure; add it first",
            )
        )
    elif first_governed is not blocks[0].item:
        issues.append(
            Issue(
                "primary-procedure",
                WARNING,
                first_governed[0],
                first_governed[1],
                f"{first_governed[1]} is the procedure {name} governs: code it first, "
                f"before {blocks[0].item[1]}",
            )
        )

    plan = rs.plan(ctx)
    levels, expected_levels = plan.levels, plan.expected_levels
    method, expected_method, unexpected = plan.method, plan.expected_method, plan.unexpected
    body: list[str] = []
    for block in blocks:
        p_code = block.item[1]
        body.append(p_code)
        if block.spinal:
            item = block.levels
            if (
                item is not None
                and not block.levels_moved
                and (levels is None or item[1] == expected_levels)
            ):
                body.append(item[1])  # in place and right: the usual case
            else:
                body.append(_levels_slot(block, rs, plan, issues))
        item = block.method
        if item is not None:
            if (
                block.method_moved is None
                and not unexpected
                and (method not in METHODS or item[1] == expected_method)
            ):
                body.append(item[1])
            else:
                body.append(_method_slot(block, rs, plan, issues))
        elif plan.needs_method and block.governed:
            body.append(_insert_method(block, rs, method, issues))
        if block.index == 0 and moved_first:
            body.extend([item[1] for item in moved_first if item[2] == METHOD])
        if block.rest:
            body.extend([item[1] for item in block.rest])

    if moved_first:
        _report_first(moved_first, blocks[0], issues)
        sites = [item[1] for item in moved_first if item[2] == SITE]
        laterality = [item[1] for item in moved_first if item[2] == NON_SITE]
        if sites:
            # Sites go before any laterality codes that end the sequence: the last block's
            # (what comes before a block's other codes is never laterality).
            rest = blocks[-1].rest
            end = len(rest)
            while end and rest[end - 1][2] == NON_SITE:
                end -= 1
            at = len(body) - (len(rest) - end)
            body[at:at] = sites
        body.extend(laterality)
    elif not blocks:
        body = [item[1] for item in lead]

    if rs.site_chapter is not None and not has_site:
        excluded = ", ".join(sorted(rs.site_excluded_categories))
        issues.append(
            Issue(
                "site-missing",
                ERROR,
                None,
                None,
                f"no site code: add a Chapter {rs.site_chapter} code for the site operated on "
                f"({excluded} does not count as a site)",
            )
        )
    return body


def _rehome(
    homeless: list[tuple[int, Item]],
    blocks: list[_Block],
    slot: str,
    rs: RuleSet,
    issues: list[Issue],
) -> None:
    """Give each stray V55 (or Y53) code to the nearest block before it whose slot is empty
    (codes before the first main code go to the first such block); delete the rest."""
    is_levels = slot == "levels"
    for index, item in homeless:
        candidates = blocks[index::-1] if index >= 0 else blocks
        target = next(
            (b for b in candidates if getattr(b, slot) is None and (not is_levels or b.spinal)),
            None,
        )
        if target is not None:
            setattr(target, slot, item)
            if is_levels:
                target.levels_moved = True
            else:
                target.method_moved = "first" if index < 0 else "moved"
            continue
        position, code = item[0], item[1]
        if is_levels:
            why = (
                "every spinal operation here already has its levels code"
                if any(b.spinal for b in blocks)
                else "no code here is a spinal operation"
            )
            issues.append(
                Issue(
                    "levels-misplaced",
                    ERROR,
                    position,
                    code,
                    f"{code} (levels of spine) must directly follow a spinal operation, but "
                    f"{why}: delete it",
                )
            )
        elif index < 0:
            issues.append(
                Issue(
                    "subsidiary-primary",
                    ERROR,
                    position,
                    code,
                    f"{code} cannot come first, and every procedure here already has its "
                    f"{rs.approach_category} code: delete it",
                )
            )
        else:
            issues.append(
                Issue(
                    "approach-misplaced",
                    ERROR,
                    position,
                    code,
                    f"{code} repeats an image-control code: every procedure here already has "
                    "one; delete it",
                )
            )


def _plural(n: int) -> str:
    return "1 level" if n == 1 else f"{n} levels"


def _treated(n: int) -> str:
    return "1 level was treated" if n == 1 else f"{n} levels were treated"


def _levels_slot(block: _Block, rs: RuleSet, plan: ContextPlan, issues: list[Issue]) -> str:
    p_position, p_code, _ = block.item
    levels = plan.levels
    expected = rs.levels_map.get(levels) if levels is not None else None
    fallback = expected or rs.levels_unspecified
    missing_note = (
        "" if levels is None or expected else f" (this rule set has no code for {_plural(levels)})"
    )
    if block.levels is None:
        why = "levels unknown" if levels is None else f"{_plural(levels)} treated"
        issues.append(
            Issue(
                "levels-missing",
                ERROR,
                p_position,
                p_code,
                f"{p_code} is a spinal operation: {rs.levels_category} (levels of spine) must "
                f"follow it; {why}, so {fallback}{missing_note}",
            )
        )
        return fallback
    position, code, _ = block.levels
    if block.levels_moved:
        issues.append(
            Issue(
                "levels-misplaced",
                ERROR,
                position,
                code,
                f"{code} must directly follow the spinal operation {p_code}: move it there",
            )
        )
    if levels is None:
        return code
    meaning = rs.levels_of(code)
    if expected is not None and code != expected:
        if code == rs.levels_unspecified:
            said = "says the levels are unspecified"
        elif meaning is not None:
            said = f"means {_plural(meaning)}"
        else:
            said = f"is not the code for {_plural(levels)}"
    elif expected is None and meaning is not None and meaning != levels:
        said = f"means {_plural(meaning)}"
    else:
        return code
    issues.append(
        Issue(
            "levels-mismatch",
            ERROR,
            position,
            code,
            f"{code} {said}, but {_treated(levels)}: use {fallback}{missing_note}",
        )
    )
    return fallback


def _method_text(method: str | None) -> str:
    return {"ct": "CT", "mri": "MRI"}.get(method or "", method or "")


def _method_slot(block: _Block, rs: RuleSet, plan: ContextPlan, issues: list[Issue]) -> str:
    assert block.method is not None
    method = plan.method
    position, code, _ = block.method
    p_code = block.item[1]
    if block.method_moved:
        after = f"{p_code}'s {rs.levels_category} code" if block.item[2] == SPINAL else p_code
        if block.method_moved == "first":
            rule, text = "subsidiary-primary", f"{code} cannot come first: move it after {after}"
        else:
            rule, text = "approach-misplaced", f"{code} must directly follow {after}: move it there"
        issues.append(Issue(rule, ERROR, position, code, text))
    if plan.unexpected:
        why = "the case was open" if plan.open else "no image guidance was used"
        issues.append(
            Issue(
                "approach-unexpected",
                WARNING,
                position,
                code,
                f"{code} codes a percutaneous approach under image control, but {why}: "
                "check the case or the code",
            )
        )
        return code
    if method not in METHODS:
        return code
    expected = rs.approach_map.get(method)
    meaning = rs.method_of(code)
    if expected is not None and code != expected:
        if code == rs.approach_unspecified:
            said = "says the method of image control is unspecified"
        elif meaning is not None:
            said = f"means {_method_text(meaning)}"
        else:
            said = f"is not the code for {_method_text(method)}"
        fix, note = expected, ""
    elif expected is None and meaning is not None and meaning != method:
        said = f"means {_method_text(meaning)}"
        fix = rs.approach_unspecified
        note = f" (this rule set has no code for {_method_text(method)})"
    else:
        return code
    issues.append(
        Issue(
            "approach-mismatch",
            ERROR,
            position,
            code,
            f"{code} {said}, but the image guidance was {_method_text(method)}: use {fix}{note}",
        )
    )
    return fix


def _insert_method(block: _Block, rs: RuleSet, method: str | None, issues: list[Issue]) -> str:
    p_position, p_code, p_kind = block.item
    expected = rs.approach_map.get(method) if method in METHODS else None
    if expected:
        why = f"{_method_text(method)}, so {expected}"
    elif method in METHODS:
        why = (
            f"{_method_text(method)}, but this rule set has no code for it, "
            f"so {rs.approach_unspecified}"
        )
    else:
        why = f"method unspecified, so {rs.approach_unspecified}"
    after = f"its {rs.levels_category} code" if p_kind == SPINAL else "it"
    issues.append(
        Issue(
            "approach-missing",
            ERROR,
            p_position,
            p_code,
            f"{p_code} was done percutaneously with image guidance: {rs.approach_category} "
            f"(approach to organ under image control) must follow {after}; {why}",
        )
    )
    return expected or rs.approach_unspecified


def _report_first(moved: list[Item], first: _Block, issues: list[Issue]) -> None:
    p_code = first.item[1]
    for position, code, kind in moved:
        if kind == METHOD:
            text = (
                f"{code} is a method code (Chapter Y) and cannot come first: move it after {p_code}"
            )
        else:
            what = "a site code" if kind == SITE else "a laterality code"
            text = (
                f"{code} is {what} (Chapter Z) and cannot come first: "
                "move it after the procedure codes"
            )
        issues.append(Issue("subsidiary-primary", ERROR, position, code, text))
