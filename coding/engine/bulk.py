"""Bulk validation of a coded-episode extract: CSV in, JSON lines or CSV out, one row at a time.

Input: a header with `episode_id` and either `codes` (separated by spaces, commas or
semicolons) or `OPERTN_01`..`OPERTN_24` (HES style; empty, "-" and "&" cells are no code),
optionally `approach`, `image_guidance`, `levels`. Header names are matched ignoring case.

Output `.jsonl`: the SPEC result object with `episode_id` first, one a line. Output `.csv`:
`episode_id,valid,codes,suggested,rules` where `valid` is true/false, `codes` and `suggested`
are space-separated (`suggested` empty when null) and `rules` holds the distinct rules of the
row's issues, space-separated, in order of position.

A bad row (no episode_id, a bad context value, over 24 codes, a wrong number of fields) gives a
result with one `row-error` issue naming the field and why, and the run goes on; a missing
required column is a UsageError before anything is written.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple, TextIO

from .catalogue import Catalogue
from .errors import ContextError, UsageError
from .linter import (
    ERROR,
    MAX_CODES,
    PLACEHOLDERS,
    UNKNOWN_BIT,
    Issue,
    Result,
    _judge_shape,
    _string,
    _validate_full,
    code_count_error,
)
from .ruleset import Context, RuleSet

CSV_COLUMNS = ("episode_id", "valid", "codes", "suggested", "rules")
FORMATS = ("jsonl", "csv")
_OPERTN = re.compile(r"opertn_(\d{2})")
_EMPTY_CELLS = frozenset({"", "-", "&"})  # HES: "-" no operation, "&" not known
_CONTEXT_CACHE_SIZE = 4096
_SPELLINGS_SIZE = 1 << 16
_SHAPES_SIZE = 8192  # shapes judged and kept, for all contexts of a run
_CONTEXTS_SIZE = 4096
_UNSEEN = object()
# Rows with a code failing format are judged one by one: the last MEMO_SIZE distinct of them
# are remembered, so memory stays constant whatever the file's size.
MEMO_SIZE = 2048


class Row(NamedTuple):
    line: int  # line number in the input, for messages
    episode_id: str | None
    codes: list[str]
    context: Context
    error: tuple[str, str] | None  # (field, message naming it) for a row not validated


@dataclass
class Summary:
    rows: int = 0
    valid: int = 0
    invalid: int = 0  # validated, with at least one error
    row_errors: int = 0  # not validated: see the row-error issue
    by_rule: Counter[str] = field(default_factory=Counter)  # rows with an issue of each rule

    @property
    def exit_code(self) -> int:
        """0 when every row is valid, 1 when any is invalid or could not be read."""
        return 0 if self.invalid == 0 and self.row_errors == 0 else 1

    def __str__(self) -> str:
        text = (
            f"{self.rows} rows: {self.valid} valid, {self.invalid} invalid, "
            f"{self.row_errors} row errors"
        )
        if self.by_rule:
            text += "; " + ", ".join(f"{rule} {n}" for rule, n in self.by_rule.most_common())
        return text


def iter_rows(file: TextIO | Iterable[str]) -> Iterator[Row]:
    """Rows of the extract, lazily. The header is read at once: a missing required column
    raises UsageError here, before any row."""
    return (Row(line, eid, codes, ctx, error) for line, eid, codes, _, ctx, error, _ in scan(file))


# What scan() yields for each row: Row's fields plus the raw context cells (a cheap memo key),
# then the cells of the extra columns asked for ("" where the row is too short for one).
Scanned = tuple[
    int,
    str | None,
    list[str],
    tuple[str, str, str],
    Context,
    tuple[str, str] | None,
    tuple[str, ...],
]


def scan(file: TextIO | Iterable[str], extra: Sequence[tuple[str, ...]] = ()) -> Iterator[Scanned]:
    """The rows of an extract as tuples (see Scanned), lazily; the header is read at once.
    Each item of `extra` names a further required column by its accepted header names, the
    first one present winning (`("performed_on", "opdate_01")`); a missing one is a
    UsageError like a missing episode_id."""
    reader = csv.reader(file)
    header = next(reader, None)
    if header is None:
        raise UsageError(
            "the input is empty: expected a CSV header with episode_id and codes "
            "or OPERTN_01..OPERTN_24"
        )
    names = [name.strip().lstrip("\ufeff").lower() for name in header]
    columns = {name: i for i, name in reversed(list(enumerate(names)))}
    if "episode_id" not in columns:
        raise UsageError(f"no episode_id column in the header ({', '.join(header)})")
    opertn = sorted(
        (int(m[1]), i) for i, name in enumerate(names) if (m := _OPERTN.fullmatch(name))
    )
    if "codes" in columns and opertn:
        raise UsageError("the header has both codes and OPERTN_ columns: keep one")
    if "codes" not in columns and not opertn:
        raise UsageError(
            f"no codes or OPERTN_01..OPERTN_24 columns in the header ({', '.join(header)})"
        )
    extra_at = []
    for names in extra:
        found = next((columns[name] for name in names if name in columns), None)
        if found is None:
            raise UsageError(f"no {' or '.join(names)} column in the header ({', '.join(header)})")
        extra_at.append(found)
    return _scan_rows(reader, len(header), columns, [i for _, i in opertn], extra_at)


def _scan_rows(
    reader: Any, width: int, columns: dict[str, int], opertn: list[int], extra_at: list[int]
) -> Iterator[Scanned]:
    id_at = columns["episode_id"]
    codes_at = columns.get("codes")
    # An absent context column reads the empty cell appended to each row (index `width`).
    approach_at, guidance_at, levels_at = (
        columns.get(name, width) for name in ("approach", "image_guidance", "levels")
    )
    contexts: dict[tuple[str, str, str], Context] = {}
    no_context = Context()
    no_key = ("", "", "")
    no_extra: tuple[str, ...] = ()
    pick: Callable[[list[str]], tuple[str, ...]] | None = None
    if len(extra_at) > 1:
        pick = itemgetter(*extra_at)  # a tuple of the cells, in C
    elif extra_at:
        only = extra_at[0]

        def pick(cells: list[str]) -> tuple[str, ...]:
            return (cells[only],)

    # The empty cell that stands for absent context columns is added only when one is absent.
    pad = max(approach_at, guidance_at, levels_at) >= width
    # A line the CSV module cannot read (a cell over its size limit, a quote left open)
    # is reported as a row error, and reading goes on from the next line.
    unreadable = ("",) * len(extra_at)
    while True:
        try:
            for cells in reader:
                if not cells:
                    continue  # a blank line
                line = reader.line_num
                if len(cells) != width:
                    episode_id = (cells[id_at].strip() or None) if id_at < len(cells) else None
                    if episode_id is None and not any(cells):
                        continue  # a line of empty cells, as spreadsheets leave at the end
                    reason = f"the row has {len(cells)} fields where the header has {width}"
                    extras = tuple(cells[i] if i < len(cells) else "" for i in extra_at)
                    yield line, episode_id, [], no_key, no_context, ("row", reason), extras
                    continue
                episode_id = cells[id_at].strip() or None
                if episode_id is None and not any(cells):
                    continue  # a line of empty cells, as spreadsheets leave at the end
                extras = no_extra if pick is None else pick(cells)
                if codes_at is not None:
                    text = cells[codes_at]
                    if "," in text:
                        text = text.replace(",", " ")
                    if ";" in text:
                        text = text.replace(";", " ")
                    codes = text.split()
                else:
                    codes = [c for i in opertn if (c := cells[i].strip()) not in _EMPTY_CELLS]
                if episode_id is None:
                    error = ("episode_id", "episode_id is empty")
                    yield line, None, codes, no_key, no_context, error, extras
                    continue
                too_many = code_count_error(len(codes)) if len(codes) > MAX_CODES else None
                if too_many:
                    error = ("codes", f"codes: {too_many}")
                    yield line, episode_id, codes, no_key, no_context, error, extras
                    continue
                if pad:
                    cells.append("")
                key = (cells[approach_at], cells[guidance_at], cells[levels_at])
                context = contexts.get(key)
                if context is None:
                    try:
                        context = Context.parse(
                            approach=key[0], image_guidance=key[1], levels=key[2]
                        )
                    except ContextError as error:
                        yield (
                            line,
                            episode_id,
                            codes,
                            no_key,
                            no_context,
                            (error.field, str(error)),
                            extras,
                        )
                        continue
                    if len(contexts) >= _CONTEXT_CACHE_SIZE:
                        contexts.clear()
                    contexts[key] = context
                yield line, episode_id, codes, key, context, None, extras
            return
        except csv.Error as error:
            reason = f"the line cannot be read as CSV: {error}"
            yield reader.line_num, None, [], no_key, no_context, ("row", reason), unreadable


def row_error(row: Row, ruleset: RuleSet) -> Result:
    """The result reported for a row that could not be validated."""
    assert row.error is not None
    return Result(
        valid=False,
        codes=[code.strip() for code in row.codes],
        issues=[Issue("row-error", ERROR, None, None, f"line {row.line}: {row.error[1]}")],
        suggested=None,
        ruleset=ruleset.name,
        ruleset_version=ruleset.version,
    )


def _payload(result: Result, jsonl: bool) -> Any:
    """What a row's output holds besides its episode id: the tail of the JSON line after
    `{"episode_id": ..., `, or the CSV fields after episode_id."""
    if jsonl:
        return result.to_json()[1:] + "\n"
    return (
        "true" if result.valid else "false",
        " ".join(result.codes),
        " ".join(result.suggested) if result.suggested is not None else "",
        " ".join(result.rules),
    )


_Done = tuple[bool, Any, tuple[str, ...]]  # (valid, payload, rules) of a row
_ROW_ERROR_RULES = ("row-error",)
_PARTS_AT_ONCE = 256
# A placeholder (linter.PLACEHOLDERS) in a payload: as itself in the codes lists, escaped by
# JSON in other strings. An escaped backslash is matched first, so that a backslash of the text
# itself is never read as the start of an escaped placeholder.
_PLACEHOLDER_AT = re.compile(r"(\\\\|\\ue0(?:0[0-9a-f]|1[0-7])|[\ue000-\ue017])")


class _Template:
    """A text of a shape's result on placeholders, to fill in with a row's codes."""

    __slots__ = ("parts", "pick")

    def __init__(self, text: str, texts: dict[str, str]) -> None:
        # parts: the text between placeholders, with a slot for each, each text kept once in
        # `texts` (the shapes of a run share most of them); pick: the codes for the slots, in
        # order, from a row's normalised codes.
        tokens = _PLACEHOLDER_AT.split(text)
        parts, at = [tokens[0]], []
        for token, literal in zip(tokens[1::2], tokens[2::2], strict=True):
            if token == "\\\\":
                parts[-1] += token + literal
                continue
            at.append(ord(token) if len(token) == 1 else int(token[2:], 16))
            parts += ["", literal]
        self.parts = [texts.setdefault(part, part) for part in parts]
        fields = [code - ord(PLACEHOLDERS[0]) for code in at]
        self.pick = (
            itemgetter(*fields) if len(fields) > 1 else lambda codes: [codes[i] for i in fields]
        )

    def fill(self, codes: list[str]) -> str:
        text = self.parts.copy()
        text[1::2] = self.pick(codes)
        return "".join(text)


def _templates(result: Result, fmt: str | None, texts: dict[str, str]) -> _Done:
    """(valid, payload, rules) for every row of a shape, from its result on placeholders
    (linter._judge_shape): for "jsonl", the payload's _Template; for "csv", the fields with
    `suggested` a _Template (None when null) and `codes` left to join; None for no `fmt`."""
    rules = tuple(result.rules)
    if fmt is None:
        return result.valid, None, rules
    if fmt == "jsonl":
        return result.valid, _Template(_payload(result, True), texts), rules
    valid_text, _, suggested_text, rules_text = _payload(result, False)
    suggested = None if result.suggested is None else _Template(suggested_text, texts)
    return result.valid, (valid_text, suggested, rules_text), rules


Judge = Callable[[list[str], tuple[str, str, str], Context], _Done]


def judge(
    ruleset: RuleSet,
    catalogue: Catalogue,
    *,
    fmt: str | None = None,
    memo_size: int = MEMO_SIZE,
) -> Judge:
    """A function judging one scanned row (its codes, context cells and context) as validate()
    does, giving (valid, payload, rules): `payload` is what run_bulk writes for `fmt` ("jsonl"
    or "csv"), or None when `fmt` is None and only the verdict is wanted.

    A row is read as its shape (RuleSet._letter, and whether each code is in the catalogue),
    and each shape is judged once for a context, on placeholders (linter._judge_shape): a row's
    output is then that result's text filled in with its codes. A row with a code failing
    format is judged by itself, and the results of the last `memo_size` distinct such rows are
    remembered (0: none), so memory stays bounded whatever the run's size."""
    jsonl = fmt == "jsonl"
    csv_fields = fmt == "csv"
    full = catalogue.full
    titles = catalogue._titles
    # Placeholders in a rule set's name (free text) would be taken for codes: judge by row.
    by_shape = not any(placeholder in ruleset.name for placeholder in PLACEHOLDERS)
    # Each spelling seen in the run -> its letter (RuleSet._letter) with UNKNOWN_BIT set when
    # the code is missing from the catalogue, and -> its normalised code: the shape of a row
    # and its codes are then read in C (map).
    letters: dict[str, str] = {}
    codes_of: dict[str, str] = {}
    letter_of, code_of = letters.__getitem__, codes_of.__getitem__
    # By context cells as given (each names one context throughout a run), then by shape:
    # _templates() of the shape's result, or None when its rows are judged one by one; at
    # most _SHAPES_SIZE in all, and the texts they are made of. Contexts asking the same
    # (ContextPlan.asks) share their shapes.
    shapes: dict[tuple[str, str, str], dict[str, _Done | None]] = {}
    shapes_asked: dict[tuple[object, ...], dict[str, _Done | None]] = {}
    texts: dict[str, str] = {}
    judged_shapes = 0
    # Least recently used results of rows judged one by one, by (codes as given, context cells).
    memo: OrderedDict[tuple[tuple[str, ...], tuple[str, str, str]], _Done] = OrderedDict()

    def forget() -> None:
        nonlocal judged_shapes
        shapes.clear()
        shapes_asked.clear()
        texts.clear()
        judged_shapes = 0

    def learn(codes: list[str]) -> str:
        """The shape of `codes`, learning the spellings not seen yet."""
        if len(letters) >= _SPELLINGS_SIZE:
            letters.clear()
            codes_of.clear()
        for raw in codes:
            if raw not in letters:
                entry = ruleset._entry(raw)
                letter = ruleset._letter(raw)
                if entry:
                    codes_of[raw] = entry[0]
                    if entry[0] not in titles:
                        letter = chr(ord(letter) | UNKNOWN_BIT)
                letters[raw] = letter
        return "".join(map(letter_of, codes))

    def judged(codes: list[str], context_key: tuple[str, str, str], context: Context) -> _Done:
        nonlocal judged_shapes
        templates = shapes.get(context_key)
        if templates is None:
            if len(shapes) >= _CONTEXTS_SIZE:
                forget()
            asks = ruleset.plan(context).asks
            templates = shapes[context_key] = shapes_asked.setdefault(asks, {})
        try:
            shape = "".join(map(letter_of, codes))
        except KeyError:
            shape = learn(codes)
        done = templates.get(shape, _UNSEEN)
        if done is _UNSEEN:
            if judged_shapes >= _SHAPES_SIZE:
                forget()
            judged_shapes += 1
            result = _judge_shape(shape, ruleset, context, full) if by_shape else None
            done = templates[shape] = None if result is None else _templates(result, fmt, texts)
        if done is not None:
            if jsonl:
                valid, template, rules = done
                parts = template.parts.copy()  # _Template.fill(), inline: the usual row
                parts[1::2] = template.pick(list(map(code_of, codes)))
                return valid, "".join(parts), rules
            if csv_fields:
                valid, (valid_text, suggested, rules_text), rules = done
                out = list(map(code_of, codes))
                suggested_text = "" if suggested is None else suggested.fill(out)
                return valid, (valid_text, " ".join(out), suggested_text, rules_text), rules
            return done
        if memo_size:
            key = (tuple(codes), context_key)
            done = memo.get(key)
            if done is not None:
                memo.move_to_end(key)
                return done
        result = _validate_full(codes, ruleset, context, catalogue)
        payload = None if fmt is None else _payload(result, jsonl)
        done = (result.valid, payload, tuple(result.rules))
        if memo_size:
            memo[key] = done
            if len(memo) > memo_size:
                memo.popitem(last=False)
        return done

    return judged


def run_bulk(
    infile: TextIO | Iterable[str],
    outfile: TextIO,
    *,
    fmt: str,
    ruleset: RuleSet,
    catalogue: Catalogue,
    progress: Callable[[int], object] | None = None,
    progress_every: int = 1000,
    memo_size: int = MEMO_SIZE,
) -> Summary:
    """Validate every row of `infile` into `outfile` in constant memory. `progress(n)` is
    called with the number of rows done since its previous call (as tqdm's `update`).
    `memo_size` bounds the results remembered for repeated rows (0: validate every row)."""
    if fmt not in FORMATS:
        raise UsageError(f"output format must be jsonl or csv, not {fmt!r}")
    rows = scan(infile)  # raises UsageError on a bad header before anything is written
    summary = Summary()
    by_rule = summary.by_rule
    write = outfile.write
    writer = None
    if fmt == "csv":
        writer = csv.writer(outfile, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
    jsonl = writer is None
    judged = judge(ruleset, catalogue, fmt=fmt, memo_size=memo_size)
    # Rows by the rules of their issues, a few distinct tuples: added to by_rule at the end in
    # the order first seen, which leaves by_rule as counting each row as read would.
    rows_by_rules: dict[tuple[str, ...], int] = {}
    counted = rows_by_rules.get
    # JSON lines are written some rows at a time (_PARTS_AT_ONCE parts of lines): one write a
    # row costs more than the row.
    lines: list[str] = []
    add = lines.append
    valid_rows = invalid_rows = row_errors = pending = 0
    try:
        for line, episode_id, codes, context_key, context, error, _ in rows:
            if error is None:
                valid, payload, rules = judged(codes, context_key, context)
                if valid:
                    valid_rows += 1
                else:
                    invalid_rows += 1
            else:
                result = row_error(Row(line, episode_id, codes, context, error), ruleset)
                row_errors += 1
                payload, rules = _payload(result, jsonl), _ROW_ERROR_RULES
            rows_by_rules[rules] = counted(rules, 0) + 1
            if jsonl:
                # The episode id first, then the result object exactly as validate() gives it;
                # the usual plain id needs no escaping.
                if episode_id is None:
                    add('{"episode_id": null, ')
                elif episode_id.isascii() and episode_id.isalnum():
                    add('{"episode_id": "')
                    add(episode_id)
                    add('", ')
                else:
                    add('{"episode_id": ')
                    add(_string(episode_id))
                    add(", ")
                add(payload)
                if len(lines) >= _PARTS_AT_ONCE:
                    write("".join(lines))
                    lines.clear()
            else:
                writer.writerow((episode_id or "", *payload))
            pending += 1
            if pending >= progress_every and progress is not None:
                progress(pending)
                pending = 0
    finally:
        if lines:
            write("".join(lines))
    if progress is not None and pending:
        progress(pending)
    for rules, count in rows_by_rules.items():
        for rule in rules:
            by_rule[rule] += count
    summary.valid, summary.invalid, summary.row_errors = valid_rows, invalid_rows, row_errors
    summary.rows = valid_rows + invalid_rows + row_errors
    return summary
