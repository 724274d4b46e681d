"""The bulk path and validate()'s fast path give exactly what the full path gives.

validate() first tries linter._in_order(), which accepts only sequences needing no fix.
run_bulk() judges each shape of sequence once for a context, on placeholders for its codes,
and fills the result in with each row's codes (bulk.judge). Both are compared, byte for byte,
with the full path on many generated sequences, most of them right or nearly right so that
every rule is exercised, under rule sets whose names JSON must escape."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.engine import (
    MAX_CODES,
    Catalogue,
    Context,
    RuleSet,
    ipg366_ruleset,
    linter,
    load_shipped_catalogue,
    run_bulk,
    validate,
)
from coding.engine import bulk as bulk_module

RULESETS = [
    ipg366_ruleset(),
    RuleSet(
        name="IPG387",
        version=3,
        procedure_codes=("V33.8", "V38.8"),
        levels_map={1: "V55.1"},
        approach_map={"fluoroscopy": "Y53.4"},
    ),
    RuleSet(
        name="GROWN",
        version=2,
        procedure_codes=("V40.1",),
        levels_map={1: "V55.1", 2: "V55.2"},
        approach_map={"fluoroscopy": "Y53.4", "ct": "Y53.3"},
    ),
    RuleSet(name="NO-SITE", version=1, procedure_codes=("V40.1", "W08.1"), site_chapter=None),
    # A name JSON escapes, with braces, and text that reads like an escaped placeholder.
    RuleSet(name='ODD {0} "é" \\ue003 \\', version=2, procedure_codes=("V40.1",)),
    # A name holding a placeholder itself: its rows are judged one by one.
    RuleSet(name=f"ODD {linter.PLACEHOLDERS[2]}", version=1, procedure_codes=("V40.1",)),
]
KNOWN = [
    "V40.1",
    "V33.8",
    "V38.8",
    "V55.1",
    "V55.2",
    "V55.9",
    "Y53.2",
    "Y53.3",
    "Y53.4",
    "Y53.9",
    "Z67.6",
    "Z94.2",
    "W08.1",
]
CATALOGUES = [
    load_shipped_catalogue(),
    Catalogue({code: "placeholder" for code in KNOWN}, full=True),
    Catalogue({code: "placeholder" for code in KNOWN}, full=False),
]
MAINS = ["V40.1", "V33.8", "V38.8", "V25.2", "V47.1", "W08.1", "A57.4", "T96.2"]
LEVELS = ["V55.1", "V55.2", "V55.3", "V55.9"]
IMAGE_CONTROL = ["Y53.2", "Y53.3", "Y53.4", "Y53.9"]
OTHERS = ["Y70.1", "Y90.7", "Z67.6", "Z67.5", "Z06.5", "Z94.2", "Z94.3"]
SITES = ["Z67.6", "Z67.5", "Z06.5", "Z94.2"]
JUNK = ["", " ", "V4O.1", "V40", "V55.-", "40.1", "I12.3", "\u00e9\"'"]

contexts = st.builds(
    Context,
    approach=st.sampled_from([None, "open", "percutaneous"]),
    image_guidance=st.sampled_from(
        [None, "none", "fluoroscopy", "ultrasound", "ct", "mri", "unspecified"]
    ),
    levels=st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
)


@st.composite
def episodes(draw: st.DrawFn) -> tuple[list[str], Context, RuleSet, Catalogue]:
    """Blocks `main [V55] [Y53] [others...]` then sites, the V55 and Y53 codes mostly the
    ones the context asks for, sometimes spoilt; in any spelling."""
    rules = draw(st.sampled_from(RULESETS))
    context = draw(contexts)
    catalogue = draw(st.sampled_from(CATALOGUES))
    plan = rules.plan(context)
    codes: list[str] = []
    for index in range(draw(st.integers(min_value=0, max_value=3))):
        mains = list(rules.procedure_codes) * 3 + MAINS if index == 0 else MAINS
        codes.append(draw(st.sampled_from(mains)))
        if draw(st.integers(0, 9)) < 8:
            codes.append(draw(st.sampled_from([plan.expected_levels or "V55.9"] * 4 + LEVELS)))
        if draw(st.integers(0, 9)) < 6:
            right = plan.expected_method or "Y53.9"
            codes.append(draw(st.sampled_from([right] * 4 + IMAGE_CONTROL)))
        codes += draw(st.lists(st.sampled_from(OTHERS), max_size=2))
    codes += draw(st.lists(st.sampled_from(SITES), max_size=2))
    for _ in range(draw(st.integers(0, 2))):  # spoil: swap, drop or put in any code
        what = draw(st.sampled_from(["swap", "drop", "put"]))
        if what == "put" or not codes:
            position = draw(st.integers(0, len(codes)))
            codes.insert(position, draw(st.sampled_from(MAINS + LEVELS + IMAGE_CONTROL + JUNK)))
        elif what == "drop":
            del codes[draw(st.integers(0, len(codes) - 1))]
        else:
            i, j = draw(st.integers(0, len(codes) - 1)), draw(st.integers(0, len(codes) - 1))
            codes[i], codes[j] = codes[j], codes[i]
    spell = draw(
        st.sampled_from([str, str.lower, lambda c: c.replace(".", ""), lambda c: f" {c}\t"])
    )
    return [spell(code) for code in codes[:MAX_CODES]], context, rules, catalogue


def _full(codes, context, rules, catalogue):
    return linter._validate_full(codes, rules, context, catalogue)


def _needs_no_fix(result) -> bool:
    return result.suggested == result.codes and all(
        issue.rule == "unknown-code" for issue in result.issues
    )


@settings(max_examples=700)
@given(episodes())
def test_validate_gives_what_the_full_path_gives(episode):
    codes, context, rules, catalogue = episode
    slow = _full(codes, context, rules, catalogue)
    fast = validate(codes, ruleset=rules, context=context, catalogue=catalogue)
    assert fast == slow
    assert fast.to_json() == slow.to_json()
    assert fast.suggested is not fast.codes or fast.suggested is None


@settings(max_examples=700)
@given(episodes())
def test_the_fast_path_takes_exactly_the_sequences_that_need_no_fix(episode):
    codes, context, rules, catalogue = episode
    slow = _full(codes, context, rules, catalogue)
    taken = linter._in_order(codes, rules, rules.plan(context), catalogue._titles)
    assert (taken is not None) == _needs_no_fix(slow)
    if taken is not None:
        out, unknown = taken
        assert out == slow.codes
        assert (unknown or []) == [issue.position for issue in slow.issues]


@settings(max_examples=1000)
@given(episodes(), st.sampled_from(["jsonl", "csv", None]))
def test_bulk_rows_are_byte_identical_to_the_full_path(episode, fmt):
    codes, context, rules, catalogue = episode
    jsonl = fmt == "jsonl"
    # What run_bulk writes for the row (from its shape's result), with nothing remembered.
    done = bulk_module.judge(rules, catalogue, fmt=fmt, memo_size=0)(codes, ("", "", ""), context)
    slow = _full(codes, context, rules, catalogue)
    valid, payload, rules_seen = done
    assert valid == slow.valid
    assert payload == (None if fmt is None else bulk_module._payload(slow, jsonl))
    assert list(rules_seen) == slow.rules
    if jsonl:
        assert json.loads('{"episode_id": "E1", ' + payload) == {
            "episode_id": "E1",
            **slow.to_dict(),
        }


def test_the_fast_path_takes_the_usual_right_episodes():
    rules, catalogue = RULESETS[0], CATALOGUES[0]
    right = [
        (["V40.1", "V55.1", "Y53.4", "Z67.6"], Context("percutaneous", "fluoroscopy", 1)),
        (["V401", "V559", "Z676", "Z942"], Context("open", "none", 2)),
        (["v40.1", "v55.9", "y53.9", "z67.6"], Context("percutaneous", None, None)),
        (["V40.1", "V55.1", "Y53.2", "V25.2", "V55.1", "W08.1", "Z67.5"], Context(levels=1)),
    ]
    for codes, context in right:
        assert linter._in_order(codes, rules, rules.plan(context), catalogue._titles)


def _extract(rows) -> str:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["episode_id", "codes", "approach", "image_guidance", "levels"])
    for n, (codes, context) in enumerate(rows):
        levels = "" if context.levels is None else str(context.levels)
        approach, guidance = context.approach or "", context.image_guidance or ""
        writer.writerow([f"E{n}", " ".join(codes), approach, guidance, levels])
    return text.getvalue()


@settings(max_examples=40)
@given(st.lists(episodes(), min_size=1, max_size=30), st.sampled_from(["jsonl", "csv"]))
def test_run_bulk_output_is_the_same_judging_every_row_by_itself(rows, fmt):
    rules, catalogue = rows[0][2], rows[0][3]
    text = _extract([(codes, context) for codes, context, _, _ in rows])

    def run(**kwargs):
        out = io.StringIO()
        summary = run_bulk(
            io.StringIO(text), out, fmt=fmt, ruleset=rules, catalogue=catalogue, **kwargs
        )
        return str(summary), out.getvalue()

    fast = run(memo_size=0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulk_module, "_judge_shape", lambda *args: None)
        slow = run(memo_size=0)
    assert fast == slow == run()


def test_contexts_asking_the_same_share_shapes_and_each_row_gets_its_own_result():
    rules, catalogue = RULESETS[0], CATALOGUES[0]
    unguided, unspecified = (
        Context("percutaneous", None, 1),
        Context("percutaneous", "unspecified", 1),
    )
    assert rules.plan(unguided).asks == rules.plan(unspecified).asks
    rows = [
        (["V40.1", "V55.9", "Z67.6"], unguided),
        (["V401", "V559", "Z675"], unspecified),
        (["V40.1", "V55.9", "Z67.6"], Context("percutaneous", "ct", 1)),
        (["V40.1", "Z67.6", "V55.9"], unspecified),
        (["V40.1", "Z67.6", "V55.9"], unguided),
    ]
    text = _extract(rows)
    for fmt in ("jsonl", "csv"):
        outputs = []
        for judge_shapes in (True, False):
            out = io.StringIO()
            with pytest.MonkeyPatch.context() as patch:
                if not judge_shapes:
                    patch.setattr(bulk_module, "_judge_shape", lambda *args: None)
                run_bulk(io.StringIO(text), out, fmt=fmt, ruleset=rules, catalogue=catalogue)
            outputs.append(out.getvalue())
        assert outputs[0] == outputs[1]
