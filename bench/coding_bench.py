"""Benchmark of the OPCS-4 coding engine, without Django.

    python -m bench.coding_bench [--rows 300000] [--seed 366] [--keep DIR]

Generates a synthetic coded-episode extract (valid and invalid episodes in several spellings,
a few bad rows), then prints: one validate() call (median and p95, microseconds); the I/O floor
(csv read plus one json.dumps line a row); run_bulk() to .jsonl; their ratio against the 3.0
budget, in CPU time (steadier than wall time when other processes share the cores; both are
printed); the same with the memo of repeated rows off, the worst case of an extract where no
two rows repeat; the OPERTN_01..24 layout; and the peak traced memory of bulk runs of two
sizes, to show it does not grow with the rows. It reports, and always exits 0.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from coding.engine import (
    Context,
    Summary,
    ipg366_ruleset,
    load_shipped_catalogue,
    run_bulk,
    validate,
)
from coding.engine.bulk import MEMO_SIZE

BUDGET = 3.0

# Synthetic only: codes are picked for their shape, titles never needed.
SITES = ["Z67.6", "Z67.6", "Z67.6", "Z67.5", "Z67.4", "Z67.3", "Z06.5", "Z06.6"]
OTHER_SPINAL = ["V25.2", "V25.3", "V29.4", "V33.8", "V38.8", "V38.2", "V47.1", "V52.1"]
OTHER_MAIN = ["W08.1", "A57.4", "X40.1", "T96.2", "W90.3"]
METHOD_CODES = {"fluoroscopy": "Y53.4", "ultrasound": "Y53.2"}


def _context(rng: random.Random) -> tuple[str, str, str]:
    roll = rng.random()
    if roll < 0.55:
        return ("percutaneous", rng.choice(["fluoroscopy", "fluoroscopy", "ultrasound"]), "1")
    if roll < 0.75:
        return ("open", "none", rng.choice(["1", "2", ""]))
    if roll < 0.9:
        return ("percutaneous", rng.choice(["", "unspecified", "ct"]), rng.choice(["1", ""]))
    return ("", "", "")


def _good(rng: random.Random, ctx: tuple[str, str, str]) -> list[str]:
    approach, guidance, levels = ctx
    block = ["V40.1", "V55.1" if levels == "1" else "V55.9"]
    if approach == "percutaneous":
        block.append(METHOD_CODES.get(guidance, "Y53.9"))
    if rng.random() < 0.15:  # a second spinal operation in the episode
        block += [rng.choice(OTHER_SPINAL), block[1]]
    if rng.random() < 0.05:
        block.append(rng.choice(OTHER_MAIN))
    block.append(rng.choice(SITES))
    if rng.random() < 0.2:
        block.append(rng.choice(["Z94.2", "Z94.3"]))
    return block


def _spoil(rng: random.Random, codes: list[str]) -> list[str]:
    codes = list(codes)
    kind = rng.randrange(9)
    if kind == 0:
        del codes[1]  # levels-missing
    elif kind == 1:
        codes.insert(0, codes.pop())  # subsidiary-primary
    elif kind == 2:
        codes[1] = "V55.9" if codes[1] != "V55.9" else "V55.1"  # levels-mismatch (if known)
    elif kind == 3:
        codes = [c for c in codes if not c.startswith("Y53")]  # approach-missing
    elif kind == 4:
        codes = [c for c in codes if not c.startswith("Z")]  # site-missing
    elif kind == 5:
        codes[rng.randrange(len(codes))] = rng.choice(["V40", "V4O.1", "40.1", "X", "V55.-"])
    elif kind == 6:
        codes.insert(rng.randrange(len(codes) + 1), rng.choice(OTHER_MAIN))
    elif kind == 7:
        codes[0] = rng.choice(OTHER_SPINAL)  # primary-procedure
    else:
        codes.append(codes.pop(1))  # levels-misplaced
    return codes


def _spelling(rng: random.Random) -> Callable[[str], str]:
    # Sources spell codes their own way (HES: V401), each consistently: V40.1, V401, v40.1.
    roll = rng.random()
    if roll < 0.6:
        return str
    if roll < 0.9:
        return lambda code: code.replace(".", "")
    return str.lower


def episodes(rows: int, seed: int) -> Iterator[tuple[str, list[str], tuple[str, str, str]]]:
    rng = random.Random(seed)
    for n in range(1, rows + 1):
        ctx = _context(rng)
        codes = _good(rng, ctx)
        if rng.random() < 0.3:
            codes = _spoil(rng, codes)
        episode_id = f"E{n:08d}"
        if rng.random() < 0.002:  # bad rows: no id, a bad level
            if rng.random() < 0.5:
                episode_id = ""
            else:
                ctx = (ctx[0], ctx[1], "two")
        spell = _spelling(rng)
        yield episode_id, [spell(c) for c in codes], ctx


def write_extract(path: Path, rows: int, seed: int, *, opertn: bool) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        columns = [f"OPERTN_{i:02d}" for i in range(1, 25)] if opertn else ["codes"]
        w.writerow(["episode_id", *columns, "approach", "image_guidance", "levels"])
        separators = [" ", ",", ";", ", "]
        for i, (episode_id, codes, ctx) in enumerate(episodes(rows, seed)):
            if opertn:
                cells = (codes + [""] * 24)[:24]
            else:
                cells = [separators[i % len(separators)].join(codes)]
            w.writerow([episode_id, *cells, *ctx])


class Timing(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds of this process's CPU: steadier when other processes share the cores


def timed(run: Callable[[], object]) -> tuple[Timing, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = run()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu), value


def io_floor(src: Path, dst: Path) -> None:
    with src.open(newline="") as fin, dst.open("w") as fout:
        reader = csv.reader(fin)
        header = next(reader)
        write = fout.write
        for row in reader:
            write(json.dumps(dict(zip(header, row, strict=False))) + "\n")


def bulk(src: Path, dst: Path, *, memo: bool = True) -> Summary:
    ruleset, catalogue = ipg366_ruleset(), load_shipped_catalogue()
    with src.open(newline="") as fin, dst.open("w") as fout:
        return run_bulk(
            fin,
            fout,
            fmt="jsonl",
            ruleset=ruleset,
            catalogue=catalogue,
            memo_size=MEMO_SIZE if memo else 0,
        )


def compare(runs: int, floor: Callable[[], object], work: Callable[[], object]):
    """Best (least disturbed) of a few interleaved runs of each, so both see the same load."""
    floors, works, value = [], [], None
    for _ in range(runs):
        floors.append(timed(floor)[0])
        timing, value = timed(work)
        works.append(timing)
    best_floor = Timing(min(t.wall for t in floors), min(t.cpu for t in floors))
    best_work = Timing(min(t.wall for t in works), min(t.cpu for t in works))
    return best_floor, best_work, value


def peak_memory(src: Path, dst: Path) -> int:
    gc.collect()
    tracemalloc.start()
    bulk(src, dst)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def single_episode(samples: int, seed: int) -> tuple[float, float]:
    ruleset, catalogue = ipg366_ruleset(), load_shipped_catalogue()
    cases = []
    for _, codes, ctx in episodes(500, seed + 1):
        try:
            context = Context.parse(approach=ctx[0], image_guidance=ctx[1], levels=ctx[2])
        except ValueError:
            continue
        cases.append((codes, context))
    timings = []
    clock = time.perf_counter_ns
    for i in range(samples):
        codes, context = cases[i % len(cases)]
        start = clock()
        validate(codes, ruleset=ruleset, context=context, catalogue=catalogue)
        timings.append(clock() - start)
    timings.sort()
    return statistics.median(timings) / 1000, timings[int(len(timings) * 0.95)] / 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=366)
    parser.add_argument("--samples", type=int, default=50_000, help="single validate() calls")
    parser.add_argument("--keep", type=Path, help="write the files here instead of a temp dir")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="coding-bench-") as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        src, src_opertn = out / "extract.csv", out / "extract_opertn.csv"
        print(f"Generating {args.rows} episodes in {out} ...", flush=True)
        opertn_rows = max(args.rows // 3, 1)  # the wider HES layout, on fewer rows
        write_extract(src, args.rows, args.seed, opertn=False)
        write_extract(src_opertn, opertn_rows, args.seed, opertn=True)

        median, p95 = single_episode(args.samples, args.seed)
        print(f"validate() one episode: median {median:.1f} us, p95 {p95:.1f} us")

        rows = args.rows
        floor, took, summary = compare(
            3, lambda: io_floor(src, out / "floor.jsonl"), lambda: bulk(src, out / "result.jsonl")
        )
        print(
            f"I/O floor (csv read + json.dumps a row): {floor.wall:.2f} s "
            f"({floor.cpu:.2f} s CPU), {rows / floor.wall:,.0f} rows/s"
        )
        print(
            f"run_bulk() -> .jsonl: {took.wall:.2f} s ({took.cpu:.2f} s CPU), "
            f"{rows / took.wall:,.0f} rows/s"
        )
        print(f"  {summary}")
        ratio = took.cpu / floor.cpu
        verdict = "PASS" if ratio <= BUDGET else "FAIL"
        print(
            f"ratio bulk/floor: {ratio:.2f} in CPU time, {took.wall / floor.wall:.2f} in wall time "
            f"(budget {BUDGET:.1f}): {verdict}"
        )

        floor, raw, _ = compare(
            2,
            lambda: io_floor(src, out / "floor.jsonl"),
            lambda: bulk(src, out / "result.jsonl", memo=False),
        )
        print(
            f"  worst case, every row validated (memo of repeated rows off): {raw.wall:.2f} s, "
            f"{rows / raw.wall:,.0f} rows/s, ratio {raw.cpu / floor.cpu:.2f} in CPU time"
        )

        floor, took, _ = compare(
            1,
            lambda: io_floor(src_opertn, out / "floor_opertn.jsonl"),
            lambda: bulk(src_opertn, out / "result_opertn.jsonl"),
        )
        print(
            f"OPERTN_01..24 columns, {opertn_rows} rows: floor {floor.wall:.2f} s, "
            f"bulk {took.wall:.2f} s, ratio {took.cpu / floor.cpu:.2f} in CPU time"
        )

        small_rows = max(args.rows // 10, 1)
        small = out / "extract_small.csv"
        write_extract(small, small_rows, args.seed, opertn=False)
        peak_small = peak_memory(small, out / "small.jsonl")
        peak_full = peak_memory(src, out / "result.jsonl")
        print(
            f"peak traced memory of run_bulk(): {peak_small / 1e6:.2f} MB for {small_rows} rows, "
            f"{peak_full / 1e6:.2f} MB for {args.rows} rows (the memo holds at most "
            f"{MEMO_SIZE} results)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
