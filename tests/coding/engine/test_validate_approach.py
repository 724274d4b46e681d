"""approach-missing, -misplaced, -mismatch and -unexpected: Y53 for percutaneous image control."""

from __future__ import annotations

import pytest

from coding.engine import Catalogue, Context, ipg366_ruleset, validate

IPG366 = ipg366_ruleset()
USED = "V40.1 V55.1 V55.9 Y53.2 Y53.4 Y53.9 Z67.6 V25.2 W08.1"
FULL = Catalogue({code: f"placeholder {code}" for code in USED.split()}, full=True)


def check(codes: str, approach=None, image_guidance=None, levels=None):
    context = Context(approach=approach, image_guidance=image_guidance, levels=levels)
    return validate(codes.split(), ruleset=IPG366, context=context, catalogue=FULL)


def found(result) -> list[tuple]:
    return [(i.rule, i.severity, i.position, i.code) for i in result.issues]


@pytest.mark.parametrize(
    ("guidance", "inserted"),
    [("fluoroscopy", "Y53.4"), ("ultrasound", "Y53.2"), (None, "Y53.9"), ("unspecified", "Y53.9")],
)
def test_it_inserts_the_image_control_code_after_the_levels_code(guidance, inserted):
    result = check("V40.1 V55.1 Z67.6", "percutaneous", guidance)
    assert found(result) == [("approach-missing", "error", 1, "V40.1")]
    assert result.suggested == ["V40.1", "V55.1", inserted, "Z67.6"]


def test_it_says_which_code_and_why_when_inserting():
    result = check("V40.1 V55.1 Z67.6", "percutaneous", "fluoroscopy")
    assert result.issues[0].message == (
        "V40.1 was done percutaneously with image guidance: Y53 (approach to organ under image "
        "control) must follow its V55 code; fluoroscopy, so Y53.4"
    )


def test_it_inserts_y53_9_for_a_method_the_rule_set_has_no_code_for():
    result = check("V40.1 V55.1 Z67.6", "percutaneous", "ct")
    assert result.suggested == ["V40.1", "V55.1", "Y53.9", "Z67.6"]
    assert "no code for it" in result.issues[0].message


@pytest.mark.parametrize(
    ("approach", "guidance"), [("percutaneous", "none"), ("open", None), (None, "fluoroscopy")]
)
def test_it_asks_for_no_image_control_code_unless_percutaneous_and_image_guided(approach, guidance):
    assert check("V40.1 V55.1 Z67.6", approach, guidance).valid


def test_it_asks_for_image_control_after_the_governed_procedure_only():
    assert check("V40.1 V55.1 Y53.4 V25.2 V55.1 Z67.6", "percutaneous", "fluoroscopy").valid


def test_it_inserts_both_levels_and_image_control_in_order():
    result = check("V40.1 Z67.6", "percutaneous", "fluoroscopy", 1)
    assert [i.rule for i in result.issues] == ["levels-missing", "approach-missing"]
    assert result.suggested == ["V40.1", "V55.1", "Y53.4", "Z67.6"]


def test_an_image_control_code_right_after_an_operation_missing_its_levels_code_stays():
    result = check("V40.1 Y53.4 Z67.6", "percutaneous", "fluoroscopy")
    assert found(result) == [("levels-missing", "error", 1, "V40.1")]
    assert result.suggested == ["V40.1", "V55.9", "Y53.4", "Z67.6"]


def test_it_moves_an_image_control_code_found_after_the_site():
    result = check("V40.1 V55.1 Z67.6 Y53.4", "percutaneous", "fluoroscopy")
    assert found(result) == [("approach-misplaced", "error", 4, "Y53.4")]
    assert result.issues[0].message == "Y53.4 must directly follow V40.1's V55 code: move it there"
    assert result.suggested == ["V40.1", "V55.1", "Y53.4", "Z67.6"]


def test_an_image_control_code_follows_a_main_code_that_is_not_spinal_directly():
    assert check("V40.1 V55.1 W08.1 Y53.2 Z67.6").valid


def test_it_deletes_a_second_image_control_code_for_one_procedure():
    result = check("V40.1 V55.1 Y53.4 Y53.4 Z67.6", "percutaneous", "fluoroscopy")
    assert found(result) == [("approach-misplaced", "error", 4, "Y53.4")]
    assert result.suggested == ["V40.1", "V55.1", "Y53.4", "Z67.6"]


@pytest.mark.parametrize("given", ["Y53.2", "Y53.9"])
def test_it_replaces_an_image_control_code_for_another_or_no_method(given):
    result = check(f"V40.1 V55.1 {given} Z67.6", "percutaneous", "fluoroscopy")
    assert found(result) == [("approach-mismatch", "error", 3, given)]
    assert result.suggested == ["V40.1", "V55.1", "Y53.4", "Z67.6"]


def test_it_names_the_method_a_wrong_code_means():
    result = check("V40.1 V55.1 Y53.2 Z67.6", "percutaneous", "fluoroscopy")
    assert result.issues[0].message == (
        "Y53.2 means ultrasound, but the image guidance was fluoroscopy: use Y53.4"
    )


def test_it_accepts_any_image_control_code_when_the_method_is_unspecified():
    assert check("V40.1 V55.1 Y53.4 Z67.6", "percutaneous", "unspecified").valid


def test_for_a_method_without_a_code_it_accepts_y53_9_and_refuses_another_method():
    assert check("V40.1 V55.1 Y53.9 Z67.6", "percutaneous", "mri").valid
    result = check("V40.1 V55.1 Y53.4 Z67.6", "percutaneous", "mri")
    assert found(result) == [("approach-mismatch", "error", 3, "Y53.4")]
    assert result.suggested == ["V40.1", "V55.1", "Y53.9", "Z67.6"]


@pytest.mark.parametrize(("approach", "guidance"), [("open", None), ("percutaneous", "none")])
def test_it_warns_of_an_image_control_code_on_an_open_or_unguided_case(approach, guidance):
    result = check("V40.1 V55.1 Y53.4 Z67.6", approach, guidance)
    assert found(result) == [("approach-unexpected", "warning", 3, "Y53.4")]
    assert result.valid
    assert result.suggested == ["V40.1", "V55.1", "Y53.4", "Z67.6"]  # no fix
