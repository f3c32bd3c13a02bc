"""Ratepayer impact: what the coalition's load does to the other customers of each state.

The plan is compared with the **counterfactual**: the same scenario solved without the
coalition (``power_only``: no campuses, no fabs, no capital) — the grid the other
customers would have had. It is solved once per plan, with the same typical days and
solver settings, and stored with the run (tables ``counterfactual_builds``,
``counterfactual_prices``, ``counterfactual_corridors`` and ``plan.extra["ratepayer"]``).

Per region r and period p (table ``ratepayer_impact``):

* ``price_change_usd_per_mwh`` :math:`= \\bar\\lambda_{r,p} - \\bar\\lambda^{0}_{r,p}`: the
  change in the region's energy price, the background-demand-weighted average of the
  hourly duals of the energy balance (table ``prices``), plan less counterfactual;
* ``cost_change_usd_per_mwh_other_load``: the change in the annual cost of the grid's
  build-out per MWh of the other customers' load, when the grid recovers that cost from
  all the load it serves in the region pro rata to energy:

  .. math:: \\frac{C_{r,p}}{L_{r,p} + L^{coal}_{r,p}} - \\frac{C^{0}_{r,p}}{L_{r,p}}

  with :math:`C` the annual cost of the grid's new capacity online in p — each build's
  capex x its capital recovery factor (technology life, the scenario's discount rate)
  plus its fixed O&M, for every vintage still within its life, and half of each
  corridor expansion's annualised capex (40 years) in each of its two regions —
  :math:`L` the background (other customers') demand and :math:`L^{coal}` the coalition's
  campus and fab load in the region (MWh/yr). Positive: other customers pay more per MWh.

Money in real USD of the scenario's base year.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import pandas as pd

from stateside.model.inputs import annuity_factor
from stateside.model.inputs.corridors import TRANSMISSION_LIFETIME_YEARS
from stateside.plan import Plan, grid_builds, is_true
from stateside.scenario.types import Scenario, selected_demand

RATEPAYER_COLUMNS: list[str] = [
    "region",
    "period",
    "price_change_usd_per_mwh",
    "cost_change_usd_per_mwh_other_load",
    "price_usd_per_mwh",
    "counterfactual_price_usd_per_mwh",
    "build_out_usd_per_year",
    "counterfactual_build_out_usd_per_year",
    "other_load_mwh",
    "coalition_load_mwh",
]

COUNTERFACTUAL_TABLES: tuple[str, ...] = ("builds", "prices", "corridors")
HOURS_PER_YEAR = 8760.0


def counterfactual_scenario(scenario: Scenario) -> Scenario:
    """The same scenario without the coalition: no campuses, fabs or capital."""
    s = scenario.settings.model_copy(
        update={"power_only": True, "name": f"{scenario.settings.name}-no-coalition"}
    )
    return dataclasses.replace(scenario, settings=s)


def solve_counterfactual(scenario: Scenario, typical: Any = None) -> tuple[Plan, float]:
    """Solve :func:`counterfactual_scenario` (an LP) from scratch; returns the plan and its seconds."""
    from stateside.model.build import build_model
    from stateside.model.data import prepare
    from stateside.model.solve import solve
    from stateside.plan import extract_plan
    from stateside.scenario.typical import scenario_typical_periods

    t0 = time.perf_counter()
    cf = counterfactual_scenario(scenario)
    typical = typical if typical is not None else scenario_typical_periods(cf)
    built = build_model(prepare(cf, typical, None))
    result = solve(built, cf.settings.solver)
    plan = extract_plan(built, result, cf.settings.name, 0.0)
    plan.extra["highs_seconds"] = round(result.highs_seconds, 3)
    return plan, time.perf_counter() - t0


#: the coalition's decisions fixed at zero for the counterfactual: campus modules and fabs
#: (IT equipment, accelerators and equity follow from them)
COALITION_DECISIONS: dict[str, float] = {"modules": 0.0, "fab_build": 0.0}
#: constraints of the plan that tie the grid to the campuses, lifted for the counterfactual:
#: lost load counts against the IT online in the plan (``it_unpowered_def``); without
#: campuses it is valued at the value of lost load only, as in the power-only scenario
COALITION_LINKS: tuple[str, ...] = ("it_unpowered_def",)
#: penalty terms of the objective that exist only because of the coalition
COALITION_PENALTIES: tuple[str, ...] = ("target_short", "equity_short", "chips_short", "cap_excess")


def power_only_penalties(d: Any) -> dict[str, Any]:
    """Objective coefficients of the slacks whose penalties the campuses raise
    (:mod:`stateside.model.inputs.penalties`), at their power-only values: a GW short of
    the reserve margin costs the user's ``reserve_shortfall_usd_per_kw_year`` for the
    period (not the level ordered above the IT target), and unserved energy its value of
    lost load, discounted like every cost (no floor)."""
    from stateside.model.objective import unserved_value_musd_per_gw

    return {
        "reserve_short": d.reserve_penalty_user_musd_per_gw,
        "unserved": unserved_value_musd_per_gw(d),
    }


def counterfactual_from_plan(built: Any, result: Any, scenario: Scenario) -> tuple[Plan, float] | None:
    """The counterfactual as a variant of the solved plan: the plan's own LP with every
    campus module and fab fixed at zero, warm started from the plan's basis
    (:class:`stateside.model.solve.WarmModel`) — the same grid as
    :func:`solve_counterfactual` (an LP: equal optimum), about ten times faster.

    Its objective is reported without the coalition's penalty terms (the unmet IT target
    and the like, constants once nothing is built), so it is the system cost of the
    power-only scenario. None when the plan kept no HiGHS instance or the variant did not
    solve (the caller solves from scratch).
    """
    from stateside.model.objective import penalty_terms
    from stateside.plan import extract_plan

    warm = getattr(result, "warm", None)
    if warm is None or not warm.available:
        return None
    t0 = time.perf_counter()
    cf_result = warm.solve_fixed(
        COALITION_DECISIONS,
        free=COALITION_LINKS,
        costs=power_only_penalties(built.data),
        label="counterfactual",
    )
    try:
        if not cf_result.usable:
            return None
        terms = penalty_terms(built.model, built.data)
        penalties = sum(
            float(terms[name].solution.fillna(0.0).sum()) for name in COALITION_PENALTIES if name in terms
        )
        cf_result = dataclasses.replace(cf_result, objective_musd=cf_result.objective_musd - penalties)
        plan = extract_plan(built, cf_result, f"{scenario.settings.name}-no-coalition", 0.0, explain=False)
        plan.extra["highs_seconds"] = round(cf_result.highs_seconds, 3)
    finally:
        warm.restore()
    return plan, time.perf_counter() - t0


def build_out_cost(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    """Annual cost of the grid's new capacity online, per (region, period), USD/yr."""
    s = scenario.settings
    periods = [int(p) for p in s.period_years]
    regions = scenario.regions["region"].astype(str).tolist()
    cost = pd.DataFrame(0.0, index=pd.Index(regions, name="region"), columns=pd.Index(periods, name="period"))
    tech = scenario.technologies.set_index(scenario.technologies["technology"].astype(str))
    tc = scenario.technology_costs
    fom = {
        (str(g), int(p)): float(v)
        for g, p, v in zip(tc["technology"], tc["period"], tc["fixed_om_usd_per_kw_year"], strict=True)
    }
    builds = grid_builds(plan.tables.get("builds", pd.DataFrame()))  # campus-owned units: the coalition's
    for b in builds.itertuples(index=False) if len(builds) else []:
        if float(b.new_mw) <= 1e-9 or str(b.region) not in cost.index:
            continue
        g, v = str(b.technology), int(b.period)
        life = float(tech.at[g, "lifetime_years"]) if g in tech.index else 20.0
        annual = float(b.capex_usd) * annuity_factor(s.discount_rate, life) + float(
            b.new_mw
        ) * 1000.0 * fom.get((g, v), 0.0)
        for p in periods:
            if v <= p < v + life:
                cost.at[str(b.region), p] += annual
    cor = plan.tables.get("corridors", pd.DataFrame())
    crf = annuity_factor(s.discount_rate, TRANSMISSION_LIFETIME_YEARS)
    for c in cor.itertuples(index=False) if len(cor) else []:
        if float(c.new_mw) <= 1e-9:
            continue
        annual = float(c.capex_usd) * crf / 2.0
        for p in periods:
            if p >= int(c.period):
                for r in (str(c.region_from), str(c.region_to)):
                    if r in cost.index:
                        cost.at[r, p] += annual
    return cost.stack().rename("build_out_usd_per_year").reset_index()


def coalition_load(plan: Plan) -> pd.DataFrame:
    """Campus and fab grid energy per (region, period), MWh/yr."""
    parts: list[pd.DataFrame] = []
    camp = plan.tables.get("campuses", pd.DataFrame())
    if len(camp):
        parts.append(
            camp.assign(mwh=camp["grid_load_mw"].astype(float) * HOURS_PER_YEAR)[["region", "period", "mwh"]]
        )
    fabs = plan.tables.get("fabs", pd.DataFrame())
    if len(fabs) and "power_mw" in fabs.columns and "online" in fabs.columns:
        online = fabs[fabs["online"].map(is_true)]
        parts.append(
            online.assign(mwh=online["power_mw"].astype(float) * HOURS_PER_YEAR)[["region", "period", "mwh"]]
        )
    if not parts:
        return pd.DataFrame(columns=["region", "period", "coalition_load_mwh"])
    df = pd.concat(parts, ignore_index=True)
    df["region"] = df["region"].astype(str)
    df["period"] = df["period"].astype(int)
    return (
        df.groupby(["region", "period"], as_index=False)["mwh"]
        .sum()
        .rename(columns={"mwh": "coalition_load_mwh"})
    )


def ratepayer_impact(plan: Plan, counterfactual: Plan, scenario: Scenario) -> pd.DataFrame:
    """Table ``ratepayer_impact`` (see the module docstring), one row per region and period."""
    s = scenario.settings
    periods = [int(p) for p in s.period_years]
    regions = scenario.regions["region"].astype(str).tolist()
    grid = pd.MultiIndex.from_product([regions, periods], names=["region", "period"])
    out = pd.DataFrame(index=grid)

    def price(p: Plan) -> pd.Series:
        pr = p.tables.get("prices", pd.DataFrame(columns=["region", "period", "price_usd_per_mwh"]))
        idx = pd.MultiIndex.from_arrays([pr["region"].astype(str), pr["period"].astype(int)])
        return pd.Series(pr["price_usd_per_mwh"].astype(float).to_numpy(), index=idx).reindex(grid)

    out["price_usd_per_mwh"] = price(plan)
    out["counterfactual_price_usd_per_mwh"] = price(counterfactual)
    for name, p in (
        ("build_out_usd_per_year", plan),
        ("counterfactual_build_out_usd_per_year", counterfactual),
    ):
        c = build_out_cost(p, scenario).set_index(["region", "period"])["build_out_usd_per_year"]
        out[name] = c.reindex(grid).fillna(0.0)
    dem = selected_demand(scenario)
    other = pd.Series(
        dem["annual_demand_mwh"].astype(float).to_numpy(),
        index=pd.MultiIndex.from_arrays([dem["region"].astype(str), dem["period"].astype(int)]),
    )
    out["other_load_mwh"] = other.groupby(level=[0, 1]).sum().reindex(grid)
    coal = coalition_load(plan).set_index(["region", "period"])["coalition_load_mwh"]
    out["coalition_load_mwh"] = coal.reindex(grid).fillna(0.0)
    out["price_change_usd_per_mwh"] = out["price_usd_per_mwh"] - out["counterfactual_price_usd_per_mwh"]
    load = out["other_load_mwh"].where(out["other_load_mwh"] > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cost_change_usd_per_mwh_other_load"] = (
            out["build_out_usd_per_year"] / (load + out["coalition_load_mwh"])
            - out["counterfactual_build_out_usd_per_year"] / load
        )
    return out.reset_index()[RATEPAYER_COLUMNS]


def attach_ratepayer(
    plan: Plan, scenario: Scenario, typical: Any = None, built: Any = None, result: Any = None
) -> None:
    """Solve the counterfactual and add ``ratepayer_impact`` and the counterfactual's
    tables to ``plan`` (nothing for a power-only plan, a plan without prices, or when
    ``settings.impact.ratepayer_counterfactual`` is off). With the plan's ``built`` model
    and solve ``result`` it is solved as a warm variant of the plan
    (:func:`counterfactual_from_plan`), otherwise from scratch."""
    s = scenario.settings
    if s.power_only or not s.impact.ratepayer_counterfactual or "prices" not in plan.tables:
        return
    got = counterfactual_from_plan(built, result, scenario) if built is not None else None
    method = "warm variant of the plan (campus modules and fabs fixed at zero)"
    if got is None:
        got = solve_counterfactual(scenario, typical)
        method = "solved from scratch (power_only)"
    cf, seconds = got
    plan.tables["ratepayer_impact"] = ratepayer_impact(plan, cf, scenario)
    for name in COUNTERFACTUAL_TABLES:
        if name in cf.tables:
            plan.tables[f"counterfactual_{name}"] = cf.tables[name]
    plan.extra["ratepayer"] = {
        "counterfactual": "the same scenario without the coalition (power_only: no campuses, fabs or capital)",
        "counterfactual_status": cf.status,
        "counterfactual_objective_usd": cf.objective_usd,
        "counterfactual_seconds": round(seconds, 3),
        "counterfactual_method": method,
        "counterfactual_highs_seconds": cf.extra.get("highs_seconds"),
    }
