"""Benchmark of the OPCS-4 coding engine, without Django.

    python -m bench.coding_bench [--rows 300000] [--seed 366] [--new 0.8] [--keep DIR]

Generates synthetic coded-episode extracts (valid and invalid episodes in several spellings,
a few bad rows), then prints: one validate() call (median and p95, microseconds); the I/O floor
(csv read plus one json.dumps line a row); and run_bulk() to .jsonl against that floor, in CPU
time (steadier than wall time when other processes share the cores; both are printed), each
ratio against the 2.0 budget, on three extracts of the same size:

- few distinct rows (about 6% at 300,000), memo on;
- most rows distinct (`--new`, the share of rows made unlike every earlier one: about 81%
  distinct at 300,000, as the 243,000 of 300,000 of a real extract), memo on, as the product
  runs it: the case the budget is for;
- every row distinct, memo off: the worst case, nothing remembered from an earlier row.

run_bulk() judges each shape of sequence once for a context and fills it in with a row's
codes; the memo is for the rows it judges one by one (a code failing format).

The distinct rows are counted, not assumed. Then the OPERTN_01..24 layout, and the peak traced
memory of bulk runs of two sizes, to show it does not grow with the rows. It reports, and
always exits 0.
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

BUDGET = 2.0
# Share of the rows made new in the extract of mostly distinct rows: with the 6% of the
# plain extract's rows that are distinct anyway, about 81% of its rows are distinct.
NEW = 0.8

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


# Site codes (every Chapter Z category but Z94, laterality) and Chapter Y method codes other
# than Y53 (image control): a repeated episode is made new by drawing its site from the first,
# else by adding codes from the second, which changes nothing the rules say but unknown-code.
WIDE_SITES = [f"Z{n:02d}.{d}" for n in range(1, 100) if n != 94 for d in range(10)]
WIDE_METHODS = [f"Y{n:02d}.{d}" for n in range(1, 100) if n != 53 for d in range(10)]


def _new_variant(rng: random.Random, base: list[str], tries: int) -> list[str]:
    site = next((i for i, c in enumerate(base) if c[0] == "Z" and c[:3] != "Z94"), None)
    if site is not None and tries <= 8:  # the same episode at another site
        return [*base[:site], rng.choice(WIDE_SITES), *base[site + 1 :]]
    return base + [rng.choice(WIDE_METHODS) for _ in range(1 + tries // 16)]


def _meaning(codes: list[str], ctx: tuple[str, str, str]) -> tuple[object, ...]:
    """What makes two rows the same episode: the codes however spelt, and the context."""
    return (*(c.replace(".", "").upper() for c in codes), ctx)


def episodes(
    rows: int, seed: int, *, new: float = 0.0
) -> Iterator[tuple[str, list[str], tuple[str, str, str]]]:
    """Synthetic episodes; a share `new` of them (every one with 1.0) made unlike every
    earlier row (other codes however spelt, or another context), so that no result can be
    remembered for them; the rest repeat the usual codings."""
    rng = random.Random(seed)
    seen: set[tuple[object, ...]] = set()
    for n in range(1, rows + 1):
        ctx = _context(rng)
        codes = _good(rng, ctx)
        if rng.random() < 0.3:
            codes = _spoil(rng, codes)
        if new:
            # No draw when every row is new: that extract stays the one earlier runs measured.
            if new >= 1 or rng.random() < new:
                base, tries = codes, 0
                while _meaning(codes, ctx) in seen:
                    tries += 1
                    codes = _new_variant(rng, base, tries)
            seen.add(_meaning(codes, ctx))
        episode_id = f"E{n:08d}"
        if rng.random() < 0.002:  # bad rows: no id, a bad level
            if rng.random() < 0.5:
                episode_id = ""
            else:
                ctx = (ctx[0], ctx[1], "two")
        spell = _spelling(rng)
        yield episode_id, [spell(c) for c in codes], ctx


def write_extract(path: Path, rows: int, seed: int, *, opertn: bool, new: float = 0.0) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        columns = [f"OPERTN_{i:02d}" for i in range(1, 25)] if opertn else ["codes"]
        w.writerow(["episode_id", *columns, "approach", "image_guidance", "levels"])
        separators = [" ", ",", ";", ", "]
        for i, (episode_id, codes, ctx) in enumerate(episodes(rows, seed, new=new)):
            if opertn:
                cells = (codes + [""] * 24)[:24]
            else:
                cells = [separators[i % len(separators)].join(codes)]
            w.writerow([episode_id, *cells, *ctx])


class Timing(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds of this process's CPU: steadier when other processes share the cores


def distinct_rows(path: Path) -> tuple[int, int]:
    """(rows, distinct rows) of a codes-column extract, rows compared as _meaning() does."""
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        keys = [
            _meaning(
                row["codes"].replace(",", " ").replace(";", " ").split(),
                (row["approach"], row["image_guidance"], row["levels"]),
            )
            for row in reader
        ]
    return len(keys), len(set(keys))


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


def _verdict(ratio: float) -> str:
    return "PASS" if ratio <= BUDGET else "FAIL"


def bulk_case(title: str, src: Path, dst: Path, out: Path, *, memo: bool) -> float:
    """Print run_bulk() on `src` against the I/O floor on the same file; return the ratio."""
    total, distinct = distinct_rows(src)
    floor, took, summary = compare(
        3, lambda: io_floor(src, out / "floor.jsonl"), lambda: bulk(src, dst, memo=memo)
    )
    ratio = took.cpu / floor.cpu
    print(
        f"{title}: {distinct} distinct of {total} rows ({distinct / total:.0%}), "
        f"memo {'on' if memo else 'off'}\n"
        f"  I/O floor (csv read + json.dumps a row): {floor.wall:.2f} s ({floor.cpu:.2f} s CPU), "
        f"{total / floor.wall:,.0f} rows/s\n"
        f"  run_bulk() -> .jsonl: {took.wall:.2f} s ({took.cpu:.2f} s CPU), "
        f"{total / took.wall:,.0f} rows/s\n"
        f"  {summary}\n"
        f"  ratio bulk/floor: {ratio:.2f} in CPU time, {took.wall / floor.wall:.2f} in wall time "
        f"(budget {BUDGET:.1f}): {_verdict(ratio)}",
        flush=True,
    )
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=366)
    parser.add_argument("--new", type=float, default=NEW, help="share of new rows, 0 to 1")
    parser.add_argument("--samples", type=int, default=50_000, help="single validate() calls")
    parser.add_argument("--keep", type=Path, help="write the files here instead of a temp dir")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="coding-bench-") as tmp:
        out = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        src, src_opertn = out / "extract.csv", out / "extract_opertn.csv"
        src_mostly, src_distinct = out / "extract_mostly_distinct.csv", out / "extract_distinct.csv"
        print(f"Generating {args.rows} episodes in {out} ...", flush=True)
        opertn_rows = max(args.rows // 3, 1)  # the wider HES layout, on fewer rows
        write_extract(src, args.rows, args.seed, opertn=False)
        write_extract(src_mostly, args.rows, args.seed, opertn=False, new=args.new)
        write_extract(src_distinct, args.rows, args.seed, opertn=False, new=1.0)
        write_extract(src_opertn, opertn_rows, args.seed, opertn=True)

        median, p95 = single_episode(args.samples, args.seed)
        print(f"validate() one episode: median {median:.1f} us, p95 {p95:.1f} us")

        ratios = [
            bulk_case("few distinct rows", src, out / "result.jsonl", out, memo=True),
            bulk_case(
                "most rows distinct",
                src_mostly,
                out / "result_mostly_distinct.jsonl",
                out,
                memo=True,
            ),
            bulk_case(
                "every row distinct (worst case)",
                src_distinct,
                out / "result_distinct.jsonl",
                out,
                memo=False,
            ),
        ]
        print(
            "ratios bulk/floor (few, most, every row distinct): "
            + ", ".join(f"{ratio:.2f}" for ratio in ratios)
            + f" (budget {BUDGET:.1f})"
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
