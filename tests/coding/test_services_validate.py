"""Validating and storing codings: the SPEC result object, and bad input named by field."""

from __future__ import annotations

import pytest
from django.utils import timezone

from coding import services
from coding.errors import CodesInvalid, ContextInvalid, RuleSetNotFound
from coding.models import CatalogueRelease, CodingResult

pytestmark = pytest.mark.django_db


def test_validation_returns_the_spec_result_object(ipg366):
    result = services.coding_validate(ruleset_name="IPG366", codes=["V40.1", "Z67.6"], context=None)

    assert result == {
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


def test_the_context_decides_the_levels_and_image_control_codes(ipg366):
    result = services.coding_validate(
        ruleset_name="IPG366",
        codes=["V40.1", "V55.1", "Z67.6"],
        context={"approach": "percutaneous", "image_guidance": "fluoroscopy", "levels": 1},
    )

    assert [i["rule"] for i in result["issues"]] == ["approach-missing"]
    assert result["suggested"] == ["V40.1", "V55.1", "Y53.4", "Z67.6"]


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ([], "at least one code"),
        (["V40.1"] * 25, "25 codes, more than the 24 an episode holds"),
        ("V40.1 Z67.6", "must be a list"),
        (["V40.1", 5], "must be text"),
    ],
)
def test_codes_that_cannot_be_validated_are_refused_naming_the_codes(ipg366, codes, message):
    with pytest.raises(CodesInvalid, match=message) as raised:
        services.coding_validate(ruleset_name="IPG366", codes=codes, context={})

    assert raised.value.field == "codes"


@pytest.mark.parametrize(
    ("context", "field"),
    [
        ({"approach": "keyhole"}, "approach"),
        ({"image_guidance": "x-ray"}, "image_guidance"),
        ({"levels": 0}, "levels"),
        ({"levels": True}, "levels"),
        ({"levels": "two"}, "levels"),
        (["percutaneous"], "context"),
    ],
)
def test_a_bad_context_value_is_refused_naming_its_field(ipg366, context, field):
    with pytest.raises(ContextInvalid) as raised:
        services.coding_validate(ruleset_name="IPG366", codes=["V40.1"], context=context)

    assert raised.value.field == field


def test_an_unknown_rule_set_is_refused_naming_the_rule_set(ipg366):
    with pytest.raises(RuleSetNotFound):
        services.coding_validate(ruleset_name="IPG000", codes=["V40.1"], context={})


def test_a_stored_coding_keeps_codes_context_result_and_the_versions_it_was_checked_against(
    store,
):
    before = timezone.now()

    coding = store(["v401", "V55.1", "Z67.6"], approach="percutaneous", levels="1")

    coding = CodingResult.objects.get(pk=coding.pk)
    assert coding.codes == ["v401", "V55.1", "Z67.6"]
    assert coding.context == {"approach": "percutaneous", "image_guidance": None, "levels": 1}
    assert coding.result["codes"] == ["V40.1", "V55.1", "Z67.6"]
    assert coding.valid is False
    assert [i["rule"] for i in coding.issues] == ["approach-missing"]
    assert coding.suggested == ["V40.1", "V55.1", "Y53.9", "Z67.6"]
    assert (coding.ruleset.name, coding.ruleset_version) == ("IPG366", 1)
    assert coding.catalogue_release == CatalogueRelease.objects.get()
    assert coding.validated_at >= before


def test_revalidating_a_stored_coding_with_new_codes_replaces_its_result(store):
    coding = store("V40.1 Z67.6", levels=1)
    assert coding.valid is False

    services.coding_revalidate(coding=coding, codes=["V40.1", "V55.1", "Z67.6"])

    coding.refresh_from_db()
    assert coding.valid is True
    assert coding.codes == ["V40.1", "V55.1", "Z67.6"]
    assert coding.levels == 1


def test_split_codes_takes_spaces_commas_semicolons_and_new_lines():
    assert services.split_codes(" V40.1, V55.1;Y53.4\nZ67.6\t Z94.2 ") == [
        "V40.1",
        "V55.1",
        "Y53.4",
        "Z67.6",
        "Z94.2",
    ]


def test_a_levels_count_too_large_to_store_is_refused_naming_levels(store):
    with pytest.raises(ContextInvalid) as raised:
        store("V40.1 V55.9 Z67.6", levels=40_000)

    assert raised.value.field == "levels"
    assert not CodingResult.objects.exists()
