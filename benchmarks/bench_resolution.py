"""Convergence study of the time resolution (issue #13): a ladder of typical-day
resolutions against a high-resolution reference, on a regional subset of the default
scenario.

For each rung (typical days × hours per block; the peak day(s) of the scenario's
``peak_days`` are kept, counted within the typical days) the plan is solved in a fresh
process and compared with the reference on:

* the objective (and HiGHS's proven lower bound), and the cost without penalties (the
  ``costs`` table's discounted components: the objective less the elastic-slack penalties
  such as lost load below its floor, reserve and IT-target shortfalls),
* new firm capacity by interconnection, summed over every period (firm = technologies
  of kind ``thermal`` or ``storage``: gas CC/CT, nuclear, SMR and batteries among the
  buildable ones; solar, wind and hydro are not firm), and by region,
* the campuses chosen (modules online at each campus in the last period),
* the load-weighted average price by period (weights: each region's annual demand of
  the scenario's demand case, the same for every rung),
* lost load and the slacks in use, wall time of ``run_plan``, peak RSS, MIP gap, status.

The rule (issue #13): the default is the coarsest rung whose objective is within 1 % of
the reference and whose new firm capacity in every interconnection is within 5 % of the
reference. "Coarsest" = fewest snapshots per period. The same rule is also applied with
the cost without penalties in place of the objective.

The ratepayer counterfactual is switched off (it does not change the plan and doubles the
time); diagnosis re-solves are off. Results and the study: docs/resolution.md.

    .venv/bin/python benchmarks/bench_resolution.py --regions 8 --reference 24:1 \\
        --ladder 2:4 4:4 4:2 8:4 8:2 12:2 24:4 16:2 24:2 16:1 --time-limit 560 --timeout 600
    .venv/bin/python benchmarks/bench_resolution.py --regions 51 --reference 12:2 \\
        --ladder 4:4 8:4 8:2 --time-limit 560 --timeout 600

A rung ``days:block:peak`` also sets ``peak_days``; ``--json FILE`` keeps every solve and
``--reuse FILE`` takes the rungs already there instead of solving them again.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import subprocess
import sys
from datetime import UTC, datetime

from _common import frame, run_child

CHILD = r"""
import json, time
from _common import peak_rss_mb, subset_regions, with_resolution
import dataclasses
from stateside.scenario.load import load_default
from stateside.scenario.types import selected_demand
from stateside.run import run_plan

REGIONS, DAYS, BLOCK, PEAK = {regions}, {days}, {block}, {peak}
TIME_LIMIT, MIP_GAP = {time_limit}, {mip_gap}
sc = subset_regions(load_default(), REGIONS)
keep = set(sc.regions["region"])
sc = with_resolution(sc, DAYS, BLOCK)
if PEAK is not None:
    sc = dataclasses.replace(sc, settings=sc.settings.model_copy(update={{"peak_days": PEAK}}))
st = sc.settings
solver = st.solver.model_copy(
    update={{k: v for k, v in (("time_limit_s", TIME_LIMIT), ("mip_gap", MIP_GAP)) if v is not None}}
)
st = st.model_copy(update={{
    "impact": st.impact.model_copy(update={{"ratepayer_counterfactual": False}}),
    "solver": solver,
}})
sc = dataclasses.replace(sc, settings=st)

t0 = time.perf_counter()
plan = run_plan(sc, diagnose=False)
wall = time.perf_counter() - t0
s = plan.summary()
tech = sc.technologies
firm_techs = set(tech.loc[tech["kind"].isin(["thermal", "storage"]), "technology"])
b = plan.tables["builds"]
firm = b[b["technology"].isin(firm_techs)].groupby("region")["new_mw"].sum()
interconnect = dict(zip(sc.regions["region"], sc.regions["interconnect"]))
c = plan.tables["campuses"]
last = c["period"].max()
modules = c[c["period"] == last].set_index("campus")["modules_online"]
p = plan.tables["prices"]
d = selected_demand(sc).groupby(["region", "period"])["annual_demand_mwh"].sum()
costs = plan.tables["costs"]
cost_usd = float(costs.loc[~costs["component"].str.contains("not in objective"), "discounted_usd"].sum())
u = plan.tables["unserved"]
v = plan.tables.get("violations")
slacks = {{}}
if v is not None and len(v):
    for (kind, unit), amount in v.groupby(["kind", "unit"])["amount"].sum().items():
        slacks[f"{{kind}} ({{unit}})"] = float(amount)
print(json.dumps({{
    "regions": len(keep), "days": DAYS, "block_h": BLOCK, "peak_days": sc.settings.peak_days,
    "snapshots": s["snapshots_per_period"], "wall_s": wall, "solve_s": s["solve_seconds"],
    "peak_rss_mb": peak_rss_mb(), "status": s["status"], "mip_gap": s["mip_gap"],
    "objective_usd": s["objective_usd"], "lower_bound_usd": s.get("lower_bound_usd"),
    "cost_usd": cost_usd, "penalty_usd": s["objective_usd"] - cost_usd,
    "unserved_mwh": float(u["unserved_mwh"].sum()),
    "unserved_mwh_by_period": {{str(k): float(x) for k, x in u.groupby("period")["unserved_mwh"].sum().items()}},
    "unserved_mwh_by_region": {{str(k): float(x) for k, x in u.groupby("region")["unserved_mwh"].sum().items()}},
    "slacks": slacks, "stage_seconds": s.get("stage_seconds", {{}}),
    "time_limit_s": st.solver.time_limit_s, "mip_gap_setting": st.solver.mip_gap,
    "firm_new_mw_by_region": {{str(r): float(firm.get(r, 0.0)) for r in sorted(keep)}},
    "interconnect": interconnect,
    "modules_last_period": {{str(k): float(v) for k, v in modules.items()}},
    "prices": [[str(r), int(per), float(v)] for r, per, v in
               zip(p["region"], p["period"], p["price_usd_per_mwh"], strict=True)],
    "demand_mwh": [[str(r), int(per), float(v)] for (r, per), v in d.items()],
}}))
"""


Rung = tuple[int, int, int | None]


def parse_rung(text: str) -> Rung:
    """``days:hours_per_block`` or ``days:hours_per_block:peak_days`` (default: the scenario's
    peak_days)."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(x.isdigit() for x in parts):
        raise argparse.ArgumentTypeError(
            f"expected days:hours_per_block[:peak_days], e.g. 8:2 or 4:4:3, found {text!r}"
        )
    return int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) == 3 else None


def label(rung: Rung) -> str:
    return ":".join(str(x) for x in rung if x is not None)


def by_interconnect(result: dict) -> dict[str, float]:
    out: dict[str, float] = {}
    for region, mw in result["firm_new_mw_by_region"].items():
        ic = result["interconnect"][region]
        out[ic] = out.get(ic, 0.0) + mw
    return out


def avg_price(result: dict) -> dict[int, float]:
    """Average price by period, weighted by each region's annual demand."""
    weight = {(r, p): w for r, p, w in result["demand_mwh"]}
    num: dict[int, float] = {}
    den: dict[int, float] = {}
    for r, p, v in result["prices"]:
        w = weight.get((r, p), 0.0)
        num[p] = num.get(p, 0.0) + w * v
        den[p] = den.get(p, 0.0) + w
    return {p: num[p] / den[p] for p in sorted(num) if den[p] > 0}


def rel(a: float, ref: float) -> float:
    if ref == 0:
        return 0.0 if a == 0 else math.inf
    return (a - ref) / abs(ref)


def compare(res: dict, ref: dict) -> dict[str, object]:
    ic, ic_ref = by_interconnect(res), by_interconnect(ref)
    ic_rel = {k: rel(ic.get(k, 0.0), v) for k, v in ic_ref.items()}
    ic_rel.update({k: rel(v, 0.0) for k, v in ic.items() if k not in ic_ref})
    mods, mods_ref = res["modules_last_period"], ref["modules_last_period"]
    differ = sum(1 for k in set(mods) | set(mods_ref) if mods.get(k, 0.0) != mods_ref.get(k, 0.0))
    price, price_ref = avg_price(res), avg_price(ref)
    return {
        "obj_rel": rel(res["objective_usd"], ref["objective_usd"]),
        "cost_rel": rel(res["cost_usd"], ref["cost_usd"]),
        "lb_rel": (
            rel(res["lower_bound_usd"], ref["lower_bound_usd"])
            if res.get("lower_bound_usd") and ref.get("lower_bound_usd")
            else math.nan
        ),
        "firm_by_ic_mw": {k: round(v) for k, v in sorted(ic.items())},
        "firm_ic_rel": {k: round(v, 4) for k, v in sorted(ic_rel.items())},
        "firm_ic_max_rel": max((abs(v) for v in ic_rel.values()), default=0.0),
        "campuses_differ": differ,
        "price": {p: round(v, 2) for p, v in price.items()},
        "price_rel": {p: round(rel(v, price_ref[p]), 4) for p, v in price.items() if p in price_ref},
    }


def machine() -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        highs = subprocess.run(
            [sys.executable, "-c", "import highspy; print(highspy.Highs().version())"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        highs = "?"
    return (
        f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem:.0f} GB, "
        f"Python {platform.python_version()}, HiGHS {highs or '?'}, load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )


def reused(regions: int, rung: Rung, args: argparse.Namespace) -> dict | None:
    """The last result for these regions and this rung (peak days included) in ``--reuse``'s
    file, if any."""
    if not args.reuse or not os.path.exists(args.reuse):
        return None
    found = None
    with open(args.reuse) as fh:
        for line in fh:
            res = json.loads(line)
            key = (
                res.get("regions_requested", res["regions"]),
                res["days"],
                res["block_h"],
                res.get("peak_days", args.default_peak_days),
            )
            if key == (regions, rung[0], rung[1], args.default_peak_days if rung[2] is None else rung[2]):
                found = res
    return found


def git_state() -> str:
    """The commit of the working tree and whether src/ differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"{head}" + (" with uncommitted changes under src/" if dirty else ", src/ clean")


def solve(regions: int, rung: Rung, args: argparse.Namespace) -> dict | None:
    days, block, peak = rung
    res = reused(regions, rung, args)
    if res is not None:
        print(
            f"# {regions} regions, {label(rung)}: reused from {args.reuse} ({res['status']}, "
            f"{res['wall_s']:.1f} s, time limit {res['time_limit_s']:.0f} s, gap setting {res['mip_gap_setting']})",
            flush=True,
        )
        return res
    code = CHILD.format(
        regions=regions,
        days=days,
        block=block,
        peak=peak,
        time_limit=args.time_limit,
        mip_gap=args.mip_gap,
    )
    try:
        res = run_child(code, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        print(f"# {regions} regions, {label(rung)}: no plan within {args.timeout:.0f} s", flush=True)
        return None
    except RuntimeError as exc:
        print(f"# {regions} regions, {label(rung)}: failed: {str(exc)[-500:]}", flush=True)
        return None
    print(
        f"# {regions} regions, {label(rung)}: {res['status']}, {res['wall_s']:.1f} s, "
        f"objective {res['objective_usd']:.6e}, gap {res['mip_gap']:.4f}",
        flush=True,
    )
    res["regions_requested"] = regions
    if args.json:
        with open(args.json, "a") as fh:
            fh.write(json.dumps(res) + "\n")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", type=int, default=8, help="regions, breadth-first from TX (51: all)")
    ap.add_argument(
        "--ladder",
        type=parse_rung,
        nargs="+",
        default=[
            parse_rung(x) for x in ("2:4", "4:4", "4:2", "8:4", "8:2", "12:2", "24:4", "16:2", "24:2", "16:1")
        ],
        help="rungs as typical_days:hours_per_block[:peak_days] (peak days: the scenario's unless given)",
    )
    ap.add_argument("--reference", type=parse_rung, default=parse_rung("24:1"))
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per solve (child process)")
    ap.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="HiGHS wall-clock limit of each solve, seconds (default: the scenario's solver.time_limit_s)",
    )
    ap.add_argument(
        "--mip-gap",
        type=float,
        default=None,
        help="relative MIP gap (default: the scenario's solver.mip_gap)",
    )
    ap.add_argument("--json", default=None, help="append every solve's raw result to this JSON-lines file")
    ap.add_argument(
        "--reuse",
        default=None,
        help="JSON-lines file of earlier results (--json): rungs found there (same regions, days, block) are not solved again",
    )
    args = ap.parse_args()
    from stateside.scenario.load import load_default

    args.default_peak_days = load_default().settings.peak_days

    print(f"# resolution ladder, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"# machine: {machine()}")
    print(f"# command: {shlex.join([sys.executable, *sys.argv])}", flush=True)
    print(f"# code: {git_state()}", flush=True)

    ref = solve(args.regions, args.reference, args)
    if ref is None:
        print("# no reference plan: nothing to compare")
        return
    results = [(rung, solve(args.regions, rung, args)) for rung in args.ladder]

    rows = []
    passing = []
    passing_cost = []
    for rung, res in [(args.reference, ref), *results]:
        if res is None:
            rows.append({"rung": label(rung), "status": "no plan"})
            continue
        cmp_ = compare(res, ref)
        firm_ok = float(cmp_["firm_ic_max_rel"]) <= 0.05  # type: ignore[arg-type]
        ok = abs(float(cmp_["obj_rel"])) <= 0.01 and firm_ok  # type: ignore[arg-type]
        ok_cost = abs(float(cmp_["cost_rel"])) <= 0.01 and firm_ok  # type: ignore[arg-type]
        if res is not ref and ok:
            passing.append((res["snapshots"], rung))
        if res is not ref and ok_cost:
            passing_cost.append((res["snapshots"], rung))
        rows.append(
            {
                "rung": label(rung),
                "peak_days": res.get("peak_days"),
                "snapshots": res["snapshots"],
                "objective_usd": f"{res['objective_usd']:.5e}",
                "obj_rel": f"{float(cmp_['obj_rel']):+.2%}",  # type: ignore[arg-type]
                "lb_rel": f"{float(cmp_['lb_rel']):+.2%}",  # type: ignore[arg-type]
                "cost_usd": f"{res['cost_usd']:.5e}",
                "cost_rel": f"{float(cmp_['cost_rel']):+.2%}",  # type: ignore[arg-type]
                "penalty_usd": f"{res['penalty_usd']:.3e}",
                "unserved_mwh": round(res["unserved_mwh"]),
                "firm_new_mw": " ".join(f"{k}={v}" for k, v in cmp_["firm_by_ic_mw"].items()),  # type: ignore[attr-defined]
                "firm_rel": " ".join(f"{k}={v:+.1%}" for k, v in cmp_["firm_ic_rel"].items()),  # type: ignore[attr-defined]
                "firm_max_rel": f"{float(cmp_['firm_ic_max_rel']):.1%}",  # type: ignore[arg-type]
                "campuses_differ": cmp_["campuses_differ"],
                "price_usd_mwh": " ".join(f"{v:.1f}" for v in cmp_["price"].values()),  # type: ignore[attr-defined]
                "price_rel": " ".join(f"{v:+.1%}" for v in cmp_["price_rel"].values()),  # type: ignore[attr-defined]
                "wall_s": round(res["wall_s"], 1),
                "peak_rss_mb": round(res["peak_rss_mb"]),
                "mip_gap": f"{res['mip_gap']:.2%}",
                "status": res["status"],
                "rule": "ref" if res is ref else ("pass" if ok else "fail"),
                "rule_on_cost": "ref" if res is ref else ("pass" if ok_cost else "fail"),
            }
        )

    print(f"\n# {args.regions} regions; reference {label(args.reference)}")
    print("# firm = new MW of thermal + storage technologies, all periods summed, by interconnection")
    print("# price = demand-weighted average price by period (" + ", ".join(map(str, avg_price(ref))) + ")")
    print(frame(rows))

    regions = list(ref["firm_new_mw_by_region"])
    by_region = [
        {"region": r, "interconnect": ref["interconnect"][r]}
        | {
            label(rung): round(res["firm_new_mw_by_region"].get(r, 0.0))
            for rung, res in [(args.reference, ref), *results]
            if res is not None
        }
        for r in regions
    ]
    print("\n# new firm capacity by region, MW (all periods)")
    print(frame(by_region))
    campuses = sorted(ref["modules_last_period"])
    by_campus = [
        {"campus": c}
        | {
            label(rung): res["modules_last_period"].get(c, 0.0)
            for rung, res in [(args.reference, ref), *results]
            if res is not None
        }
        for c in campuses
    ]
    print("\n# modules online by campus, last period")
    print(frame(by_campus))

    if passing:
        snaps, rung = min(passing)
        print(f"\n# rule (objective within 1 %, firm by interconnection within 5 %): {label(rung)}")
        print(f"#   ({snaps} snapshots a period) is the coarsest rung that passes")
    else:
        print("\n# rule: no rung passes")
    if passing_cost:
        snaps, rung = min(passing_cost)
        print(f"# the same rule on the cost without penalties (slacks): {label(rung)} ({snaps} snapshots)")
    else:
        print("# the same rule on the cost without penalties (slacks): no rung passes")
    slack_rows = [
        {
            "rung": label(rung),
            "unserved_mwh_by_period": {k: round(v) for k, v in res["unserved_mwh_by_period"].items()},
            "unserved_mwh_by_region": {
                k: round(v) for k, v in res.get("unserved_mwh_by_region", {}).items() if v > 0.5
            },
        }
        | res["slacks"]
        for rung, res in [(args.reference, ref), *results]
        if res is not None
    ]
    print("\n# penalised slacks in use (amounts summed over regions and periods)")
    print(frame(slack_rows))


if __name__ == "__main__":
    main()
