"""Calibration of the default scenario against public 2024 figures (issue #11).

Plans the embedded default scenario (or a scenario folder) and prints, for its first
period, generation by fuel, power-sector CO2 and the load-weighted price side by side
with the reference figures in ``stateside/data/calibration/us_2024.csv`` (EIA, sourced
there), and the summer capacity of the fleet. docs/calibration.md records the output.

    python benchmarks/calibration.py [SCENARIO_DIR]
"""

from __future__ import annotations

import io
import sys
import time
from importlib import resources
from pathlib import Path

import pandas as pd

from stateside.run import run_plan_detailed
from stateside.scenario.load import load_default, load_scenario


def reference() -> pd.DataFrame:
    text = resources.files("stateside.data").joinpath("calibration").joinpath("us_2024.csv").read_text()
    return pd.read_csv(io.StringIO(text)).set_index("metric")


def main() -> None:
    scenario = load_scenario(Path(sys.argv[1])) if len(sys.argv) > 1 else load_default()
    ref = reference()
    t0 = time.perf_counter()
    run = run_plan_detailed(scenario)
    wall = time.perf_counter() - t0
    plan, d = run.plan, run.built.data
    first = int(d.periods[0])
    dispatch = plan.table("dispatch")
    d1 = dispatch[dispatch["period"] == first]
    print(f"default plan: status {plan.termination}, {wall:.0f} s; first period {first}\n")
    print("| quantity | Stateside | EIA 2024 | difference |")
    print("|---|---|---|---|")
    for metric, row in ref.iterrows():
        if not str(metric).startswith("generation_"):
            continue
        ours = d1[d1["technology"].isin(str(row["technologies"]).split(";"))]["energy_mwh"].sum() / 1e6
        name = str(metric).removeprefix("generation_")
        print(
            f"| {name} generation | {ours:,.0f} TWh | {row['value']:,.0f} TWh | {ours / row['value'] - 1:+.1%} |"
        )
    total = d1["energy_mwh"].sum() / 1e6
    print(f"| all generation, net of storage | {total:,.0f} TWh | | |")
    co2 = d1["co2_t"].sum() / 1e6
    print(
        f"| power CO2 | {co2:,.0f} Mt | {ref.loc['co2_power', 'value']:,.0f} Mt | {co2 / ref.loc['co2_power', 'value'] - 1:+.1%} |"
    )
    prices = plan.table("prices").query("period == @first").set_index("region")["price_usd_per_mwh"]
    load = (d.demand_gw.sel(period=first) * d.weight_hours).sum(["day", "step"]).to_series()
    avg = float((prices * load.reindex(prices.index)).sum() / load.reindex(prices.index).sum())
    lo, hi = ref.loc["price_load_weighted", "value"], ref.loc["price_load_weighted_high", "value"]
    print(f"| load-weighted price | {avg:,.1f} USD/MWh | plausible {lo:.0f}-{hi:.0f} | |")
    b = plan.table("builds")
    print("\nCapacity by technology and period (MW): existing kept, retired early, new")
    pivot = (
        b.groupby(["technology", "period"])[["existing_mw", "retired_mw", "new_mw"]].sum().unstack("period")
    )
    print(pivot.round(0).to_string())
    v = plan.table("violations")
    print(f"\nviolations: {len(v)}")
    for line in plan.diagnosis[:10]:
        print("  -", line)


if __name__ == "__main__":
    main()
