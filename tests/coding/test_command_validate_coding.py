"""`manage.py validate_coding`: one episode and bulk CSV, exit 0 valid, 1 invalid, 2 usage."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
VALID = ["V40.1", "V55.1", "Z67.6"]


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the command called in process."""
    out, err = io.StringIO(), io.StringIO()
    extra = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    try:
        call_command("validate_coding", *args, stdout=out, stderr=err, **extra)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def usage_error(*args: str) -> str:
    with pytest.raises(CommandError) as raised:
        call_command("validate_coding", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert raised.value.returncode == 2
    return str(raised.value)


# One episode ----------------------------------------------------------------------------------


def test_a_valid_episode_prints_the_result_object_and_exits_0(ipg366):
    code, out, _ = run("--ruleset", "IPG366", "--levels", "1", *VALID)

    assert code == 0
    result = json.loads(out)
    assert result["valid"] is True
    assert result["codes"] == VALID
    assert (result["ruleset"], result["ruleset_version"]) == ("IPG366", 1)


def test_an_invalid_episode_prints_its_issues_and_exits_1(ipg366):
    code, out, _ = run("--ruleset", "IPG366", "V40.1", "Z67.6")

    assert code == 1
    result = json.loads(out)
    assert [(i["rule"], i["position"]) for i in result["issues"]] == [("levels-missing", 1)]
    assert result["suggested"] == ["V40.1", "V55.9", "Z67.6"]


def test_the_text_format_prints_one_line_an_issue_and_a_summary(ipg366):
    code, out, _ = run(
        "--ruleset", "IPG366", "--levels", "1", "--format", "text", "V40.1", "V55.9", "Z67.6"
    )

    assert code == 1
    assert out.splitlines() == [
        "2: V55.9 levels-mismatch error: V55.9 says the levels are unspecified, but 1 level "
        "was treated: use V55.1",
        "invalid: 1 error, 0 warnings (IPG366 v1); suggested: V40.1 V55.1 Z67.6",
    ]


def test_the_text_format_marks_an_issue_with_no_position_with_a_dash(ipg366):
    code, out, _ = run("--ruleset", "IPG366", "--format", "text", "--levels", "1", "V40.1,V55.1")

    assert code == 1
    assert out.splitlines()[0].startswith("-: site-missing error: ")


def test_the_context_options_reach_the_rules(ipg366):
    code, out, _ = run(
        "--ruleset", "ipg366", "--approach", "percutaneous", "--image-guidance", "fluoroscopy",
        "--levels", "1", "V40.1", "V55.1", "Z67.6",
    )  # fmt: skip

    assert code == 1
    assert json.loads(out)["suggested"] == ["V40.1", "V55.1", "Y53.4", "Z67.6"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--ruleset", "IPG000", "V40.1"], "--ruleset: Unknown rule set 'IPG000'"),
        (["--ruleset", "IPG366", "--approach", "keyhole", "V40.1"], "--approach"),
        (["--ruleset", "IPG366", "--image-guidance", "x-ray", "V40.1"], "--image-guidance"),
        (["--ruleset", "IPG366", "--levels", "0", "V40.1"], "--levels"),
        (["--ruleset", "IPG366", *["V40.1"] * 25], "25 codes, more than the 24 an episode holds"),
        (["--ruleset", "IPG366"], "No codes"),
        (["--ruleset", "IPG366", "--output", "x.csv", "V40.1"], "--output needs --input"),
    ],
)
def test_a_usage_error_exits_2_with_a_message_naming_the_problem(ipg366, args, named):
    assert named in usage_error(*args)


def test_a_missing_ruleset_option_is_a_usage_error(ipg366):
    with pytest.raises(CommandError, match="--ruleset"):
        call_command("validate_coding", "V40.1", stdout=io.StringIO(), stderr=io.StringIO())


# Bulk -----------------------------------------------------------------------------------------

EXTRACT = (
    "episode_id,codes,approach,image_guidance,levels\n"
    "E1,V40.1 V55.1 Z67.6,,,1\n"
    "E2,V40.1 Z67.6,,,\n"
    "E3,V40.1,keyhole,,\n"
    'E4,"V40.1;V55.1;Y53.4;Z67.6",percutaneous,fluoroscopy,1\n'
)


def write(tmp_path: Path, text: str, name: str = "extract.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_bulk_writes_json_lines_to_stdout_reports_a_bad_row_and_goes_on(ipg366, tmp_path):
    code, out, err = run("--ruleset", "IPG366", "--input", str(write(tmp_path, EXTRACT)))

    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [(r["episode_id"], r["valid"]) for r in lines] == [
        ("E1", True),
        ("E2", False),
        ("E3", False),
        ("E4", True),
    ]
    assert lines[2]["issues"][0]["rule"] == "row-error"
    assert "approach" in lines[2]["issues"][0]["message"]
    assert "4 rows: 2 valid, 1 invalid, 1 row errors" in err


def test_bulk_writes_a_jsonl_file_named_by_its_extension(ipg366, tmp_path):
    output = tmp_path / "results.jsonl"

    code, out, err = run(
        "--ruleset", "IPG366", "--input", str(write(tmp_path, EXTRACT)), "--output", str(output)
    )

    assert code == 1
    assert out == ""
    results = [json.loads(line) for line in output.read_text().splitlines()]
    assert list(results[0]) == [
        "episode_id", "valid", "codes", "issues", "suggested", "ruleset", "ruleset_version",
    ]  # fmt: skip
    assert f"results in {output}" in err


def test_bulk_writes_a_csv_file_with_the_spec_columns(ipg366, tmp_path):
    output = tmp_path / "results.csv"

    run("--ruleset", "IPG366", "--input", str(write(tmp_path, EXTRACT)), "--output", str(output))

    rows = list(csv.DictReader(output.open()))
    assert list(rows[0]) == ["episode_id", "valid", "codes", "suggested", "rules"]
    assert rows[1] == {
        "episode_id": "E2",
        "valid": "false",
        "codes": "V40.1 Z67.6",
        "suggested": "V40.1 V55.9 Z67.6",
        "rules": "levels-missing",
    }
    assert rows[2]["rules"] == "row-error"


def test_bulk_reads_hes_opertn_columns_from_stdin_and_exits_0_when_all_are_valid(ipg366):
    extract = (
        "episode_id,OPERTN_01,OPERTN_02,OPERTN_03,OPERTN_04,levels\nH1,V40.1,V55.1,Z67.6,-,1\n"
    )

    code, out, err = run("--ruleset", "IPG366", "--input", "-", stdin=extract)

    assert code == 0
    assert json.loads(out)["codes"] == VALID
    assert "1 rows: 1 valid" in err


def test_a_row_with_too_many_codes_is_a_row_error_and_the_run_goes_on(ipg366):
    extract = f"episode_id,codes\nBIG,{' '.join(['V40.1'] * 25)}\nOK,V40.1 V55.9 Z67.6\n"

    code, out, _ = run("--ruleset", "IPG366", "--input", "-", stdin=extract)

    results = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [r["episode_id"] for r in results] == ["BIG", "OK"]
    assert results[0]["issues"][0]["rule"] == "row-error"
    assert results[1]["valid"] is True


def test_a_row_with_the_wrong_number_of_fields_is_a_row_error(ipg366):
    code, out, _ = run(
        "--ruleset", "IPG366", "--input", "-", stdin="episode_id,codes\nX1,V40.1,extra\n"
    )

    assert code == 1
    assert json.loads(out)["issues"][0]["rule"] == "row-error"


@pytest.mark.parametrize(
    ("extract", "named"),
    [
        ("id,codes\n1,V40.1\n", "no episode_id column"),
        ("episode_id,diagnosis\n1,M51.1\n", "no codes or OPERTN_01"),
        ("", "the input is empty"),
    ],
)
def test_an_extract_without_the_required_columns_is_a_usage_error_and_writes_nothing(
    ipg366, tmp_path, extract, named
):
    output = tmp_path / "results.csv"

    message = usage_error(
        "--ruleset", "IPG366", "--input", str(write(tmp_path, extract)), "--output", str(output)
    )

    assert named in message
    assert list(tmp_path.iterdir()) == [tmp_path / "extract.csv"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--output", "results.txt"], "must end in .jsonl or .csv"),
        (["--levels", "1"], "--levels: with --input"),
        (["--format", "text"], "--format text is for one episode"),
        (["V40.1"], "either codes or --input"),
    ],
)
def test_bulk_options_that_do_not_fit_are_usage_errors(ipg366, tmp_path, args, named):
    assert named in usage_error(
        "--ruleset", "IPG366", "--input", str(write(tmp_path, EXTRACT)), *args
    )


def test_bulk_with_an_unknown_rule_set_or_a_missing_file_is_a_usage_error(ipg366, tmp_path):
    assert "--ruleset" in usage_error("--ruleset", "IPG000", "--input", "-")
    assert "No such file" in usage_error(
        "--ruleset", "IPG366", "--input", str(tmp_path / "missing.csv")
    )


def test_the_progress_bar_is_drawn_only_on_a_terminal(ipg366, tmp_path):
    path = write(tmp_path, EXTRACT)
    for stderr, drawn in ((TTY(), True), (io.StringIO(), False)):
        with pytest.raises(SystemExit):
            call_command(
                "validate_coding", "--ruleset", "IPG366", "--input", str(path),
                stdout=io.StringIO(), stderr=stderr,
            )  # fmt: skip
        assert ("rows/s" in stderr.getvalue() or " rows [" in stderr.getvalue()) is drawn


# A real process -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def process_env(tmp_path_factory) -> dict[str, str]:
    """A migrated database of its own: the test database is not visible to another process."""
    database = tmp_path_factory.mktemp("db") / "cli.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "PYTEST_VERSION"}
    }
    env.update(DATABASE_URL=f"sqlite:///{database}", DJANGO_DEBUG="true")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def manage(env: dict[str, str], *args: str, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "manage.py", "validate_coding", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_real_process_exits_0_1_and_2_with_the_message_on_stderr(process_env):
    valid = manage(process_env, "--ruleset", "IPG366", "--levels", "1", *VALID)
    invalid = manage(process_env, "--ruleset", "IPG366", "--format", "text", "V40.1", "Z67.6")
    unknown = manage(process_env, "--ruleset", "IPG000", "V40.1")
    too_many = manage(process_env, "--ruleset", "IPG366", *["V40.1"] * 25)

    assert (valid.returncode, json.loads(valid.stdout)["valid"]) == (0, True)
    assert invalid.returncode == 1
    assert invalid.stdout.startswith("1: V40.1 levels-missing error:")
    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert "Unknown rule set 'IPG000'" in unknown.stderr
    assert too_many.returncode == 2
    assert "more than the 24" in too_many.stderr


def test_a_real_process_validates_a_csv_from_stdin_with_a_summary_on_stderr(process_env):
    done = manage(process_env, "--ruleset", "IPG366", "--input", "-", stdin=EXTRACT)

    assert done.returncode == 1
    assert len(done.stdout.splitlines()) == 4
    assert "4 rows: 2 valid, 1 invalid, 1 row errors" in done.stderr
    assert "\r" not in done.stderr  # not a terminal: no progress bar


cells = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12
) | st.sampled_from(["V40.1", "V55.1", "Z67.6", "percutaneous", "ct", "1", "", "-"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=6), max_size=8))
def test_any_csv_rows_give_one_result_a_row_and_exit_0_or_1(ipg366, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["episode_id", "codes", "approach", "image_guidance", "levels"])
    writer.writerows(rows)

    code, stdout, _ = run("--ruleset", "IPG366", "--input", "-", stdin=out.getvalue())

    assert code in (0, 1)
    for line in stdout.splitlines():
        result = json.loads(line)
        assert isinstance(result["valid"], bool)
        assert "episode_id" in result


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200))
def test_any_text_after_a_good_header_exits_0_1_or_2_never_crashing(ipg366, text):
    try:
        code, _, _ = run("--ruleset", "IPG366", "--input", "-", stdin="episode_id,codes\n" + text)
    except CommandError as error:
        code = error.returncode
    assert code in (0, 1, 2)
