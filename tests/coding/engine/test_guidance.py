"""parse_guidance() and derive_ruleset(), on test pages written in a NICE page's layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from coding.engine import (
    Context,
    GuidanceFormatError,
    derive_ruleset,
    ipg366_ruleset,
    load_shipped_catalogue,
    parse_guidance,
    validate,
)
from coding.engine.guidance import ListedCode

FIXTURES = Path(__file__).parent / "fixtures"
STABILISER = (FIXTURES / "spine_stabiliser_page.txt").read_text(encoding="utf-8")
DISC_FUSION = (FIXTURES / "disc_and_fusion_page.txt").read_text(encoding="utf-8")


def test_it_reads_the_title_and_the_guidance_it_replaces():
    page = parse_guidance(STABILISER)
    assert page.title == "Flexible spinal stabilisers for persistent back pain"
    assert page.supersedes == "IPG183"
    assert page.supersedes_date == "June 2006"


def test_it_reads_the_coding_recommendations_in_order():
    page = parse_guidance(STABILISER)
    assert page.listed == (
        ListedCode("V40.1", "Non-rigid stabilisation of spine"),
        ListedCode("V55", "Levels of spine"),
        ListedCode("Y53", "Approach to organ under image control"),
    )
    assert [item.is_category for item in page.listed] == [False, True, True]
    assert page.site_chapter == "Z"


def test_it_reads_the_unspecified_codes_from_the_notes_and_stops_at_the_next_heading():
    page = parse_guidance(STABILISER)
    assert dict(page.unspecified) == {"V55": "V55.9", "Y53": "Y53.9"}
    assert page.code_titles["V55.9"] == "Unspecified levels of spine"
    assert page.code_titles["Y53.9"] == "Unspecified approach to organ under image control"
    assert "V99.9" not in page.code_titles
    assert len(page.notes) == 2


def test_it_gives_catalogue_rows_citing_the_guidance():
    rows = parse_guidance(STABILISER).catalogue_rows("ipg366")
    assert (
        "V40.1",
        "Non-rigid stabilisation of spine",
        "NICE IPG366 coding recommendations",
    ) in rows
    assert ("V55", "Levels of spine", "NICE IPG366 coding recommendations") in rows
    assert len(rows) == 5


def test_the_ipg366_shaped_page_derives_the_procedure_and_the_unspecified_codes():
    rules = derive_ruleset(parse_guidance(STABILISER), name="IPG366")
    assert rules.procedure_codes == ("V40.1",)
    assert (rules.levels_unspecified, rules.approach_unspecified) == ("V55.9", "Y53.9")
    assert dict(rules.levels_map) == {}  # the page lists only the categories
    assert rules.site_chapter == "Z"


def test_with_the_shipped_catalogue_it_derives_the_spec_ipg366_rule_set():
    page = parse_guidance(STABILISER)
    rules = derive_ruleset(page, name="IPG366", catalogue=load_shipped_catalogue())
    assert rules == ipg366_ruleset()


def test_a_page_with_two_procedures_gives_both_and_the_maps_it_lists():
    page = parse_guidance(DISC_FUSION)
    assert page.title == "Lumbar disc removal with fusion through a small incision"
    assert page.supersedes is None
    rules = derive_ruleset(page, name="IPG387", version=2)
    assert rules.procedure_codes == ("V33.8", "V38.8")  # Z67.6 is an example site, not one
    assert dict(rules.levels_map) == {1: "V55.1"}
    assert dict(rules.approach_map) == {"fluoroscopy": "Y53.4"}
    assert rules.version == 2
    assert page.code_titles["Z67.6"] == "Lumbosacral joint"


def test_the_published_sequence_is_valid_under_the_derived_rule_set():
    rules = derive_ruleset(parse_guidance(DISC_FUSION), name="IPG387")
    result = validate(
        ["V33.8", "V55.1", "Y53.4", "V38.8", "V55.1", "Y53.4", "Z67.6"],
        ruleset=rules,
        context=Context(approach="percutaneous", image_guidance="fluoroscopy", levels=1),
        catalogue=load_shipped_catalogue(),
    )
    assert result.valid
    assert result.issues == []


def test_it_refuses_a_page_without_coding_recommendations():
    with pytest.raises(GuidanceFormatError, match="no 'Coding recommendations' section"):
        parse_guidance(
            "NICE has issued full guidance to the NHS on Something.\n\nYour responsibility\n"
        )


def test_it_refuses_coding_recommendations_that_list_no_procedure():
    page = parse_guidance(
        "Coding recommendations\n\nZ67.6 Lumbosacral joint\n\nSite code from Chapter Z\n"
    )
    with pytest.raises(GuidanceFormatError, match="no procedure code"):
        derive_ruleset(page, name="X")


def test_a_page_asking_for_no_site_code_gives_a_rule_set_without_one():
    page = parse_guidance("Coding recommendations\n\nV40.1 Non-rigid stabilisation of spine\n")
    assert page.title is None
    assert derive_ruleset(page, name="X").site_chapter is None
