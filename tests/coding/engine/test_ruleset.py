"""RuleSet: the IPG366 defaults, and the JSON dict the Django model stores."""

from __future__ import annotations

import json

import pytest

from coding.engine import RuleSet, RuleSetError, default_spinal_categories, ipg366_ruleset


def test_the_ipg366_rule_set_is_the_one_the_spec_states():
    rules = ipg366_ruleset()
    assert rules.name == "IPG366"
    assert rules.version == 1
    assert rules.procedure_codes == ("V40.1",)
    assert rules.spinal_categories == default_spinal_categories()
    assert (rules.levels_category, rules.levels_unspecified) == ("V55", "V55.9")
    assert dict(rules.levels_map) == {1: "V55.1"}
    assert (rules.approach_category, rules.approach_unspecified) == ("Y53", "Y53.9")
    assert dict(rules.approach_map) == {"fluoroscopy": "Y53.4", "ultrasound": "Y53.2"}
    assert rules.site_chapter == "Z"
    assert rules.site_excluded_categories == frozenset({"Z94"})


def test_the_spinal_categories_are_v22_to_v54_and_v56_to_v68():
    categories = default_spinal_categories()
    assert len(categories) == 33 + 13
    assert {"V22", "V40", "V54", "V56", "V68"} <= categories
    assert not {"V21", "V55", "V69", "W22"} & categories


def test_its_dict_survives_a_json_round_trip():
    rules = ipg366_ruleset()
    stored = json.loads(json.dumps(rules.to_dict()))
    assert stored["levels_map"] == {"1": "V55.1"}
    assert stored["spinal_categories"][:2] == ["V22", "V23"]
    assert RuleSet.from_dict(stored) == rules
    assert hash(RuleSet.from_dict(stored)) == hash(rules)


def test_it_takes_the_ipg366_defaults_for_keys_a_stored_dict_leaves_out():
    rules = RuleSet.from_dict(
        {"name": "IPG387", "version": 2, "procedure_codes": ["V338", "V38.8"]}
    )
    assert rules.procedure_codes == ("V33.8", "V38.8")
    assert rules.levels_unspecified == "V55.9"
    assert dict(rules.levels_map) == {}


def test_it_normalises_the_codes_it_is_given():
    rules = RuleSet(
        name=" IPG366 ",
        version=1,
        procedure_codes=["v401"],  # type: ignore[arg-type]
        spinal_categories=frozenset({"V40.-"}),
        levels_map={"2": "V552"},  # type: ignore[dict-item]
    )
    assert rules.name == "IPG366"
    assert rules.procedure_codes == ("V40.1",)
    assert rules.spinal_categories == frozenset({"V40"})
    assert dict(rules.levels_map) == {2: "V55.2"}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"procedure_codes": []}, "at least one procedure code"),
        ({"procedure_codes": "V40.1"}, "procedure_codes must be a list"),
        ({"procedure_codes": ["V40"]}, "a procedure code must be an OPCS-4 code"),
        ({"levels_map": {"0": "V55.1"}}, "levels_map keys"),
        ({"levels_map": {"1": "Y53.4"}}, "not in category V55"),
        ({"approach_map": {"xray": "Y53.4"}}, "approach_map keys"),
        ({"approach_map": {"ct": "V55.1"}}, "not in category Y53"),
        ({"spinal_categories": ["V40.1"]}, "a spinal category must be an OPCS-4 category"),
        ({"site_chapter": "V"}, "site_chapter"),
        ({"version": 0}, "version"),
        ({"colour": "red"}, "unknown rule set keys: colour"),
    ],
)
def test_it_refuses_a_stored_dict_that_makes_no_sense_saying_why(change, named):
    data = {**ipg366_ruleset().to_dict(), **change}
    with pytest.raises(RuleSetError, match=named):
        RuleSet.from_dict(data)


def test_it_refuses_a_dict_without_its_name():
    data = ipg366_ruleset().to_dict()
    del data["name"]
    with pytest.raises(RuleSetError, match="needs 'name'"):
        RuleSet.from_dict(data)


def test_a_rule_set_without_a_site_chapter_asks_for_no_site():
    rules = RuleSet(name="X", version=1, procedure_codes=("V40.1",), site_chapter=None)
    assert RuleSet.from_dict(rules.to_dict()).site_chapter is None
