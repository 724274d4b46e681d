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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

# ODI improved: at least this share of the baseline score gone by the latest time point (a
# 30% reduction is the commonly used minimal important change for the Oswestry index).
ODI_IMPROVED_SHARE = 0.30


@dataclass(frozen=True)
class Observation:
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
class Monitoring:
    p0: float
    p1: float
    h: float
    cusum: list[CusumPoint] = field(default_factory=list)
    vlad: list[VladPoint] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return len(self.cusum)

    @property
    def failures(self) -> int:
        return sum(point.failed for point in self.cusum)

    @property
    def signal(self) -> bool:
        return self.signal_at_case is not None

    @property
    def signal_at_case(self) -> int | None:
        """The first case at which S reached h, or None."""
        return next((p.case for p in self.cusum if p.s >= self.h), None)

    @property
    def crossings(self) -> list[int]:
        """The cases at which S rose to h or above from below it, in order."""
        found, below = [], True
        for point in self.cusum:
            if point.s >= self.h and below:
                found.append(point.case)
            below = point.s < self.h
        return found

    @property
    def last_s(self) -> float:
        return self.cusum[-1].s if self.cusum else 0.0


def weights(p0: float, p1: float) -> tuple[float, float]:
    """(W on failure, W otherwise). p0 and p1 are failure rates, 0 < p0 < p1 < 1."""
    if not (0 < p0 < p1 < 1):
        raise ValueError(f"need 0 < p0 < p1 < 1, got p0={p0}, p1={p1}")
    return math.log(p1 / p0), math.log((1 - p1) / (1 - p0))


def in_order(observations: Iterable[Observation]) -> list[Observation]:
    """Date order, ties by case id: the order every series is computed in."""
    return sorted(observations, key=lambda o: (o.performed_on, o.case))


def cusum(observations: Sequence[Observation], *, p0: float, p1: float) -> list[CusumPoint]:
    """The Bernoulli CUSUM over `observations` (already in order)."""
    fail, success = weights(p0, p1)
    s, points = 0.0, []
    for o in observations:
        s = max(0.0, s + (fail if o.failed else success))
        points.append(CusumPoint(o.case, o.performed_on, o.failed, s))
    return points


def vlad(observations: Sequence[Observation], *, p0: float) -> list[VladPoint]:
    """Observed minus expected: the cumulative sum of p0 - failed (a rise is better than
    expected, a fall worse)."""
    value, points = 0.0, []
    for o in observations:
        value += p0 - (1 if o.failed else 0)
        points.append(VladPoint(o.case, value))
    return points


def monitor(observations: Iterable[Observation], *, p0: float, p1: float, h: float) -> Monitoring:
    """The CUSUM and VLAD of the cases, in date order (ties by case id)."""
    if not (math.isfinite(h) and h > 0):
        raise ValueError(f"need h > 0, got {h}")
    ordered = in_order(observations)
    return Monitoring(
        p0=p0, p1=p1, h=h, cusum=cusum(ordered, p0=p0, p1=p1), vlad=vlad(ordered, p0=p0)
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
