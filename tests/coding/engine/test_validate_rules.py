"""Each rule of SPEC section 3: when it fires, its severity, its position and its fix."""

from __future__ import annotations

import json

import pytest

from coding.engine import (
    Catalogue,
    Context,
    RuleSet,
    UsageError,
    ipg366_ruleset,
    load_shipped_catalogue,
    validate,
)

IPG366 = ipg366_ruleset()
SHIPPED = load_shipped_catalogue()
# A full release holding every code these tests use (titles are placeholders, not OPCS-4's).
USED = "V40.1 V55.1 V55.2 V55.9 Y53.2 Y53.4 Y53.9 Z67.5 Z67.6 Z94.2 V25.2 V33.8 V38.8 W08.1 Y70.1"
FULL = Catalogue({code: f"placeholder {code}" for code in USED.split()}, full=True)
PERC_FLUORO_1 = Context(approach="percutaneous", image_guidance="fluoroscopy", levels=1)
NO_CONTEXT = Context()


def check(codes: str | list[str], context: Context = NO_CONTEXT, **kwargs):
    if isinstance(codes, str):
        codes = codes.split()
    kwargs.setdefault("ruleset", IPG366)
    kwargs.setdefault("catalogue", FULL)
    return validate(codes, context=context, **kwargs)


def found(result) -> list[tuple]:
    return [(i.rule, i.severity, i.position, i.code) for i in result.issues]


# The SPEC example and the result object


def test_it_gives_the_spec_example_exactly():
    result = validate(["V40.1", "Z67.6"], ruleset=IPG366, catalogue=SHIPPED)
    assert result.to_dict() == {
        "valid": False,
        "codes": ["V40.1", "Z67.6"],
        "issues": [
            {
                "rule": "levels-missing",
                "severity": "error",
                "position": 1,
                "code": "V40.1",
                "message": "V40.1 is a spinal operation: V55 (levels of spine) must follow it; "
                "levels unknown, so V55.9",
            }
        ],
        "suggested": ["V40.1", "V55.9", "Z67.6"],
        "ruleset": "IPG366",
        "ruleset_version": 1,
    }


def test_a_correctly_coded_percutaneous_case_is_valid_and_suggests_itself():
    result = check("V40.1 V55.1 Y53.4 Z67.6", PERC_FLUORO_1)
    assert result.valid
    assert result.issues == []
    assert result.suggested == ["V40.1", "V55.1", "Y53.4", "Z67.6"]


def test_its_json_is_character_for_character_json_dumps_of_its_dict():
    for codes in ("V40.1 Z67.6", "Z67.6 V40.1 Y53.2 V55.9", 'V40.1 V4O.1 é"x'):
        result = check(codes, PERC_FLUORO_1)
        assert result.to_json() == json.dumps(result.to_dict())


def test_it_orders_issues_by_position_with_episode_wide_ones_last():
    result = check("V25.2 V40.1")
    assert [(i.position, i.rule) for i in result.issues] == [
        (1, "levels-missing"),
        (2, "primary-procedure"),
        (2, "levels-missing"),
        (None, "site-missing"),
    ]


def test_it_refuses_more_than_24_codes_as_a_usage_error():
    with pytest.raises(UsageError, match="25 codes"):
        check(["Z67.6"] * 25)
    assert check(["Z67.6"] * 24).codes == ["Z67.6"] * 24


def test_it_suggests_nothing_when_the_fixes_would_need_more_than_24_codes():
    result = check(["V40.1"] * 12 + ["Z67.6"])  # twelve V55 codes to insert: 25 in all
    assert [i.rule for i in result.issues].count("levels-missing") == 12
    assert result.suggested is None
    assert len(check(["V40.1"] * 11 + ["Z67.6"]).suggested) == 23


def test_it_refuses_one_string_for_a_list_of_codes():
    with pytest.raises(UsageError, match="list of codes"):
        validate("V40.1 Z67.6", ruleset=IPG366, catalogue=FULL)  # type: ignore[arg-type]


# format


def test_it_keeps_a_bad_code_as_given_and_suggests_nothing():
    result = check([" V4O.1 ", "V55.1", "Z67.6", "V40.1"])
    assert ("format", "error", 1, "V4O.1") in found(result)
    assert result.codes == ["V4O.1", "V55.1", "Z67.6", "V40.1"]
    assert result.suggested is None
    assert not result.valid


def test_it_names_a_category_given_for_a_code_and_checks_the_rest_without_it():
    result = check("V40.1 V55.- Z67.6")
    assert found(result) == [
        ("levels-missing", "error", 1, "V40.1"),
        ("format", "error", 2, "V55.-"),
    ]
    assert result.issues[1].message == (
        "V55.- is a category, not a code: code it with its fourth character (V55.x)"
    )
    assert result.suggested is None


def test_it_checks_the_rest_as_if_a_bad_code_were_absent():
    result = check(["V40.1", "", "V55.1", "Z67.6"])
    assert found(result) == [("format", "error", 2, "")]
    assert result.issues[0].message == "an empty code: remove it"


# unknown-code


def test_an_unknown_code_is_a_warning_while_the_catalogue_is_partial():
    result = check("V40.1 V55.1 Z67.5", catalogue=SHIPPED)
    assert found(result) == [("unknown-code", "warning", 3, "Z67.5")]
    assert result.valid
    assert "load a full OPCS-4 release" in result.issues[0].message


def test_an_unknown_code_is_an_error_once_a_full_release_is_loaded():
    result = check("V40.1 V55.1 Z67.7")
    assert found(result) == [("unknown-code", "error", 3, "Z67.7")]
    assert not result.valid
    assert result.suggested == ["V40.1", "V55.1", "Z67.7"]  # no fix: the code stays


# subsidiary-primary


def test_it_moves_a_site_code_given_first_to_the_end():
    result = check("Z67.6 V40.1 V55.1")
    assert found(result) == [("subsidiary-primary", "error", 1, "Z67.6")]
    assert result.suggested == ["V40.1", "V55.1", "Z67.6"]


def test_it_reports_every_subsidiary_code_before_the_first_procedure():
    result = check("Z67.6 Z94.2 Y70.1 V40.1 V55.1")
    assert found(result) == [
        ("subsidiary-primary", "error", 1, "Z67.6"),
        ("subsidiary-primary", "error", 2, "Z94.2"),
        ("subsidiary-primary", "error", 3, "Y70.1"),
    ]
    assert result.suggested == ["V40.1", "V55.1", "Y70.1", "Z67.6", "Z94.2"]


def test_it_moves_an_image_control_code_given_first_behind_the_levels_code():
    result = check("Y53.4 V40.1 V55.1 Z67.6", PERC_FLUORO_1)
    assert found(result) == [("subsidiary-primary", "error", 1, "Y53.4")]
    assert result.suggested == ["V40.1", "V55.1", "Y53.4", "Z67.6"]


def test_it_puts_a_moved_site_before_the_laterality_that_ends_the_sequence():
    result = check("Z67.6 V40.1 V55.1 Z94.2")
    assert result.suggested == ["V40.1", "V55.1", "Z67.6", "Z94.2"]


def test_it_judges_no_order_when_there_is_no_procedure_at_all():
    result = check("Z67.6 V55.1 Y53.4")
    assert found(result) == [("primary-procedure", "error", None, None)]
    assert result.suggested == ["Z67.6", "V55.1", "Y53.4"]


# primary-procedure


def test_it_reports_the_governed_procedure_missing_as_an_error():
    result = check("V25.2 V55.1 Z67.6")
    assert found(result) == [("primary-procedure", "error", None, None)]
    assert "V40.1" in result.issues[0].message
    assert result.suggested == ["V25.2", "V55.1", "Z67.6"]


def test_it_warns_when_the_governed_procedure_is_not_first():
    result = check("V25.2 V55.1 V40.1 V55.1 Z67.6")
    assert found(result) == [("primary-procedure", "warning", 3, "V40.1")]
    assert result.valid
    assert result.suggested == ["V25.2", "V55.1", "V40.1", "V55.1", "Z67.6"]


def test_any_procedure_code_of_the_rule_set_counts():
    rules = RuleSet(name="IPG387", version=1, procedure_codes=("V33.8", "V38.8"))
    assert check("V38.8 V55.9 Z67.6", ruleset=rules).valid


# site-missing


def test_it_reports_a_missing_site_code_with_no_fix():
    result = check("V40.1 V55.1")
    assert found(result) == [("site-missing", "error", None, None)]
    assert result.suggested == ["V40.1", "V55.1"]


def test_laterality_is_not_a_site():
    assert found(check("V40.1 V55.1 Z94.2")) == [("site-missing", "error", None, None)]
    assert check("V40.1 V55.1 Z67.6 Z94.2").valid


def test_a_rule_set_without_a_site_chapter_asks_for_no_site():
    rules = RuleSet(name="X", version=1, procedure_codes=("V40.1",), site_chapter=None)
    assert check("V40.1 V55.1", ruleset=rules).valid


# Sequences from published guidance


def test_the_published_two_procedure_sequence_is_valid():
    rules = RuleSet(
        name="IPG387",
        version=1,
        procedure_codes=("V33.8", "V38.8"),
        levels_map={1: "V55.1"},
        approach_map={"fluoroscopy": "Y53.4"},
    )
    result = check("V33.8 V55.1 Y53.4 V38.8 V55.1 Y53.4 Z67.6", PERC_FLUORO_1, ruleset=rules)
    assert result.valid
    assert result.issues == []


def test_each_procedure_of_a_two_procedure_episode_needs_its_own_blocks():
    rules = RuleSet(
        name="IPG387",
        version=1,
        procedure_codes=("V33.8", "V38.8"),
        levels_map={1: "V55.1"},
        approach_map={"fluoroscopy": "Y53.4"},
    )
    result = check("V33.8 V55.1 V38.8 Z67.6", PERC_FLUORO_1, ruleset=rules)
    assert found(result) == [
        ("approach-missing", "error", 1, "V33.8"),
        ("levels-missing", "error", 3, "V38.8"),
        ("approach-missing", "error", 3, "V38.8"),
    ]
    assert result.suggested == ["V33.8", "V55.1", "Y53.4", "V38.8", "V55.1", "Y53.4", "Z67.6"]


def test_dotted_and_undotted_codes_give_the_same_result():
    dotted = check("V40.1 Y53.2 Z67.6", PERC_FLUORO_1)
    undotted = check([" v401", "Y532 ", "z676"], PERC_FLUORO_1)
    assert undotted.to_dict() == dotted.to_dict()
    assert dotted.codes == ["V40.1", "Y53.2", "Z67.6"]
