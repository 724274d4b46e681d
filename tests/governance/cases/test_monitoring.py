"""The CUSUM, VLAD and PROM summary against series worked out by hand.

p0 = 0.1 and p1 = 0.2 give a failure the weight ln(0.2/0.1) = 0.693147 and a success the
weight ln(0.8/0.9) = -0.117783; the expected values below are those sums, floored at 0.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.cases.monitoring import Observation, monitor, prom_summary, weights

DAY = date(2026, 1, 5)
F, S = True, False


def series(*failed: bool, start: int = 1) -> list[Observation]:
    return [
        Observation(case=start + i, performed_on=DAY + timedelta(days=i), failed=f)
        for i, f in enumerate(failed)
    ]


def s_values(monitoring) -> list[float]:
    return [round(point.s, 6) for point in monitoring.cusum]


def test_the_cusum_adds_the_weights_and_signals_when_it_reaches_h():
    monitoring = monitor(series(F, F, S, F, F, F), p0=0.1, p1=0.2, h=2.0)

    assert s_values(monitoring) == [0.693147, 1.386294, 1.268511, 1.961659, 2.654806, 3.347953]
    assert monitoring.signal is True
    assert monitoring.signal_at_case == 5
    assert (monitoring.cases, monitoring.failures) == (6, 5)


def test_the_cusum_never_goes_below_zero():
    monitoring = monitor(series(S, S, F, S), p0=0.1, p1=0.2, h=2.0)

    assert s_values(monitoring) == [0.0, 0.0, 0.693147, 0.575364]
    assert monitoring.signal is False
    assert monitoring.signal_at_case is None


def test_the_vlad_falls_by_one_minus_p0_at_a_failure_and_rises_by_p0_otherwise():
    monitoring = monitor(series(F, S, S, F), p0=0.1, p1=0.2, h=2.0)

    assert [(p.case, round(p.value, 6)) for p in monitoring.vlad] == [
        (1, -0.9),
        (2, -0.8),
        (3, -0.7),
        (4, -1.6),
    ]


def test_cases_on_the_same_date_are_taken_in_case_order():
    # Given out of order: case 7 (a failure) and case 3 (a success) on one day, case 9 before.
    observations = [
        Observation(7, DAY, True),
        Observation(9, DAY - timedelta(days=1), True),
        Observation(3, DAY, False),
    ]

    monitoring = monitor(observations, p0=0.1, p1=0.2, h=5.0)

    assert [p.case for p in monitoring.cusum] == [9, 3, 7]
    assert s_values(monitoring) == [0.693147, 0.575364, 1.268511]


def test_a_case_edited_after_the_signal_moves_the_signal():
    before = monitor(series(F, F, S, F, F, F), p0=0.1, p1=0.2, h=2.0)
    after = monitor(series(F, F, S, S, F, F), p0=0.1, p1=0.2, h=2.0)  # case 4 no longer failed

    assert before.signal_at_case == 5
    assert s_values(after) == [0.693147, 1.386294, 1.268511, 1.150728, 1.843875, 2.537023]
    assert after.signal_at_case == 6


def test_each_rise_through_h_is_a_crossing_of_its_own():
    monitoring = monitor(series(F, F, S, S, S, S, F), p0=0.1, p1=0.2, h=1.0)

    assert s_values(monitoring)[1] == 1.386294
    assert s_values(monitoring)[5] == 0.915162  # back below h after four successes
    assert monitoring.crossings == [2, 7]
    assert monitoring.signal_at_case == 2


def test_no_cases_give_an_empty_series_and_no_signal():
    monitoring = monitor([], p0=0.1, p1=0.2, h=2.0)

    assert (monitoring.cases, monitoring.failures, monitoring.signal) == (0, 0, False)
    assert monitoring.cusum == [] and monitoring.vlad == []


@pytest.mark.parametrize(
    ("p0", "p1"), [(0.0, 0.2), (0.2, 0.2), (0.3, 0.2), (0.1, 1.0), (-0.1, 0.2), (0.1, 1.5)]
)
def test_rates_that_are_not_0_lt_p0_lt_p1_lt_1_are_refused(p0, p1):
    with pytest.raises(ValueError, match="0 < p0 < p1 < 1"):
        monitor(series(F), p0=p0, p1=p1, h=2.0)


@pytest.mark.parametrize("h", [0.0, -1.0, float("inf"), float("nan")])
def test_a_threshold_that_is_not_a_positive_number_is_refused(h):
    with pytest.raises(ValueError, match="h > 0"):
        monitor(series(F), p0=0.1, p1=0.2, h=h)


def test_rates_close_to_their_bounds_still_give_finite_weights():
    fail, success = weights(1e-6, 1 - 1e-6)

    assert round(fail, 3) == 13.816
    assert round(success, 3) == -13.816


@given(st.lists(st.booleans(), max_size=60), st.floats(0.01, 0.45), st.floats(1.5, 3.0))
def test_the_cusum_is_never_negative_and_rises_only_at_a_failure(failed, p0, ratio):
    monitoring = monitor(series(*failed), p0=p0, p1=min(p0 * ratio, 0.99), h=4.0)

    previous = 0.0
    for point in monitoring.cusum:
        assert point.s >= 0
        assert (point.s > previous) <= point.failed
        previous = point.s


def test_the_prom_summary_compares_each_patients_baseline_with_their_latest_odi():
    # (baseline, latest): changes -20, -5, +4; improved by 30% or more: 50 -> 30 only.
    summary = prom_summary([(50, 30), (40, 35), (20, 24)])

    assert summary.patients == 3
    assert summary.mean_odi_change == pytest.approx(-7.0)
    assert summary.share_odi_improved_30 == pytest.approx(1 / 3)


def test_the_prom_summary_of_no_patients_says_so():
    summary = prom_summary([])

    assert (summary.patients, summary.mean_odi_change, summary.share_odi_improved_30) == (
        0,
        None,
        None,
    )
