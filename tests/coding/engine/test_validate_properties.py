"""Properties of validate() over open-ended input (hypothesis)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.engine import (
    FIXABLE_RULES,
    MAX_CODES,
    RULES,
    Catalogue,
    Context,
    RuleSet,
    UsageError,
    ipg366_ruleset,
    load_shipped_catalogue,
    validate,
)

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
        version=1,
        procedure_codes=("V40.1",),
        levels_map={1: "V55.1", 2: "V55.2"},
        approach_map={"fluoroscopy": "Y53.4", "ct": "Y53.3"},
    ),
]
VALID_CODES = [
    *["V40.1", "V33.8", "V38.8", "V25.2", "V55.1", "V55.2", "V55.9", "V55.8"],
    *[
        "Y53.2",
        "Y53.3",
        "Y53.4",
        "Y53.9",
        "Y70.1",
        "Z67.6",
        "Z67.5",
        "Z94.2",
        "Z94.3",
        "W08.1",
        "A01.1",
    ],
]
CATALOGUES = [
    load_shipped_catalogue(),
    Catalogue({code: "placeholder" for code in VALID_CODES[:-2]}, full=True),
]

contexts = st.builds(
    Context,
    approach=st.sampled_from([None, "open", "percutaneous"]),
    image_guidance=st.sampled_from(
        [None, "none", "fluoroscopy", "ultrasound", "ct", "mri", "unspecified"]
    ),
    levels=st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
)


def _spellings(code: str) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [code, code.replace(".", ""), code.lower(), f" {code} ", f"{code[:3]}.-", code[:3]]
    )


code_like = st.one_of(
    st.sampled_from(VALID_CODES).flatmap(_spellings),
    st.sampled_from(["", " ", "V4O.1", "V40", "40.1", "V40.12", "I12.3", "V55.-", "\u00e9\"'"]),
    st.text(max_size=6),
)
code_lists = st.one_of(
    st.lists(code_like, max_size=MAX_CODES),
    # Many main codes: each may need a V55 and a Y53 inserted, past the 24 an episode holds.
    st.lists(st.sampled_from(["V40.1", "V33.8", "Z67.6", "V55.1"]), min_size=8, max_size=MAX_CODES),
)
valid_code_lists = st.lists(st.sampled_from(VALID_CODES), max_size=MAX_CODES)


@settings(max_examples=400)
@given(st.lists(st.text(), max_size=MAX_CODES), contexts, st.sampled_from(RULESETS))
def test_any_list_of_up_to_24_strings_gives_a_result(codes, context, rules):
    result = validate(codes, ruleset=rules, context=context, catalogue=CATALOGUES[0])
    assert len(result.codes) == len(codes)
    assert result.valid == all(issue.severity != "error" for issue in result.issues)
    assert json.loads(result.to_json()) == result.to_dict()


@settings(max_examples=600)
@given(code_lists, contexts, st.sampled_from(RULESETS), st.sampled_from(CATALOGUES))
def test_every_issue_is_a_known_rule_pointing_at_its_code(codes, context, rules, catalogue):
    result = validate(codes, ruleset=rules, context=context, catalogue=catalogue)
    for issue in result.issues:
        assert issue.rule in RULES
        assert issue.severity in ("error", "warning")
        assert issue.message
        if issue.position is not None:
            assert result.codes[issue.position - 1] == issue.code
    if any(issue.rule == "format" for issue in result.issues):
        assert result.suggested is None
    assert result.to_json() == json.dumps(result.to_dict())


@settings(max_examples=600)
@given(code_lists, contexts, st.sampled_from(RULESETS), st.sampled_from(CATALOGUES))
def test_validating_suggested_again_leaves_no_error_that_has_a_fix(
    codes, context, rules, catalogue
):
    result = validate(codes, ruleset=rules, context=context, catalogue=catalogue)
    if result.suggested is None:
        return
    again = validate(result.suggested, ruleset=rules, context=context, catalogue=catalogue)
    assert [i for i in again.issues if i.rule in FIXABLE_RULES] == []
    assert again.suggested == result.suggested  # and suggesting again changes nothing


@settings(max_examples=400)
@given(valid_code_lists, contexts, st.sampled_from(RULESETS), st.sampled_from(CATALOGUES))
def test_dotted_and_undotted_forms_give_identical_results(codes, context, rules, catalogue):
    def spelt(form):
        return [form(code) for code in codes]

    dotted = validate(codes, ruleset=rules, context=context, catalogue=catalogue).to_dict()
    for form in (lambda c: c.replace(".", ""), str.lower, lambda c: f"  {c}\t"):
        other = validate(spelt(form), ruleset=rules, context=context, catalogue=catalogue)
        assert other.to_dict() == dotted


@given(st.lists(code_like, min_size=MAX_CODES + 1, max_size=MAX_CODES + 10))
def test_more_than_24_codes_is_a_usage_error(codes):
    with pytest.raises(UsageError):
        validate(codes, ruleset=RULESETS[0], catalogue=CATALOGUES[0])
