"""levels-missing, levels-misplaced and levels-mismatch: the V55 code after spinal operations."""

from __future__ import annotations

from coding.engine import Catalogue, Context, RuleSet, ipg366_ruleset, validate

IPG366 = ipg366_ruleset()
USED = "V40.1 V55.1 V55.2 V55.9 Y53.2 Y53.4 Z67.6 V25.2 W08.1"
FULL = Catalogue({code: f"placeholder {code}" for code in USED.split()}, full=True)
NO_CONTEXT = Context()


def check(codes: str, context: Context = NO_CONTEXT, ruleset: RuleSet = IPG366):
    return validate(codes.split(), ruleset=ruleset, context=context, catalogue=FULL)


def found(result) -> list[tuple]:
    return [(i.rule, i.position, i.code) for i in result.issues]


def test_it_inserts_v55_9_when_levels_unknown():
    result = check("V40.1 Z67.6")
    assert found(result) == [("levels-missing", 1, "V40.1")]
    assert result.suggested == ["V40.1", "V55.9", "Z67.6"]


def test_it_inserts_the_code_for_the_levels_treated():
    result = check("V40.1 Z67.6", Context(levels=1))
    assert result.suggested == ["V40.1", "V55.1", "Z67.6"]
    assert result.issues[0].message.endswith("1 level treated, so V55.1")


def test_it_inserts_v55_9_for_a_count_the_rule_set_has_no_code_for_and_says_so():
    result = check("V40.1 Z67.6", Context(levels=3))
    assert result.suggested == ["V40.1", "V55.9", "Z67.6"]
    assert "no code for 3 levels" in result.issues[0].message


def test_every_spinal_operation_needs_a_levels_code_not_only_the_governed_one():
    result = check("V40.1 V55.1 V25.2 Z67.6")
    assert found(result) == [("levels-missing", 3, "V25.2")]
    assert result.suggested == ["V40.1", "V55.1", "V25.2", "V55.9", "Z67.6"]


def test_a_main_code_that_is_not_a_spinal_operation_needs_no_levels_code():
    assert check("V40.1 V55.1 W08.1 Z67.6").valid


def test_it_moves_a_levels_code_found_later_in_the_block():
    result = check("V40.1 Z67.6 V55.1")
    assert found(result) == [("levels-misplaced", 3, "V55.1")]  # not levels-missing as well
    assert result.suggested == ["V40.1", "V55.1", "Z67.6"]
    assert result.issues[0].message == (
        "V55.1 must directly follow the spinal operation V40.1: move it there"
    )


def test_it_moves_a_levels_code_given_after_the_image_control_code():
    context = Context(approach="percutaneous", image_guidance="fluoroscopy")
    result = check("V40.1 Y53.4 V55.1 Z67.6", context)
    assert found(result) == [("levels-misplaced", 3, "V55.1")]
    assert result.suggested == ["V40.1", "V55.1", "Y53.4", "Z67.6"]


def test_it_moves_a_levels_code_given_first():
    result = check("V55.1 V40.1 Z67.6")
    assert found(result) == [("levels-misplaced", 1, "V55.1")]
    assert result.suggested == ["V40.1", "V55.1", "Z67.6"]


def test_it_gives_a_levels_code_after_another_main_code_back_to_the_operation_lacking_one():
    result = check("V40.1 W08.1 V55.1 Z67.6")
    assert found(result) == [("levels-misplaced", 3, "V55.1")]
    assert result.suggested == ["V40.1", "V55.1", "W08.1", "Z67.6"]


def test_it_deletes_a_second_levels_code_for_one_operation():
    result = check("V40.1 V55.1 V55.1 Z67.6")
    assert found(result) == [("levels-misplaced", 3, "V55.1")]
    assert "delete it" in result.issues[0].message
    assert result.suggested == ["V40.1", "V55.1", "Z67.6"]


def test_it_deletes_a_levels_code_when_no_code_is_a_spinal_operation():
    rules = RuleSet(name="X", version=1, procedure_codes=("W08.1",))
    result = check("W08.1 V55.1 Z67.6", ruleset=rules)
    assert found(result) == [("levels-misplaced", 2, "V55.1")]
    assert "no code here is a spinal operation" in result.issues[0].message
    assert result.suggested == ["W08.1", "Z67.6"]


def test_it_replaces_v55_9_when_the_levels_are_known():
    result = check("V40.1 V55.9 Z67.6", Context(levels=1))
    assert found(result) == [("levels-mismatch", 2, "V55.9")]
    assert result.suggested == ["V40.1", "V55.1", "Z67.6"]


def test_it_replaces_a_code_meaning_another_count():
    rules = RuleSet(
        name="X", version=1, procedure_codes=("V40.1",), levels_map={1: "V55.1", 2: "V55.2"}
    )
    result = check("V40.1 V55.1 Z67.6", Context(levels=2), ruleset=rules)
    assert found(result) == [("levels-mismatch", 2, "V55.1")]
    assert result.issues[0].message == "V55.1 means 1 level, but 2 levels were treated: use V55.2"
    assert result.suggested == ["V40.1", "V55.2", "Z67.6"]


def test_it_accepts_any_levels_code_when_the_levels_are_unknown():
    assert check("V40.1 V55.1 Z67.6").valid
    assert check("V40.1 V55.9 Z67.6").valid


def test_it_accepts_v55_9_for_a_count_the_rule_set_has_no_code_for():
    assert check("V40.1 V55.9 Z67.6", Context(levels=3)).valid


def test_it_still_refuses_a_code_meaning_another_count_when_it_has_no_code_for_the_count():
    result = check("V40.1 V55.1 Z67.6", Context(levels=3))
    assert found(result) == [("levels-mismatch", 2, "V55.1")]
    assert result.suggested == ["V40.1", "V55.9", "Z67.6"]


def test_a_misplaced_and_wrong_levels_code_is_both_moved_and_replaced():
    result = check("V40.1 Z67.6 V55.9", Context(levels=1))
    assert found(result) == [("levels-misplaced", 3, "V55.9"), ("levels-mismatch", 3, "V55.9")]
    assert result.suggested == ["V40.1", "V55.1", "Z67.6"]
