"""Bulk validation: the CSV reader, row errors, the two output formats and the summary."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator

import pytest

from coding.engine import (
    Catalogue,
    Context,
    UsageError,
    ipg366_ruleset,
    iter_rows,
    run_bulk,
    validate,
)

IPG366 = ipg366_ruleset()
USED = "V40.1 V55.1 V55.9 Y53.2 Y53.4 Y53.9 Z67.6 Z94.2"
FULL = Catalogue({code: f"placeholder {code}" for code in USED.split()}, full=True)
OPERTN = ",".join(f"OPERTN_{n:02d}" for n in range(1, 25))


def run(text: str, fmt: str = "jsonl", **kwargs):
    out = io.StringIO()
    summary = run_bulk(io.StringIO(text), out, fmt=fmt, ruleset=IPG366, catalogue=FULL, **kwargs)
    return summary, out.getvalue()


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_it_splits_the_codes_column_on_spaces_commas_and_semicolons():
    rows = list(
        iter_rows(
            io.StringIO('episode_id,codes\nE1,"V40.1, V55.1;Y53.4  Z67.6"\nE2,V401;V559;Z676\n')
        )
    )
    assert [row.codes for row in rows] == [
        ["V40.1", "V55.1", "Y53.4", "Z67.6"],
        ["V401", "V559", "Z676"],
    ]
    assert [row.episode_id for row in rows] == ["E1", "E2"]
    assert [row.line for row in rows] == [2, 3]
    assert rows[0].context == Context()


def test_it_reads_opertn_columns_in_number_order_skipping_empty_cells():
    header = "episode_id,OPERTN_02,OPERTN_01,OPERTN_03,OPERTN_04,approach,image_guidance,levels"
    text = f"{header}\nE1,V551,V401,-,Z676,percutaneous,,1\nE2,,V401,&,,,,\n"
    rows = list(iter_rows(io.StringIO(text)))
    assert rows[0].codes == ["V401", "V551", "Z676"]
    assert rows[0].context == Context("percutaneous", None, 1)
    assert rows[1].codes == ["V401"]


def test_it_matches_header_names_ignoring_case_and_a_byte_order_mark():
    rows = list(iter_rows(io.StringIO("\ufeffEpisode_ID,Codes,Levels\nE1,V40.1 V55.1 Z67.6,1\n")))
    assert rows[0].codes == ["V40.1", "V55.1", "Z67.6"]
    assert rows[0].context.levels == 1


def test_it_reads_lazily_so_memory_does_not_grow_with_the_file():
    def endless() -> Iterator[str]:
        yield "episode_id,codes\n"
        for n in itertools.count():
            yield f"E{n},V40.1 V55.1 Z67.6\n"

    first = list(itertools.islice(iter_rows(endless()), 3))
    assert [row.episode_id for row in first] == ["E0", "E1", "E2"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("", "the input is empty"),
        ("id,codes\nE1,V40.1\n", "no episode_id column"),
        ("episode_id,procedures\nE1,V40.1\n", "no codes or OPERTN_01..OPERTN_24 columns"),
        (f"episode_id,codes,{OPERTN}\n", "both codes and OPERTN_ columns"),
    ],
)
def test_a_missing_required_column_is_a_usage_error_before_anything_is_written(text, named):
    out = io.StringIO()
    with pytest.raises(UsageError, match=named):
        run_bulk(io.StringIO(text), out, fmt="csv", ruleset=IPG366, catalogue=FULL)
    assert out.getvalue() == ""


def test_an_unknown_output_format_is_a_usage_error():
    with pytest.raises(UsageError, match="jsonl or csv"):
        run("episode_id,codes\n", fmt="xml")


def test_each_jsonl_line_is_the_result_object_with_the_episode_id():
    summary, text = run(
        "episode_id,codes,approach,image_guidance,levels\n"
        "E1,V40.1 V55.1 Y53.4 Z67.6,percutaneous,fluoroscopy,1\n"
        "E2,V40.1 Z67.6,,,\n"
    )
    lines = jsonl(text)
    expected = validate(["V40.1", "Z67.6"], ruleset=IPG366, catalogue=FULL).to_dict()
    assert lines[1] == {"episode_id": "E2", **expected}
    assert list(lines[1]) == ["episode_id", *expected]
    assert lines[0]["valid"] is True
    assert lines[0]["suggested"] == ["V40.1", "V55.1", "Y53.4", "Z67.6"]
    assert (summary.rows, summary.valid, summary.invalid, summary.row_errors) == (2, 1, 1, 0)
    assert summary.exit_code == 1


def test_the_csv_output_has_one_row_an_episode():
    _, text = run(
        "episode_id,codes\nE1,V40.1 V55.1 Z67.6\nE2,Z67.6 V40.1\nE3,V40.1 V4O.1 Z67.6\n",
        fmt="csv",
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["episode_id", "valid", "codes", "suggested", "rules"],
        ["E1", "true", "V40.1 V55.1 Z67.6", "V40.1 V55.1 Z67.6", ""],
        ["E2", "false", "Z67.6 V40.1", "V40.1 V55.9 Z67.6", "subsidiary-primary levels-missing"],
        ["E3", "false", "V40.1 V4O.1 Z67.6", "", "levels-missing format"],
    ]


def test_a_bad_row_is_reported_as_a_row_error_and_the_run_goes_on():
    too_many = " ".join(["Z67.6"] * 25)
    summary, text = run(
        "episode_id,codes,levels\n"
        "E1,V40.1 V55.1 Z67.6,two\n"
        ",V40.1 V55.1 Z67.6,1\n"
        f"E3,{too_many},1\n"
        "E4,V40.1,1,extra\n"
        "E5,V40.1 V55.1 Z67.6,1\n"
    )
    lines = jsonl(text)
    assert [line["episode_id"] for line in lines] == ["E1", None, "E3", "E4", "E5"]
    errors = [line["issues"][0] for line in lines[:4]]
    assert {issue["rule"] for issue in errors} == {"row-error"}
    assert all(issue["severity"] == "error" and issue["position"] is None for issue in errors)
    assert errors[0]["message"].startswith("line 2: levels must be a whole number")
    assert errors[1]["message"] == "line 3: episode_id is empty"
    assert (
        errors[2]["message"]
        == "line 4: codes: 25 codes, more than the 24 an episode holds (OPERTN_01 to OPERTN_24)"
    )
    assert errors[3]["message"] == "line 5: the row has 4 fields where the header has 3"
    assert all(line["valid"] is False and line["suggested"] is None for line in lines[:4])
    assert lines[4]["valid"] is True
    assert (summary.rows, summary.valid, summary.invalid, summary.row_errors) == (5, 1, 0, 4)
    assert summary.exit_code == 1
    assert summary.by_rule["row-error"] == 4


def test_it_skips_blank_lines_and_lines_of_empty_cells():
    summary, text = run("episode_id,codes\n\nE1,V40.1 V55.1 Z67.6\n,\n")
    assert [line["episode_id"] for line in jsonl(text)] == ["E1"]
    assert summary.rows == 1
    assert summary.exit_code == 0


def test_the_exit_code_is_0_when_every_row_is_valid():
    summary, _ = run("episode_id,codes\nE1,V40.1 V55.1 Z67.6\nE2,V401 V551 Z676 Z942\n")
    assert (summary.rows, summary.valid) == (2, 2)
    assert summary.exit_code == 0
    assert str(summary) == "2 rows: 2 valid, 0 invalid, 0 row errors"


def test_it_reports_progress_as_increments_for_a_progress_bar():
    text = "episode_id,codes\n" + "".join(f"E{n},V40.1 V55.1 Z67.6\n" for n in range(2500))
    steps: list[int] = []
    summary, _ = run(text, progress=steps.append)
    assert steps == [1000, 1000, 500]
    assert sum(steps) == summary.rows == 2500


def test_remembering_repeated_rows_changes_no_output():
    rows = [
        "E1,V40.1 Z67.6,,,",
        "E2,V40.1 Z67.6,percutaneous,,1",
        "E3,V40.1 V55.1 Y53.4 Z67.6,percutaneous,fluoroscopy,1",
        "E4,V40.1 Z67.6,,,",
        "E5,V40.1 V4O.1,,,",
    ]
    text = "episode_id,codes,approach,image_guidance,levels\n" + "\n".join(rows * 3) + "\n"
    for fmt in ("jsonl", "csv"):
        assert run(text, fmt)[1] == run(text, fmt, memo_size=0)[1] == run(text, fmt, memo_size=2)[1]


def test_a_line_the_csv_module_cannot_read_is_reported_and_the_run_goes_on():
    text = "episode_id,codes\n" + "E1," + "x" * 200_000 + "\nE2,V40.1 V55.1 Z67.6\n"
    out = io.StringIO()

    summary = run_bulk(
        io.StringIO(text),
        out,
        fmt="csv",
        ruleset=IPG366,
        catalogue=FULL,
    )

    rows = out.getvalue().splitlines()
    assert rows[1].endswith(",false,,,row-error")
    assert rows[2].startswith("E2,")
    assert summary.row_errors == 1
