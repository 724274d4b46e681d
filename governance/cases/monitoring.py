"""The statistics of monitoring, in plain Python (no Django): the Bernoulli CUSUM, the VLAD
curve and the PROM summary (DESIGN.md, "Monitoring"; SPEC.md section 5).

One implementation for the monitoring page, its charts, the API, the committee report and the
signal notice: each passes the cases as `Observation`s and reads the same `Monitoring`.

    S_n = max(0, S_{n-1} + W_n),  W_n = ln(p1/p0) on failure, ln((1-p1)/(1-p0)) otherwise
    signal when S_n >= h;  VLAD_n = sum of (p0 - failed) over the first n cases

Cases are taken in date order, ties by case id. The CUSUM is not reset after a signal: a
*crossing* is a case at which S rises to h or above from below it, and each crossing is told
to the leads once.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

# ODI improved: at least this share of the baseline score gone by the latest time point (a
# 30% reduction is the commonly used minimal important change for the Oswestry index).
ODI_IMPROVED_SHARE = 0.30


class Observation(NamedTuple):
    """One case as monitoring sees it: when it was performed and whether it failed."""

    case: int
    performed_on: date
    failed: bool


@dataclass(frozen=True)
class CusumPoint:
    case: int
    performed_on: date
    failed: bool
    s: float


@dataclass(frozen=True)
class VladPoint:
    case: int
    value: float


@dataclass(frozen=True)
class Point:
    """One case of the series as the tables and the CSV show it: its number (its place in
    date order, from 1), the CUSUM and the VLAD after it, and whether S crossed h there."""

    number: int
    case: int
    performed_on: date
    failed: bool
    s: float
    vlad: float
    crossing: bool


@dataclass(frozen=True)
class Monitoring:
    """The series as columns, one entry a case in date order: a few arrays rather than an
    object a case, so that 20,000 cases unpickle from the cache in microseconds
    (cases/services.py `Monitored`) and a page reads only the slice it shows (`points`).
    `cusum` and `vlad` give the whole series as points, for the API and the report."""

    p0: float
    p1: float
    h: float
    case_ids: array  # of int
    days: array  # of date ordinals
    failed_flags: bytes  # 1 a failure, 0 not
    s_values: array  # of float
    vlad_values: array  # of float
    crossing_at: tuple[int, ...]  # where S rose to h or above from below it (0-based)

    @property
    def cases(self) -> int:
        return len(self.case_ids)

    @property
    def failures(self) -> int:
        return self.failed_flags.count(1)

    @property
    def signal(self) -> bool:
        return bool(self.crossing_at)

    @property
    def signal_at_case(self) -> int | None:
        """The first case at which S reached h, or None (S starts below h, so the first case
        at or above it is the first crossing)."""
        return self.case_ids[self.crossing_at[0]] if self.crossing_at else None

    @property
    def crossings(self) -> list[int]:
        """The cases at which S rose to h or above from below it, in order."""
        return [self.case_ids[i] for i in self.crossing_at]

    @property
    def last_s(self) -> float:
        return self.s_values[-1] if self.s_values else 0.0

    @property
    def cusum(self) -> list[CusumPoint]:
        day = date.fromordinal
        return [
            CusumPoint(case, day(ordinal), bool(failed), s)
            for case, ordinal, failed, s in zip(
                self.case_ids, self.days, self.failed_flags, self.s_values, strict=True
            )
        ]

    @property
    def vlad(self) -> list[VladPoint]:
        return [
            VladPoint(case, value)
            for case, value in zip(self.case_ids, self.vlad_values, strict=True)
        ]

    def points(self, start: int = 0, stop: int | None = None) -> list[Point]:
        """The cases from `start` to `stop` (0-based, as a slice), numbered from 1."""
        start, stop, _ = slice(start, stop).indices(self.cases)
        crossing = set(self.crossing_at)
        return [
            Point(
                i + 1,
                self.case_ids[i],
                date.fromordinal(self.days[i]),
                bool(self.failed_flags[i]),
                self.s_values[i],
                self.vlad_values[i],
                i in crossing,
            )
            for i in range(start, stop)
        ]


def weights(p0: float, p1: float) -> tuple[float, float]:
    """(W on failure, W otherwise). p0 and p1 are failure rates, 0 < p0 < p1 < 1."""
    if not (0 < p0 < p1 < 1):
        raise ValueError(f"need 0 < p0 < p1 < 1, got p0={p0}, p1={p1}")
    return math.log(p1 / p0), math.log((1 - p1) / (1 - p0))


def in_order(observations: Iterable[Observation]) -> list[Observation]:
    """Date order, ties by case id: the order every series is computed in."""
    return sorted(observations, key=lambda o: (o.performed_on, o.case))


def monitor(observations: Iterable[Observation], *, p0: float, p1: float, h: float) -> Monitoring:
    """The CUSUM and VLAD of the cases, in date order (ties by case id): the Bernoulli CUSUM,
    S floored at 0, and the VLAD, the cumulative sum of p0 - failed (a rise is better than
    expected, a fall worse)."""
    fail, success = weights(p0, p1)
    if not (math.isfinite(h) and h > 0):
        raise ValueError(f"need h > 0, got {h}")
    ordered = in_order(observations)
    s = value = 0.0
    s_values, vlad_values, crossing_at = [], [], []
    for i, (_, _, failed) in enumerate(ordered):
        below = s < h
        s = max(0.0, s + (fail if failed else success))
        value += p0 - (1 if failed else 0)
        s_values.append(s)
        vlad_values.append(value)
        if below and s >= h:
            crossing_at.append(i)
    return Monitoring(
        p0=p0,
        p1=p1,
        h=h,
        case_ids=array("q", [o.case for o in ordered]),
        days=array("i", [o.performed_on.toordinal() for o in ordered]),
        failed_flags=bytes(bool(o.failed) for o in ordered),
        s_values=array("d", s_values),
        vlad_values=array("d", vlad_values),
        crossing_at=tuple(crossing_at),
    )


@dataclass(frozen=True)
class PromSummary:
    patients: int  # patients with a baseline ODI and a later one
    mean_odi_change: float | None  # latest minus baseline: negative is better
    share_odi_improved_30: float | None  # share whose ODI fell by at least 30% of baseline


def prom_summary(pairs: Iterable[tuple[float, float]]) -> PromSummary:
    """From each patient's (baseline ODI, ODI at their latest time point after baseline)."""
    pairs = list(pairs)
    if not pairs:
        return PromSummary(0, None, None)
    changes = [latest - baseline for baseline, latest in pairs]
    improved = sum(
        1
        for baseline, latest in pairs
        if baseline - latest >= ODI_IMPROVED_SHARE * baseline and baseline > 0
    )
    return PromSummary(
        patients=len(pairs),
        mean_odi_change=sum(changes) / len(changes),
        share_odi_improved_30=improved / len(pairs),
    )
