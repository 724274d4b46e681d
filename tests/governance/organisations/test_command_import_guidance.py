"""`manage.py import_guidance PATH --reference REF`: the guidance, the codes it cites, and
the rule set derived from its coding recommendations."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coding import services
from coding.models import Code, RuleSet
from governance.models import Guidance
from tests.coding.conftest import GUIDANCE_DISC_FUSION, GUIDANCE_NONRIGID

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]


DISC_SEQUENCE = ["V33.8", "V55.1", "Y53.4", "V38.8", "V55.1", "Y53.4", "Z67.6"]
PERCUTANEOUS = {"approach": "percutaneous", "image_guidance": "fluoroscopy", "levels": 1}


def import_guidance(*args: str) -> str:
    out = io.StringIO()
    call_command("import_guidance", *args, stdout=out)
    return out.getvalue()


def test_an_ipg366_page_sets_the_title_and_the_guidance_it_replaces(ipg366, admin_user):
    out = import_guidance(
        str(GUIDANCE_NONRIGID), "--reference", "ipg366", "--user", admin_user.username
    )

    guidance = Guidance.objects.get(reference="IPG366")
    assert guidance.title == "Non-rigid stabilisation techniques for the treatment of low back pain"
    assert guidance.supersedes == "IPG183"
    assert guidance.ruleset == ipg366
    assert guidance.history.first().history_user == admin_user
    assert "It replaces IPG183." in out


def test_the_ipg366_page_derives_the_seeded_rule_set_so_no_new_version_is_made(ipg366):
    out = import_guidance(str(GUIDANCE_NONRIGID), "--reference", "IPG366")

    ipg366.refresh_from_db()
    assert ipg366.version == 1
    assert ipg366.definition["procedure_codes"] == ["V40.1"]
    assert ipg366.definition["levels_unspecified"] == "V55.9"
    assert ipg366.definition["approach_unspecified"] == "Y53.9"
    assert ipg366.definition["site_chapter"] == "Z"
    assert "Rule set IPG366 unchanged at version 1: procedure codes V40.1" in out


def test_a_page_for_a_new_guidance_creates_its_rule_set_at_version_1(ipg366):
    RuleSet.objects.filter(pk=ipg366.pk).update(name="IPG999")

    import_guidance(str(GUIDANCE_NONRIGID), "--reference", "IPG366")

    ruleset = RuleSet.objects.get(name="IPG366")
    assert ruleset.version == 1
    assert "V40.1" in ruleset.definition["procedure_codes"]
    assert ruleset.history.get().history_change_reason.startswith("Imported from the IPG366")


def test_another_page_of_the_same_shape_makes_its_own_sequence_valid(ipg366):
    out = import_guidance(str(GUIDANCE_DISC_FUSION), "--reference", "IPG387")

    ruleset = RuleSet.objects.get(name="IPG387")
    assert ruleset.definition["procedure_codes"] == ["V33.8", "V38.8"]
    assert ruleset.definition["levels_map"]["1"] == "V55.1"
    assert ruleset.definition["approach_map"]["fluoroscopy"] == "Y53.4"
    assert Guidance.objects.get(reference="IPG387").supersedes == ""
    result = services.coding_validate(
        ruleset_name="IPG387", codes=DISC_SEQUENCE, context=PERCUTANEOUS
    )
    assert result["valid"] is True, result["issues"]
    assert result["issues"] == []
    assert "procedure codes V33.8, V38.8" in out


def test_the_second_procedure_of_such_a_page_needs_its_own_levels_and_image_control(ipg366):
    import_guidance(str(GUIDANCE_DISC_FUSION), "--reference", "IPG387")

    result = services.coding_validate(
        ruleset_name="IPG387",
        codes=["V33.8", "V55.1", "Y53.4", "V38.8", "Z67.6"],
        context=PERCUTANEOUS,
    )

    assert [(i["rule"], i["position"]) for i in result["issues"]] == [
        ("levels-missing", 4),
        ("approach-missing", 4),
    ]
    assert result["suggested"] == DISC_SEQUENCE


def test_codes_the_page_titles_are_added_to_the_catalogue_once(ipg366, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(
        GUIDANCE_DISC_FUSION.read_text().replace(
            "Z67.6 Lumbosacral joint",
            "Z67.6 Lumbosacral joint\n\nZ67.2 Lumbar intervertebral joint",
        )
    )

    out = import_guidance(str(page), "--reference", "IPG387")
    import_guidance(str(page), "--reference", "IPG387")

    code = Code.objects.get(code="Z67.2")
    assert (code.title, code.source) == (
        "Lumbar intervertebral joint",
        "NICE IPG387 coding recommendations",
    )
    assert code.history.count() == 1
    assert "1 code added to the catalogue." in out


def test_reimporting_keeps_the_spinal_categories_an_administrator_set(ipg366, admin_user):
    services.ruleset_update(
        ruleset=ipg366,
        definition={**ipg366.definition, "spinal_categories": ["V40", "V69"]},
        actor=admin_user,
        reason="Local categories",
    )

    import_guidance(str(GUIDANCE_NONRIGID), "--reference", "IPG366")

    ipg366.refresh_from_db()
    assert (ipg366.version, ipg366.definition["spinal_categories"]) == (2, ["V40", "V69"])


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("A page about something else entirely.\n", "no 'Coding recommendations' section"),
        ("Coding recommendations\n\nY53.- Approach to organ under image control\n", "no procedure"),
    ],
)
def test_a_page_without_usable_coding_recommendations_exits_2(ipg366, tmp_path, content, named):
    page = tmp_path / "page.txt"
    page.write_text(content)

    with pytest.raises(CommandError, match=named) as raised:
        import_guidance(str(page), "--reference", "IPG999", "--title", "A title")

    assert raised.value.returncode == 2
    assert not RuleSet.objects.filter(name="IPG999").exists()


def test_a_page_without_a_title_needs_one_given(ipg366, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("Coding recommendations\n\nV33.8 Other specified excision\n")

    with pytest.raises(CommandError, match="--title") as raised:
        import_guidance(str(page), "--reference", "IPG999")
    assert raised.value.returncode == 2

    import_guidance(str(page), "--reference", "IPG999", "--title", "Disc excision")
    assert Guidance.objects.get(reference="IPG999").title == "Disc excision"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["/nonexistent/page.txt", "--reference", "IPG366"], "Cannot read"),
        ([str(GUIDANCE_NONRIGID), "--reference", "not a reference"], "reference"),
        ([str(GUIDANCE_NONRIGID), "--reference", "IPG366", "--user", "nobody"], "no user"),
    ],
)
def test_bad_arguments_exit_2_naming_the_problem(ipg366, args, named):
    with pytest.raises(CommandError, match=named) as raised:
        import_guidance(*args)

    assert raised.value.returncode == 2
    assert not Guidance.objects.exists()
