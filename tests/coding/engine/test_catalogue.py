"""The code catalogue: the shipped NICE codes, TRUD files, and maps grown from titles."""

from __future__ import annotations

from pathlib import Path

import pytest

from coding.engine import (
    Catalogue,
    CatalogueFormatError,
    grow_maps,
    ipg366_ruleset,
    iter_catalogue_rows,
    load_shipped_catalogue,
)
from coding.engine.catalogue import SHIPPED_TSV


def test_the_shipped_catalogue_is_partial_and_holds_the_codes_nice_pages_cite():
    shipped = load_shipped_catalogue()
    assert not shipped.full
    assert shipped.title("V40.1") == "Non-rigid stabilisation of spine"
    assert shipped.title("v401") == "Non-rigid stabilisation of spine"
    assert shipped.title("V55.9") == "Unspecified levels of spine"
    assert shipped.title("Y53.4") == "Approach to organ under fluoroscopic control"
    assert shipped.title("Z67.6") == "Lumbosacral joint"
    assert shipped.contains("V55.-")  # the category is listed
    assert not shipped.contains("V40")  # V40 itself is not
    assert not shipped.contains("V25.2")
    assert shipped.title("V25.2") is None


def test_the_shipped_file_has_a_header_and_a_source_for_every_code():
    lines = SHIPPED_TSV.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "code\ttitle\tsource"
    rows = list(iter_catalogue_rows(SHIPPED_TSV))
    assert len(rows) == len(lines) - 1 == 18
    assert all(row.source and row.source.strip() == row.source for row in rows)
    assert [row.code for row in rows if row.code.startswith("Z94")] == ["Z94", "Z94.2", "Z94.3"]
    v401 = next(row for row in rows if row.code == "V40.1")
    assert v401.source == "NICE IPG366 coding recommendations"


def test_it_reads_a_trud_file_of_code_tab_title_without_a_header(tmp_path: Path):
    trud = tmp_path / "OPCS410 CodesAndTitles.txt"
    trud.write_text("A01.1\tHemispherectomy\nV401\tNon-rigid stabilisation of spine\n\n")
    catalogue = Catalogue.from_tsv(trud, full=True)
    assert catalogue.full
    assert len(catalogue) == 2
    assert catalogue.title("A01.1") == "Hemispherectomy"
    assert catalogue.contains("V40.1")


def test_it_reads_lines_as_well_as_paths():
    catalogue = Catalogue.from_tsv(["code\ttitle\tsource", "Z67.6\tLumbosacral joint\tsomewhere"])
    assert catalogue.titles == {"Z67.6": "Lumbosacral joint"}


def test_it_reads_a_windows_encoded_file(tmp_path: Path):
    trud = tmp_path / "codes.txt"
    trud.write_bytes("X99.1\tCaf\xe9 title\n".encode("cp1252"))
    assert Catalogue.from_tsv(trud).title("X99.1") == "Caf\xe9 title"


@pytest.mark.parametrize(
    ("line", "named"),
    [("V40.1 Non-rigid stabilisation", "expected code<TAB>title"), ("V4\tShort", "'V4'")],
)
def test_it_refuses_a_bad_line_naming_it(line, named):
    with pytest.raises(CatalogueFormatError, match=f"line 2: .*{named}"):
        Catalogue.from_tsv(["A01.1\tHemispherectomy", line])


def test_it_refuses_titles_for_what_is_not_a_code():
    with pytest.raises(CatalogueFormatError):
        Catalogue({"nonsense": "title"})


def _catalogue(*rows: tuple[str, str]) -> Catalogue:
    return Catalogue(dict(rows))


def test_it_grows_the_maps_from_exact_titles_only():
    catalogue = _catalogue(
        ("V55.1", "One level of spine"),
        ("V55.2", "Two levels of spine"),
        ("V55.3", "Three levels of spine"),
        ("V55.8", "Other specified levels of spine"),
        ("V55.6", "Five or more levels of spine"),
        ("Y53.3", "Approach to organ under computed tomography control"),
        ("Y53.7", "Approach to organ under magnetic resonance imaging control"),
        ("Y53.1", "Approach to organ under radiological control"),
    )
    grown = grow_maps(ipg366_ruleset(), catalogue)
    assert dict(grown.levels_map) == {1: "V55.1", 2: "V55.2", 3: "V55.3"}
    assert dict(grown.approach_map) == {
        "ct": "Y53.3",
        "fluoroscopy": "Y53.4",
        "mri": "Y53.7",
        "ultrasound": "Y53.2",
    }
    assert grown.version == 1  # saving it as a new version is the caller's decision


def test_it_leaves_out_a_count_two_codes_claim():
    catalogue = _catalogue(("V55.2", "Two levels of spine"), ("V55.4", "Two levels of spine"))
    assert 2 not in grow_maps(ipg366_ruleset(), catalogue).levels_map


def test_it_never_overrides_an_existing_entry():
    catalogue = _catalogue(("Y53.6", "Approach to organ under fluoroscopic control"))
    assert grow_maps(ipg366_ruleset(), catalogue).approach_map["fluoroscopy"] == "Y53.4"


def test_it_returns_the_same_rule_set_when_there_is_nothing_to_grow():
    rules = ipg366_ruleset()
    assert grow_maps(rules, load_shipped_catalogue()) is rules


def test_it_reads_a_title_with_the_wrong_number_as_no_count():
    catalogue = _catalogue(("V55.2", "Two level of spine"), ("V55.3", "One levels of spine"))
    assert dict(grow_maps(ipg366_ruleset(), catalogue).levels_map) == {1: "V55.1"}
