"""Benchmark of the coded-episode reconciliation engine, without Django.

    python -m bench.reconciliation_bench [--episodes 300000] [--seed 366] [--keep DIR]

Generates a year of a large trust's spinal activity as a HES-style extract (`OPERTN_01..24`,
`OPDATE_01`), most episodes coded with the governed procedure (V40.1) and right, some miscoded,
some not governed, a few unreadable, and a governance record of cases matching about 70% of
the governed episodes plus some with no episode. Then prints episodes a second of the
reconciliation (every finding to CSV, `matched` included, as the command's full output) and
its ratio to the plain-Python floor of reading the CSV and writing one JSON line a row, in CPU
time (wall time beside it); the same on the one-`codes`-column layout; and the peak traced
memory at two sizes, to show it grows with the cases, not the episodes. It reports, and always
exits 0.
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import sys
import tempfile
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from bench.coding_bench import compare, episodes, io_floor
from coding.engine import ipg366_ruleset, load_shipped_catalogue
from governance.reconciliation.engine import KnownCase, Reconciler, write_csv

BUDGET = 2.0
START = date(2025, 4, 1)  # a financial year
NOT_GOVERNED = [["W37.1", "Z84.6"], ["V25.2", "V55.1", "Z67.6"], ["V33.8", "V55.9", "Z67.5"]]


def write_extract(path: Path, rows: int, seed: int, *, opertn: bool) -> list[KnownCase]:
    """The extract at `path`; returns the cases of the governance record for it."""
    rng = random.Random(seed)
    cases: list[KnownCase] = []
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        columns = [f"OPERTN_{i:02d}" for i in range(1, 25)] if opertn else ["codes"]
        date_column = "OPDATE_01" if opertn else "performed_on"
        w.writerow(
            [
                "episode_id",
                "nhs_number",
                date_column,
                *columns,
                "approach",
                "image_guidance",
                "levels",
            ]
        )
        for n, (episode_id, codes, ctx) in enumerate(episodes(rows, seed), 1):
            nhs_number = f"{rng.randrange(4_000_000_000, 9_999_999_999):010d}"
            day = START + timedelta(days=rng.randrange(365))
            if rng.random() < 0.2:
                codes = rng.choice(NOT_GOVERNED)
            elif rng.random() < 0.7:  # logged under governance, within a day or two
                logged = day + timedelta(days=rng.choice([0, 0, 0, 1, -1, 2]))
                cases.append(KnownCase(n, 1 + n % 7, "IPG366", nhs_number, logged))
            cells = (codes + [""] * 24)[:24] if opertn else [" ".join(codes)]
            w.writerow([episode_id, nhs_number, day.isoformat(), *cells, *ctx])
    for extra in range(rows // 50):  # cases the coding department never saw
        day = START + timedelta(days=rng.randrange(365))
        cases.append(KnownCase(rows + extra, 1, "IPG366", f"{extra:010d}", day))
    return cases


def reconcile(src: Path, dst: Path, cases: list[KnownCase]) -> Reconciler:
    reconciler = Reconciler(
        cases=cases, rulesets=[ipg366_ruleset()], catalogue=load_shipped_catalogue()
    )
    with src.open(newline="") as fin, dst.open("w", newline="") as fout:
        write_csv(reconciler.findings(fin), fout)
    return reconciler


def peak_memory(src: Path, dst: Path, cases: list[KnownCase]) -> int:
    gc.collect()
    tracemalloc.start()
    reconcile(src, dst, cases)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=366)
    parser.add_argument("--keep", type=Path, help="write the files here instead of a temp dir")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="reconciliation-bench-") as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        rows = args.episodes
        print(f"Generating {rows} episodes in {out} ...", flush=True)
        for opertn in (True, False):
            layout = "OPERTN_01..24" if opertn else "codes column"
            src = out / f"episodes_{'opertn' if opertn else 'codes'}.csv"
            cases = write_extract(src, rows, args.seed, opertn=opertn)
            floor, took, reconciler = compare(
                3,
                lambda src=src: io_floor(src, out / "floor.jsonl"),
                lambda src=src, cases=cases: reconcile(src, out / "findings.csv", cases),
            )
            ratio = took.cpu / floor.cpu
            verdict = "PASS" if ratio <= BUDGET else "FAIL"
            print(
                f"reconciliation, {layout}, {len(cases)} cases: {took.wall:.2f} s "
                f"({took.cpu:.2f} s CPU), {rows / took.wall:,.0f} episodes/s; floor (csv read + "
                f"json.dumps a row) {floor.wall:.2f} s ({floor.cpu:.2f} s CPU), "
                f"{rows / floor.wall:,.0f} rows/s"
            )
            print(f"  {reconciler.summary}")
            print(
                f"  ratio reconciliation/floor: {ratio:.2f} in CPU time, "
                f"{took.wall / floor.wall:.2f} in wall time (budget {BUDGET:.1f}): {verdict}"
            )

        small_rows = max(rows // 10, 1)
        small = out / "small.csv"
        small_cases = write_extract(small, small_rows, args.seed, opertn=True)
        big = out / "episodes_opertn.csv"
        big_cases = write_extract(big, rows, args.seed, opertn=True)
        peak_small = peak_memory(small, out / "small_findings.csv", small_cases)
        peak_big = peak_memory(big, out / "findings.csv", big_cases)
        print(
            f"peak traced memory: {peak_small / 1e6:.1f} MB for {small_rows} episodes and "
            f"{len(small_cases)} cases, {peak_big / 1e6:.1f} MB for {rows} episodes and "
            f"{len(big_cases)} cases (the case index is in memory; the episodes are streamed)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
