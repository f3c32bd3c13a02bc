"""Scale table: regions (5, 15, 51) × typical days (4, 12, 24) on the default scenario.

Regions are taken breadth-first over corridors from Texas; IT targets are scaled by the
share of candidate campus capacity kept. Each cell runs in a fresh process.

    .venv/bin/python benchmarks/bench_scale.py [--regions 5 15 51] [--days 4 12 24] [--runs 1]
    .venv/bin/python benchmarks/bench_scale.py --regions 51 --days 24 --block 1 --runs 3 --mip-gap 0.01

Models of 400,000 rows or more are solved by decomposition by typical day (column
``method``: ``benders``; docs/model.md).
"""

from __future__ import annotations

import argparse
import platform
from datetime import date

from _common import frame, median, run_child

CHILD = r"""
import json, sys, time
sys.path.insert(0, "benchmarks")
from _common import peak_rss_mb, subset_regions, with_resolution
from stateside.scenario.load import load_default
from stateside.run import run_plan
from stateside.model.data import prepare
import dataclasses
sc = with_resolution(subset_regions(load_default(), {n}), {days}, {block})
if {mip_gap!r} is not None:
    solver = sc.settings.solver.model_copy(update={{"mip_gap": {mip_gap!r}}})
    sc = dataclasses.replace(sc, settings=sc.settings.model_copy(update={{"solver": solver}}))
t0 = time.perf_counter()
plan = run_plan(sc)
wall = time.perf_counter() - t0
s = plan.summary()
print(json.dumps({{
    "regions": {n}, "days": {days}, "block_h": {block}, "wall_s": wall,
    "build_s": s["build_seconds"], "solve_s": s["solve_seconds"],
    "peak_rss_mb": peak_rss_mb(),
    "status": s["status"], "mip_gap": s["mip_gap"], "objective_usd": s["objective_usd"],
    "it_2030_mw": s["it_capacity_mw"].get("2030"),
    "method": s.get("solve_method"), "stages": s.get("stage_seconds"),
}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--regions", type=int, nargs="+", default=[5, 15, 51])
    ap.add_argument("--days", type=int, nargs="+", default=[4, 12, 24])
    ap.add_argument("--block", type=int, default=None, help="hours per block (default: the scenario's)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument(
        "--mip-gap", type=float, default=None, help="solver.mip_gap (default: the scenario's, 0.02)"
    )
    args = ap.parse_args()
    from stateside.scenario.load import load_default

    block = args.block or load_default().settings.hours_per_block
    rows = []
    for n in args.regions:
        for days in args.days:
            runs = [
                run_child(CHILD.format(n=n, days=days, block=block, mip_gap=args.mip_gap), timeout=1800)
                for _ in range(args.runs)
            ]
            row = dict(runs[0])
            for k in ("wall_s", "build_s", "solve_s", "peak_rss_mb"):
                row[k] = round(median([float(r[k]) for r in runs]), 2)  # type: ignore[arg-type]
            rows.append(row)
            print(frame([row]).splitlines()[-1], flush=True)
    print(f"\n# scale table, {date.today()}, {platform.node()}, median of {args.runs} run(s) per cell")
    print(frame(rows))


if __name__ == "__main__":
    main()
