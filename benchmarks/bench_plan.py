"""End-to-end benchmark of the default plan (the README's main job).

Each run is a fresh Python process (imports included), so the wall time is what a user
waits for `stateside plan`, less the CLI's printing. Prints the median and every run.

    .venv/bin/python benchmarks/bench_plan.py [--runs 5]
"""

from __future__ import annotations

import argparse
import platform
from datetime import date

from _common import frame, median, run_child

CHILD = r"""
import json, time
from _common import peak_rss_mb
t0 = time.perf_counter()
from stateside.scenario.load import load_default
from stateside.run import run_plan
t_import = time.perf_counter() - t0
sc = load_default()
t_load = time.perf_counter() - t0
plan = run_plan(sc)
wall = time.perf_counter() - t0
s = plan.summary()
st = s["stage_seconds"]
cf_highs = (plan.extra.get("ratepayer") or {}).get("counterfactual_highs_seconds") or 0.0
print(json.dumps({
    "wall_s": wall, "import_s": t_import, "load_s": t_load - t_import,
    "profiles_s": st["profiles"], "caps_s": st["caps"],
    "build_s": s["build_seconds"], "solve_s": s["solve_seconds"], "highs_s": s["highs_seconds"],
    "results_s": st["results"], "finance_s": st["finance"], "impact_s": st["impact"],
    "cf_highs_s": cf_highs,
    "outside_highs": 1 - (s["highs_seconds"] + cf_highs) / wall,
    "peak_rss_mb": peak_rss_mb(),
    "status": s["status"], "objective_usd": s["objective_usd"], "mip_gap": s["mip_gap"],
    "method": s["solve_method"],
}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    rows = [run_child(CHILD) for _ in range(args.runs)]
    print(
        f"# default plan, {date.today()}, {platform.node()} ({platform.machine()}, Python {platform.python_version()})"
    )
    print(frame(rows))
    keys = (
        "wall_s",
        "import_s",
        "load_s",
        "profiles_s",
        "caps_s",
        "build_s",
        "solve_s",
        "highs_s",
        "cf_highs_s",
        "results_s",
        "finance_s",
        "impact_s",
        "peak_rss_mb",
    )
    med = {k: median([float(r[k]) for r in rows]) for k in keys}  # type: ignore[arg-type]
    print("\nmedian of", args.runs, "runs:")
    for k, v in med.items():
        print(f"  {k:12s} {v:10.2f}")
    print(f"  build share of wall time: {med['build_s'] / med['wall_s']:.1%}")
    print(
        f"  outside HiGHS (the plan's and the counterfactual's runs): "
        f"{1 - (med['highs_s'] + med['cf_highs_s']) / med['wall_s']:.1%} of wall time"
    )


if __name__ == "__main__":
    main()
