"""Stateside vs PyPSA on the same power-only problem: build time, solve time, peak memory, objective.

The problem is the default US scenario cut to N regions (breadth-first over corridors from
Texas), power only (no campuses, fabs or capital), its last investment period alone, with
T typical days of B-hour blocks. What the PyPSA export does not carry is switched off on
both sides: the reserve margin (peak demand set to zero, so it is trivially met) and the
national turbine-supply limit. Economic retirement stays on: the export writes existing
capacity that may retire as an extendable unit at its fixed O&M (before 2026-12-04 it was
fixed and free, and the optima differed by 6.8 % at 5 regions x 4 days x 4 h, 5.7 % at
5 x 24 days hourly; ``--no-retirement`` switches retirement off on both sides, as those
measurements had it). Stateside solves its model; PyPSA
solves the network ``stateside export pypsa`` writes for it (docs/export.md). Both call
HiGHS through linopy's direct interface with Stateside's solver settings (dual simplex,
presolve on).

Each measurement runs in a fresh process (peak memory is that process's maximum RSS):

* Stateside: unpickle the scenario and its typical days, ``prepare`` + ``build_model``
  (build), ``solve`` (solve);
* PyPSA: ``pypsa.Network(file)`` (load), ``n.optimize.create_model()`` (build),
  ``n.optimize.solve_model()`` (solve, with writing the solution back to the network).

Storage cycles within each typical day on both sides: for PyPSA through the export's
``per_day_storage_cycles`` (each day cycles at its own level; before 2026-12-04 it made
every typical day end at one common level, a tighter problem: PyPSA's optimum higher by
9.5e-8 at 5 regions x 4 days hourly, 3.3e-5 at 1 region x 24 days x 4 h, 6.9e-5 at
5 regions x 24 days hourly).

A run *finishes* when its solve ends optimal. Where both sides finish, the row gives the
relative objective difference |S - P| / max(|S|, 1) (S: Stateside's objective in USD);
where either does not (HiGHS's time limit, ``--time-limit``, or a crash), the row says
"did not finish" and which side, and the ratio is a bound. The ratio is
(build S + solve S) / (build P + solve P); PyPSA's file load is left out of it.

    .venv/bin/python benchmarks/bench_pypsa.py [--regions 5 15 51] [--days 4 12] [--block 4]
        [--runs 3] [--time-limit 900] [--single-above 120] [--no-retirement]

``--time-limit`` is HiGHS's limit for each solve, both sides (default: the scenario's
``solver.time_limit_s``); ``--single-above`` keeps a cell at one run when its first run
on either side took longer than that (build + solve, seconds).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import os
import pickle
import platform
import subprocess
import tempfile
import time
from datetime import UTC, date, datetime
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
objective = result.objective_musd * 1e6 if result.optimal else float("nan")
m = built.model
print(json.dumps({{
    "prepare_s": t1 - t0, "linopy_s": t2 - t1, "build_s": t2 - t0, "solve_s": t3 - t2,
    "highs_s": result.highs_seconds, "rows": int(m.ncons), "cols": int(m.nvars),
    "status": result.termination, "objective_usd": objective,
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
from {cycles_module} import {cycles} as cycles
from stateside.scenario.settings import SolverSettings
options = highs_options(SolverSettings.model_validate_json({solver!r}), mip=False)
rss0 = mem_mb("VmRSS")
t0 = time.perf_counter()
n = pypsa.Network({path!r})
t1 = time.perf_counter()
m = n.optimize.create_model(include_objective_constant=False)
cycles(n)  # storage cycles within each typical day (module docstring)
t2 = time.perf_counter()
status, condition = n.optimize.solve_model(solver_name="highs", solver_options=options, io_api="direct")
t3 = time.perf_counter()
objective = float("nan")
if status == "ok" and condition == "optimal":
    objective = float(n.objective) * float(n.meta["objective_factor"])
print(json.dumps({{
    "load_s": t1 - t0, "build_s": t2 - t1, "solve_s": t3 - t2,
    "highs_s": m.solver_model.getRunTime(), "rows": int(m.ncons), "cols": int(m.nvars),
    "status": str(condition), "objective_usd": objective,
    "rss_base_mb": rss0, "rss_peak_mb": mem_mb("VmHWM"),
}}))
"""


def power_only_case(
    scenario: Scenario, typical: TypicalPeriods, time_limit_s: float | None = None, retirement: bool = True
) -> tuple[Scenario, TypicalPeriods]:
    """The scenario's last period alone, power only, without reserve margin or turbine limit
    (economic retirement as the scenario has it unless ``retirement`` is false; HiGHS's time
    limit set to ``time_limit_s`` when given)."""
    s = scenario.settings
    last = s.periods[-1]
    data = s.model_dump()
    data.update(
        power_only=True,
        periods=[last.model_dump()],
        it_target_mw={},
        turbine_supply_mw_per_year=None,
        economic_retirement=s.economic_retirement and retirement,
        carbon_price_usd_per_t={k: v for k, v in s.carbon_price_usd_per_t.items() if k == last.year},
    )
    data["chips"]["min_domestic_share"] = {}
    if time_limit_s is not None:
        data["solver"]["time_limit_s"] = float(time_limit_s)
    demand = scenario.demand.copy()
    demand["peak_demand_mw"] = np.nan  # peak from the profile's factor, which is set to zero
    out = dataclasses.replace(
        scenario, settings=Settings.model_validate(data), tables={**scenario.tables, "demand": demand}
    )
    return out, dataclasses.replace(typical, peak_demand_factor=typical.peak_demand_factor * 0.0)


def prepare_case(
    n_regions: int,
    days: int,
    block: int,
    folder: Path,
    time_limit_s: float | None = None,
    retirement: bool = True,
) -> tuple[Path, Path, float, str]:
    """Pickle the case for the Stateside child, export the PyPSA file; returns both paths,
    the export's wall time and the solver settings as JSON."""
    from stateside.export.pypsa import export_pypsa
    from stateside.scenario.load import load_default
    from stateside.scenario.profiles import hourly_profiles
    from stateside.scenario.typical import typical_periods

    sc = with_resolution(subset_regions(load_default(), n_regions), days, block)
    typical = typical_periods(hourly_profiles(sc), days, block)
    sc, typical = power_only_case(sc, typical, time_limit_s, retirement)
    case = folder / f"case-{n_regions}-{days}.pkl"
    with case.open("wb") as fh:
        pickle.dump((sc, typical), fh)
    net = folder / f"net-{n_regions}-{days}.nc"
    t0 = time.perf_counter()
    export_pypsa(sc, net, typical=typical)
    return case, net, time.perf_counter() - t0, sc.settings.solver.model_dump_json()


Run = dict[str, object]


def child(code: str, timeout: float) -> Run:
    """One measurement in a fresh process; a crash or a process past ``timeout`` comes back
    as a run that did not finish (status says which)."""
    t0 = time.perf_counter()
    try:
        return run_child(code, timeout=timeout)
    except subprocess.TimeoutExpired:
        status = f"killed after {timeout:.0f} s"
    except RuntimeError as exc:  # the child failed: its stderr's last line
        status = "failed: " + (str(exc).strip().splitlines() or ["?"])[-1][:120]
    nan = float("nan")
    return {
        "build_s": nan, "prepare_s": nan, "load_s": nan, "solve_s": nan, "highs_s": nan,
        "wall_s": time.perf_counter() - t0, "rows": 0, "cols": 0, "status": status, "objective_usd": nan,
        "rss_base_mb": nan, "rss_peak_mb": nan,
    }  # fmt: skip


def finished(run: Run) -> bool:
    return run["status"] == "optimal" and math.isfinite(float(run["objective_usd"]))  # type: ignore[arg-type]


def total_s(run: Run) -> float:
    """Build + solve, seconds (PyPSA's file load not counted); for a child that failed or
    was killed, its whole wall time."""
    if "wall_s" in run:
        return float(run["wall_s"])  # type: ignore[arg-type]
    return float(run["build_s"]) + float(run["solve_s"])  # type: ignore[arg-type]


def rel_diff(ours: float, theirs: float) -> float:
    """|S - P| / max(|S|, 1), the issue's measure of equal optima."""
    return abs(ours - theirs) / max(abs(ours), 1.0)


def compare(ours: list[Run], theirs: list[Run]) -> dict[str, object]:
    """The cell's comparison columns: totals, ratio, objective and relative difference, or
    what did not finish."""

    def med(runs: list[Run], key: str) -> float:
        return median([float(r[key]) for r in runs])  # type: ignore[arg-type]

    s_done, p_done = all(map(finished, ours)), all(map(finished, theirs))
    s_tot = median([total_s(r) for r in ours])
    p_tot = median([total_s(r) for r in theirs])
    out: dict[str, object] = {"total S": round(s_tot, 2), "total P": round(p_tot, 2)}
    if s_done and p_done:
        obj_s, obj_p = med(ours, "objective_usd"), med(theirs, "objective_usd")
        diffs = [rel_diff(float(a["objective_usd"]), float(b["objective_usd"])) for a in ours for b in theirs]  # type: ignore[arg-type]
        out.update({
            "S/P": f"{s_tot / p_tot:.3f}",
            "objective S USD": f"{obj_s:.9e}",
            "objective P USD": f"{obj_p:.9e}",
            "rel diff": f"{max(diffs):.1e}",
        })  # fmt: skip
    else:
        gone = [side for side, done in (("Stateside", s_done), ("PyPSA", p_done)) if not done]
        bound = "" if not s_done else f"< {s_tot / p_tot:.3f}"  # P took at least p_tot
        out.update({
            "S/P": bound or "n/a",
            "objective S USD": f"{med(ours, 'objective_usd'):.9e}" if s_done else "did not finish",
            "objective P USD": f"{med(theirs, 'objective_usd'):.9e}" if p_done else "did not finish",
            "rel diff": "did not finish: " + ", ".join(gone),
        })  # fmt: skip
    return out


def main() -> None:
    logging.getLogger("pypsa").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", type=int, nargs="+", default=[5, 15, 51])
    ap.add_argument("--days", type=int, nargs="+", default=[4, 12])
    ap.add_argument("--block", type=int, default=4, help="hours per block")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="HiGHS time limit per solve, s (default: the scenario's)",
    )
    ap.add_argument(
        "--no-retirement",
        action="store_true",
        help="economic retirement off on both sides (as the measurements before 2026-12-04)",
    )
    ap.add_argument(
        "--single-above", type=float, default=120.0,
        help="one run only for a cell whose first run took longer than this on either side, s",
    )  # fmt: skip
    args = ap.parse_args()

    cyc = {"cycles_module": "stateside.export.pypsa", "cycles": "per_day_storage_cycles"}
    rows = []
    print(f"# start {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-pypsa-") as tmp:
        for n_regions in args.regions:
            for days in args.days:
                case, net, export_s, solver = prepare_case(
                    n_regions, days, args.block, Path(tmp), args.time_limit, not args.no_retirement
                )
                limit = json.loads(solver)["time_limit_s"]
                timeout = 2 * float(limit) + 600  # past HiGHS's limit: load, build, writing back
                ours: list[Run] = []
                theirs: list[Run] = []
                for k in range(args.runs):
                    ours.append(child(STATESIDE.format(mem=MEM, case=str(case)), timeout))
                    theirs.append(child(PYPSA.format(mem=MEM, path=str(net), solver=solver, **cyc), timeout))
                    print(
                        f"  {n_regions} regions x {days} days, run {k + 1}: "
                        f"S {total_s(ours[-1]):.1f} s {ours[-1]['status']} {ours[-1]['objective_usd']}, "
                        f"P {total_s(theirs[-1]):.1f} s {theirs[-1]['status']} {theirs[-1]['objective_usd']}",
                        flush=True,
                    )
                    slow = max(total_s(ours[-1]), total_s(theirs[-1]))
                    if not (finished(ours[-1]) and finished(theirs[-1])) or not slow <= args.single_above:
                        break  # a run past --single-above or one that did not finish: no repeats

                def med(runs: list[Run], key: str) -> float:
                    return round(median([float(r[key]) for r in runs]), 3)  # type: ignore[arg-type]

                row = {
                    "regions": n_regions,
                    "days": days,
                    "snapshots": days * 24 // args.block,
                    "runs": len(ours),
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
                    **compare(ours, theirs),
                    "RSS S MB": round(med(ours, "rss_peak_mb")),
                    "RSS P MB": round(med(theirs, "rss_peak_mb")),
                    "model S MB": round(med(ours, "rss_peak_mb") - med(ours, "rss_base_mb")),
                    "model P MB": round(med(theirs, "rss_peak_mb") - med(theirs, "rss_base_mb")),
                    "status": f"{ours[0]['status']}/{theirs[0]['status']}",
                    "limit s": limit,
                    "export s": round(export_s, 2),
                }
                rows.append(row)
                print(frame([row]), flush=True)
    cpu = platform.processor() or platform.machine()
    print(
        f"\n# Stateside vs PyPSA, {date.today()}, {platform.node()} ({os.cpu_count()} cores, {cpu}), "
        f"Python {platform.python_version()}, median of up to {args.runs} run(s) per cell (column runs), "
        f"PyPSA storage cycles: {cyc['cycles']}, "
        f"end {datetime.now(UTC):%H:%M:%S} UTC"
    )
    print(frame(rows))


if __name__ == "__main__":
    main()
