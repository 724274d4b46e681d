"""`manage.py reconcile_episodes`: the coding department's extract against the logged cases."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import IntroductionFactory
from tests.governance.cases.conftest import INVALID, TODAY

PATIENT, OTHER_PATIENT, THIRD_PATIENT, FOURTH_PATIENT = (
    "9434765919",
    "9434765870",
    "4010232137",
    "9000000009",
)
COLUMNS = (
    "episode_id,nhs_number,OPDATE_01,OPERTN_01,OPERTN_02,OPERTN_03,OPERTN_04,"
    "approach,image_guidance,levels"
)
RIGHT = "V40.1,V55.1,Y53.4,Z67.6,percutaneous,fluoroscopy,1"


def day(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


@pytest.fixture
def cases(log_case):
    """Four cases of the trust: two with an episode, one miscoded in the extract, one none."""
    return {
        "matched": log_case(days_ago=20, nhs_number=PATIENT),
        "miscoded": log_case(days_ago=15, nhs_number=OTHER_PATIENT),
        "no_episode": log_case(days_ago=10, nhs_number=THIRD_PATIENT, codes=INVALID),
    }


@pytest.fixture
def extract(tmp_path, cases):
    path = tmp_path / "episodes.csv"
    path.write_text(
        "\n".join(
            [
                COLUMNS,
                f"H1,{PATIENT},{day(21)},{RIGHT}",
                f"H2,{OTHER_PATIENT},{day(15)},V40.1,Z67.6,,,percutaneous,fluoroscopy,1",
                f"H3,{FOURTH_PATIENT},{day(12)},{RIGHT}",  # nobody logged this one
                f"H4,{FOURTH_PATIENT},{day(5)},W37.1,,,,,,",  # not a governed procedure
                f"H5,{FOURTH_PATIENT},not a date,{RIGHT}",
                f"H6,{PATIENT},{day(2)},V40.1",
            ]
        )
        + "\n"
    )
    return path


def reconcile(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("reconcile_episodes", *args, stdout=out, stderr=err, **options)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_every_finding_is_reported_and_something_flagged_exits_1(extract, cases, organisation):
    code, out, err = reconcile(str(extract), organisation=organisation.ods_code)

    rows = list(csv.DictReader(io.StringIO(out)))
    found = {(row["episode_id"], row["finding"], row["case"]) for row in rows}
    assert found == {
        ("H1", "matched", str(cases["matched"].pk)),
        ("H2", "miscoded", str(cases["miscoded"].pk)),
        ("H3", "outside_governance", ""),
        ("H5", "row-error", ""),
        ("H6", "row-error", ""),
        ("", "no_coded_episode", str(cases["no_episode"].pk)),
    }
    miscoded = next(row for row in rows if row["finding"] == "miscoded")
    assert miscoded["introduction"] == str(cases["miscoded"].introduction_id)
    assert "levels-missing" in miscoded["rules"].split()
    assert code == 1
    assert "6 episodes" in err
    assert "1 outside_governance, 1 miscoded, 1 no_coded_episode, 2 row-error, 1 matched" in err


def test_the_jsonl_output_holds_the_reason_a_row_could_not_be_read(extract, organisation, tmp_path):
    output = tmp_path / "findings.jsonl"

    code, out, _ = reconcile(str(extract), organisation=organisation.ods_code, output=str(output))

    rows = [json.loads(line) for line in output.read_text().splitlines()]
    errors = {row["episode_id"]: row["message"] for row in rows if row["finding"] == "row-error"}
    assert errors == {
        "H5": "line 6: performed_on 'not a date' is not a date",
        "H6": "line 7: the row has 4 fields where the header has 10",
    }
    assert out == ""
    assert code == 1


def test_an_extract_all_logged_and_coded_right_exits_0(tmp_path, cases, organisation):
    path = tmp_path / "clean.csv"
    path.write_text(f"{COLUMNS}\nH1,{PATIENT},{day(20)},{RIGHT}\n")

    code, out, err = reconcile(str(path), organisation=organisation.ods_code)

    assert code == 0
    assert [row["finding"] for row in csv.DictReader(io.StringIO(out))] == ["matched"]
    assert "1 matched" in err


def test_another_trusts_cases_never_match(
    tmp_path, log_case, other_organisation, other_org_lead, ipg366
):
    theirs = IntroductionFactory(
        status="approved", organisation=other_organisation, guidance__ruleset=ipg366
    )
    log_case(days_ago=3, nhs_number=PATIENT, introduction=theirs, actor=other_org_lead)
    path = tmp_path / "ours.csv"
    path.write_text(f"{COLUMNS}\nH1,{PATIENT},{day(3)},{RIGHT}\n")

    code, out, _ = reconcile(str(path), organisation="DEFAULT")

    assert [row["finding"] for row in csv.DictReader(io.StringIO(out))] == ["outside_governance"]
    assert code == 1


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["missing.csv"], {"organisation": "DEFAULT"}, "FILE missing.csv: No such file"),
        ([], {"organisation": "NOPE"}, "--organisation NOPE: no such ODS code"),
        ([], {"organisation": "DEFAULT", "output": "x.txt"}, "must end in .csv or .jsonl"),
    ],
)
def test_usage_errors_exit_2_with_a_message(extract, args, options, message):
    with pytest.raises(CommandError, match=message) as raised:
        call_command("reconcile_episodes", *(args or [str(extract)]), **options)

    assert raised.value.returncode == 2


def test_a_header_missing_a_column_is_a_usage_error(tmp_path, organisation):
    path = tmp_path / "bad.csv"
    path.write_text("episode_id,OPDATE_01,OPERTN_01\nH1,2026-01-01,V40.1\n")

    with pytest.raises(CommandError, match="no nhs_number column") as raised:
        call_command("reconcile_episodes", str(path), organisation=organisation.ods_code)

    assert raised.value.returncode == 2
