"""Stateside vs PyPSA on the same power-only problem: build time, solve time, peak memory, objective.

The problem is the default US scenario cut to N regions (breadth-first over corridors from
Texas), power only (no campuses, fabs or capital), its last investment period alone, with
T typical days of 4-hour blocks. The two constraints the PyPSA export cannot carry are
switched off on both sides: the reserve margin (peak demand set to zero, so it is
trivially met) and the national turbine-supply limit. Stateside solves its model;
PyPSA solves the network ``stateside export pypsa`` writes for it (docs/export.md).
Both call HiGHS through linopy's direct interface with Stateside's solver settings
(dual simplex, presolve on).

Each measurement runs in a fresh process (peak memory is that process's maximum RSS):

* Stateside: unpickle the scenario and its typical days, ``prepare`` + ``build_model``
  (build), ``solve`` (solve);
* PyPSA: ``pypsa.Network(file)`` (load), ``n.optimize.create_model()`` (build),
  ``n.optimize.solve_model()`` (solve, with writing the solution back to the network).

    .venv/bin/python benchmarks/bench_pypsa.py [--regions 5 15 51] [--days 4 12] [--runs 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import pickle
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from _common import frame, median, run_child, subset_regions, with_resolution
from stateside.scenario.settings import Settings
from stateside.scenario.types import Scenario
from stateside.scenario.typical import TypicalPeriods

#: Memory of the child process itself, MB, from /proc: VmRSS now, VmHWM its peak. (Not
#: ``ru_maxrss``: on Linux a child started by fork + exec inherits the parent's maximum.)
MEM = r"""
def mem_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")
"""

STATESIDE = r"""
import json, pickle, time
{mem}
from stateside.model.build import build_model
from stateside.model.data import prepare
from stateside.model.solve import solve
with open({case!r}, "rb") as fh:
    scenario, typical = pickle.load(fh)
rss0 = mem_mb("VmRSS")
t0 = time.perf_counter()
d = prepare(scenario, typical)
t1 = time.perf_counter()
built = build_model(d)
t2 = time.perf_counter()
result = solve(built, scenario.settings.solver)
t3 = time.perf_counter()
m = built.model
print(json.dumps({{
    "prepare_s": t1 - t0, "linopy_s": t2 - t1, "build_s": t2 - t0, "solve_s": t3 - t2,
    "highs_s": result.highs_seconds, "rows": int(m.ncons), "cols": int(m.nvars),
    "status": result.termination, "objective_usd": result.objective_musd * 1e6,
    "rss_base_mb": rss0, "rss_peak_mb": mem_mb("VmHWM"),
}}))
"""

PYPSA = r"""
import json, logging, time, warnings
{mem}
warnings.simplefilter("ignore")
import pypsa
logging.disable(logging.WARNING)
from stateside.model.solve import highs_options
from stateside.export.pypsa import per_day_storage_cycles
from stateside.scenario.settings import SolverSettings
options = highs_options(SolverSettings.model_validate_json({solver!r}), mip=False)
rss0 = mem_mb("VmRSS")
t0 = time.perf_counter()
n = pypsa.Network({path!r})
t1 = time.perf_counter()
m = n.optimize.create_model(include_objective_constant=False)
per_day_storage_cycles(n)  # Stateside's per-day storage cycles (docs/export.md)
t2 = time.perf_counter()
status, condition = n.optimize.solve_model(solver_name="highs", solver_options=options, io_api="direct")
t3 = time.perf_counter()
print(json.dumps({{
    "load_s": t1 - t0, "build_s": t2 - t1, "solve_s": t3 - t2,
    "highs_s": m.solver_model.getRunTime(), "rows": int(m.ncons), "cols": int(m.nvars),
    "status": condition, "objective_usd": float(n.objective) * float(n.meta["objective_factor"]),
    "rss_base_mb": rss0, "rss_peak_mb": mem_mb("VmHWM"),
}}))
"""


def power_only_case(scenario: Scenario, typical: TypicalPeriods) -> tuple[Scenario, TypicalPeriods]:
    """The scenario's last period alone, power only, without reserve margin or turbine limit."""
    s = scenario.settings
    last = s.periods[-1]
    data = s.model_dump()
    data.update(
        power_only=True,
        periods=[last.model_dump()],
        it_target_mw={},
        turbine_supply_mw_per_year=None,
        carbon_price_usd_per_t={k: v for k, v in s.carbon_price_usd_per_t.items() if k == last.year},
    )
    data["chips"]["min_domestic_share"] = {}
    demand = scenario.demand.copy()
    demand["peak_demand_mw"] = np.nan  # peak from the profile's factor, which is set to zero
    out = dataclasses.replace(
        scenario, settings=Settings.model_validate(data), tables={**scenario.tables, "demand": demand}
    )
    return out, dataclasses.replace(typical, peak_demand_factor=typical.peak_demand_factor * 0.0)


def prepare_case(n_regions: int, days: int, block: int, folder: Path) -> tuple[Path, Path, float, str]:
    """Pickle the case for the Stateside child, export the PyPSA file; returns both paths,
    the export's wall time and the solver settings as JSON."""
    from stateside.export.pypsa import export_pypsa
    from stateside.scenario.load import load_default
    from stateside.scenario.profiles import hourly_profiles
    from stateside.scenario.typical import typical_periods

    sc = with_resolution(subset_regions(load_default(), n_regions), days, block)
    typical = typical_periods(hourly_profiles(sc), days, block)
    sc, typical = power_only_case(sc, typical)
    case = folder / f"case-{n_regions}-{days}.pkl"
    with case.open("wb") as fh:
        pickle.dump((sc, typical), fh)
    net = folder / f"net-{n_regions}-{days}.nc"
    t0 = time.perf_counter()
    export_pypsa(sc, net, typical=typical)
    return case, net, time.perf_counter() - t0, sc.settings.solver.model_dump_json()


def main() -> None:
    logging.getLogger("pypsa").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", type=int, nargs="+", default=[5, 15, 51])
    ap.add_argument("--days", type=int, nargs="+", default=[4, 12])
    ap.add_argument("--block", type=int, default=4, help="hours per block")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-pypsa-") as tmp:
        for n_regions in args.regions:
            for days in args.days:
                case, net, export_s, solver = prepare_case(n_regions, days, args.block, Path(tmp))
                ours, theirs = [], []
                for _ in range(args.runs):
                    ours.append(run_child(STATESIDE.format(mem=MEM, case=str(case)), timeout=1800))
                    theirs.append(
                        run_child(PYPSA.format(mem=MEM, path=str(net), solver=solver), timeout=1800)
                    )

                def med(runs: list[dict[str, object]], key: str) -> float:
                    return round(median([float(r[key]) for r in runs]), 3)  # type: ignore[arg-type]

                obj_s, obj_p = float(ours[0]["objective_usd"]), float(theirs[0]["objective_usd"])  # type: ignore[arg-type]
                row = {
                    "regions": n_regions,
                    "days": days,
                    "snapshots": days * 24 // args.block,
                    "rows S/P": f"{ours[0]['rows']}/{theirs[0]['rows']}",
                    "cols S/P": f"{ours[0]['cols']}/{theirs[0]['cols']}",
                    "build S": med(ours, "build_s"),
                    "prep S": med(ours, "prepare_s"),
                    "build P": med(theirs, "build_s"),
                    "build S/P": round(med(ours, "build_s") / med(theirs, "build_s"), 2),
                    "load P": med(theirs, "load_s"),
                    "solve S": med(ours, "solve_s"),
                    "solve P": med(theirs, "solve_s"),
                    "HiGHS S": med(ours, "highs_s"),
                    "HiGHS P": med(theirs, "highs_s"),
                    "RSS S MB": round(med(ours, "rss_peak_mb")),
                    "RSS P MB": round(med(theirs, "rss_peak_mb")),
                    "model S MB": round(med(ours, "rss_peak_mb") - med(ours, "rss_base_mb")),
                    "model P MB": round(med(theirs, "rss_peak_mb") - med(theirs, "rss_base_mb")),
                    "objective USD": f"{obj_s:.6e}",
                    "rel diff": f"{abs(obj_p - obj_s) / abs(obj_s):.1e}",
                    "status": f"{ours[0]['status']}/{theirs[0]['status']}",
                    "export s": round(export_s, 2),
                }
                rows.append(row)
                print(frame([row]), flush=True)
    cpu = platform.processor() or platform.machine()
    print(
        f"\n# Stateside vs PyPSA, {date.today()}, {platform.node()} ({os.cpu_count()} cores, {cpu}), "
        f"Python {platform.python_version()}, median of {args.runs} run(s) per cell"
    )
    print(frame(rows))


if __name__ == "__main__":
    main()
