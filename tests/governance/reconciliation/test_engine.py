"""The reconciliation engine, without a database: an extract compared with known cases."""

from __future__ import annotations

import io
import itertools
from datetime import date

import pytest

from coding.engine import UsageError, ipg366_ruleset, load_shipped_catalogue
from governance.reconciliation.engine import (
    MATCHED,
    MISCODED,
    NO_CODED_EPISODE,
    OUTSIDE_GOVERNANCE,
    ROW_ERROR,
    KnownCase,
    Reconciler,
    parse_day,
    write_csv,
)

HEADER = (
    "episode_id,nhs_number,performed_on,OPERTN_01,OPERTN_02,OPERTN_03,OPERTN_04,"
    "approach,image_guidance,levels\n"
)
RIGHT = "V40.1,V55.1,Z67.6,,open,none,1"  # open, one level: coded as NICE says
LEVELS_MISSING = "V40.1,Z67.6,,,open,none,1"
PATIENT, OTHER_PATIENT, THIRD_PATIENT = "9434765919", "9434765870", "4010232137"


def case(number: int, day: date, nhs_number: str = PATIENT, ruleset: str = "IPG366"):
    return KnownCase(number, 10, ruleset, nhs_number, day)


def reconcile(text: str, cases=(), **options):
    reconciler = Reconciler(
        cases=cases,
        rulesets=[ipg366_ruleset()],
        catalogue=load_shipped_catalogue(),
        **options,
    )
    findings = list(reconciler.findings(io.StringIO(text)))
    return findings, reconciler.summary


def by_episode(findings):
    return {f.episode_id: f for f in findings if f.episode_id}


def test_an_episode_logged_as_a_case_within_three_days_is_matched():
    findings, summary = reconcile(
        HEADER + f"E1,{PATIENT},2026-03-04,{RIGHT}\n", [case(1, date(2026, 3, 1))]
    )

    (finding,) = findings
    assert (finding.finding, finding.case, finding.introduction) == (MATCHED, 1, 10)
    assert summary.exit_code == 0
    assert summary.counts[MATCHED] == 1


def test_a_governed_episode_with_no_case_is_outside_governance():
    text = HEADER + "".join(
        [
            f"E1,{OTHER_PATIENT},2026-03-01,{RIGHT}\n",  # another patient's case only
            f"E2,{PATIENT},2026-03-05,{RIGHT}\n",  # four days after the case
            f"E3,{THIRD_PATIENT},2026-03-01,{RIGHT}\n",  # this patient's case is another rule set
        ]
    )
    cases = [case(1, date(2026, 3, 1)), case(2, date(2026, 3, 1), THIRD_PATIENT, "IPG999")]

    findings, summary = reconcile(text, cases)

    found = by_episode(findings)
    assert [found[e].finding for e in ("E1", "E2", "E3")] == [OUTSIDE_GOVERNANCE] * 3
    assert found["E1"].case is None
    assert summary.exit_code == 1


def test_a_matched_episode_coded_wrong_is_miscoded_with_its_rules():
    findings, _ = reconcile(
        HEADER + f"E1,{PATIENT},2026-03-01,{LEVELS_MISSING}\n", [case(7, date(2026, 3, 1))]
    )

    (finding,) = findings
    assert finding.finding == MISCODED
    assert finding.case == 7
    assert "levels-missing" in finding.rules


def test_episodes_without_a_governed_code_are_counted_and_left_alone():
    findings, summary = reconcile(HEADER + f"E1,{PATIENT},2026-03-01,W37.1,,,,,,\n")

    assert findings == []
    assert (summary.episodes, summary.governed) == (1, 0)
    assert summary.exit_code == 0


def test_codes_are_recognised_however_the_extract_spells_them():
    text = (
        "episode_id,nhs_number,OPDATE_01,codes,approach,image_guidance,levels\n"
        f"E1,{PATIENT},20260301,v401 v551 z676,open,none,1\n"
        f"E2,{OTHER_PATIENT},01/03/2026,V401;V551;Z676,open,none,1\n"
    )
    cases = [case(1, date(2026, 3, 1)), case(2, date(2026, 3, 2), OTHER_PATIENT)]

    findings, _ = reconcile(text, cases)

    assert [(f.episode_id, f.finding) for f in findings] == [("E1", MATCHED), ("E2", MATCHED)]


def test_unreadable_rows_are_reported_with_the_field_and_the_run_goes_on():
    text = HEADER + "".join(
        [
            f"E1,,2026-03-01,{RIGHT}\n",
            f"E2,{PATIENT},31/04/2026,{RIGHT}\n",
            f"E3,{PATIENT},2026-03-01,V40.1\n",
            f"E4,94347659,2026-03-01,{RIGHT}\n",
            f"E5,{PATIENT},2026-03-01,{RIGHT}\n",
        ]
    )

    findings, summary = reconcile(text, [case(1, date(2026, 3, 1))])

    found = by_episode(findings)
    assert {e: found[e].finding for e in found} == {
        "E1": ROW_ERROR,
        "E2": ROW_ERROR,
        "E3": ROW_ERROR,
        "E4": ROW_ERROR,
        "E5": MATCHED,
    }
    assert found["E1"].message == "line 2: nhs_number is empty"
    assert found["E2"].message == "line 3: performed_on '31/04/2026' is not a date"
    assert found["E3"].message == "line 4: the row has 4 fields where the header has 10"
    assert found["E4"].message == "line 5: nhs_number is not ten digits"
    assert summary.counts[ROW_ERROR] == 4


def test_cases_of_the_period_with_no_episode_are_flagged_after_the_file():
    text = HEADER + "".join(
        [
            f"E1,{PATIENT},2026-03-01,{RIGHT}\n",
            f"E2,{OTHER_PATIENT},2026-03-31,{RIGHT}\n",
        ]
    )
    cases = [
        case(1, date(2026, 3, 1)),
        case(2, date(2026, 3, 31), OTHER_PATIENT),
        case(3, date(2026, 3, 15), THIRD_PATIENT),  # in the period, no episode
        case(4, date(2026, 3, 20), ""),  # no NHS number: no episode can match it
        case(5, date(2026, 2, 27), THIRD_PATIENT),  # before the period the file covers
        case(6, date(2026, 4, 1), THIRD_PATIENT),  # after it
    ]

    findings, summary = reconcile(text, cases)

    flagged = [(f.finding, f.case) for f in findings if f.finding != MATCHED]
    assert flagged == [(NO_CODED_EPISODE, 3), (NO_CODED_EPISODE, 4)]
    assert (summary.first_day, summary.last_day) == (date(2026, 3, 1), date(2026, 3, 31))


def test_two_episodes_of_one_patient_match_two_cases_nearest_first():
    text = HEADER + "".join(
        [
            f"E1,{PATIENT},2026-03-02,{RIGHT}\n",
            f"E2,{PATIENT},2026-03-03,{RIGHT}\n",
        ]
    )
    cases = [case(1, date(2026, 3, 2)), case(2, date(2026, 3, 5))]

    findings, _ = reconcile(text, cases)

    assert [(f.episode_id, f.case) for f in findings] == [("E1", 1), ("E2", 2)]


def test_the_window_is_the_spec_three_days_either_side():
    text = HEADER + "".join(
        f"E{n},{PATIENT},{day},{RIGHT}\n"
        for n, day in enumerate(["2026-02-26", "2026-02-25", "2026-03-04", "2026-03-05"], 1)
    )

    findings, _ = reconcile(text, [case(1, date(2026, 3, 1))])

    found = by_episode(findings)
    assert [found[f"E{n}"].finding for n in range(1, 5)] == [
        MATCHED,
        OUTSIDE_GOVERNANCE,
        MATCHED,
        OUTSIDE_GOVERNANCE,
    ]


def test_a_header_missing_a_required_column_is_a_usage_error_naming_it():
    reconciler = Reconciler(
        cases=[], rulesets=[ipg366_ruleset()], catalogue=load_shipped_catalogue()
    )

    with pytest.raises(UsageError, match="no performed_on or opdate_01 column"):
        reconciler.findings(io.StringIO("episode_id,nhs_number,codes\nE1,1,V40.1\n"))
    with pytest.raises(UsageError, match="no nhs_number column"):
        reconciler.findings(io.StringIO("episode_id,OPDATE_01,codes\nE1,2026-01-01,V40.1\n"))


def test_the_extract_is_read_lazily_so_memory_does_not_grow_with_the_file():
    def endless():
        yield HEADER
        for n in itertools.count(1):
            yield f"E{n},{OTHER_PATIENT},2026-03-01,{RIGHT}\n"

    reconciler = Reconciler(
        cases=[], rulesets=[ipg366_ruleset()], catalogue=load_shipped_catalogue()
    )
    first = list(itertools.islice(reconciler.findings(endless()), 3))

    assert [f.episode_id for f in first] == ["E1", "E2", "E3"]


def test_the_csv_output_has_the_spec_columns():
    out = io.StringIO()
    findings, _ = reconcile(
        HEADER + f"E1,{PATIENT},2026-03-01,{LEVELS_MISSING}\n", [case(7, date(2026, 3, 1))]
    )

    write_csv(findings, out)

    header, row = out.getvalue().splitlines()
    assert header == "episode_id,nhs_number,performed_on,finding,case,introduction,rules"
    assert row.startswith(f"E1,{PATIENT},2026-03-01,miscoded,7,10,")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-03-01", date(2026, 3, 1)),
        ("20260301", date(2026, 3, 1)),
        ("01/03/2026", date(2026, 3, 1)),
        (" 1/3/2026 ", date(2026, 3, 1)),
        ("2026-02-30", None),
        ("", None),
        ("March", None),
        ("1/3/26", None),
    ],
)
def test_extract_dates(text, day):
    assert parse_day(text) == day


def test_a_line_the_csv_module_cannot_read_is_a_row_error_and_reading_goes_on():
    text = (
        HEADER
        + f'E1,{PATIENT},2026-03-01,"{"x" * 200_000}\n'
        + f"E2,{PATIENT},2026-03-01,{RIGHT}\n"
    )

    findings, _ = reconcile(text, [case(1, date(2026, 3, 1))])

    assert [f.finding for f in findings] == [ROW_ERROR, MATCHED]
    assert findings[0].message.startswith("line ")
    assert "cannot be read as CSV: field larger than field limit" in findings[0].message
