"""Invariants of the default US plan (the README's main job), checked on the solution itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from stateside.model.data import MW_PER_GW
from stateside.run import PlanRun, run_plan_detailed
from stateside.scenario.load import load_default

TOL = 1e-6


@pytest.fixture(scope="module")
def default_run() -> PlanRun:
    return run_plan_detailed(load_default())


def _sol(run: PlanRun, name: str) -> xr.DataArray:
    return run.built.model.variables[name].solution.fillna(0.0)


def test_default_plan_is_optimal_and_meets_every_target(default_run: PlanRun) -> None:
    plan = default_run.plan
    assert plan.termination == "optimal"
    assert plan.mip_gap is not None and plan.mip_gap <= load_default().settings.solver.mip_gap
    assert plan.table("violations").empty, plan.diagnosis
    assert plan.table("unserved").empty
    it = plan.table("it_capacity")
    assert (it["online_mw"] >= it["target_mw"] - TOL).all()


def test_default_resolution_is_the_studys_and_solved_by_decomposition(default_run: PlanRun) -> None:
    """16 typical days of 4-hour steps (docs/resolution.md: the coarsest rung within 1 % in
    cost and 5 % in new firm capacity by interconnection of 24 days hourly), a model large
    enough for the decomposition by typical day; its pieces are timed in the plan."""
    extra = default_run.plan.extra
    assert (extra["typical_days"], extra["snapshots_per_period"]) == (16, 96)
    assert default_run.result.method == "benders"
    stages = extra["stage_seconds"]
    assert {"solve_relaxation", "solve_rounding", "solve_fixed_lp"} <= set(stages)


def test_budget_mode_on_the_default_ends_optimal_within_capital() -> None:
    """Budget mode (most IT within committed capital) on the default: the relaxation leaves
    a fraction of a fab that the number-of-fabs bound cannot price, so the proof needs the
    branch and bound over the fabs (each node a Benders master); it ends within the gap,
    well inside its time limit, spending no more than each investor has committed."""
    from stateside.model.solve import SolveEvent
    from stateside.run import run_plan

    events: list[str] = []

    class Progress:
        def __call__(self, stage: str) -> None:
            pass

        def on_solve(self, e: SolveEvent) -> None:
            events.append(e.describe())

    sc = load_default()
    plan = run_plan(sc, mode="budget", progress=Progress(), diagnose=False)
    assert plan.termination == "optimal"
    assert plan.mip_gap is not None and plan.mip_gap <= sc.settings.solver.mip_gap
    assert any("fab branch and bound" in e for e in events), events[-5:]
    cap = plan.table("capital_by_investor")
    assert (cap["cumulative_used_usd"] <= cap["cumulative_available_usd"] * (1 + 1e-6) + 1.0).all()
    it = plan.table("it_capacity")
    assert (it["online_mw"] >= 0).all() and it["online_mw"].max() > 0


def test_every_constraint_holds(default_run: PlanRun) -> None:
    """Each row of each constraint family, evaluated at the solution, within 1e-6 (scaled)."""
    m = default_run.built.model
    for name in m.constraints:
        con = m.constraints[name]
        lhs = con.lhs.solution
        rhs = con.rhs
        mask = con.labels >= 0
        scale = xr.ones_like(rhs).where(abs(rhs) <= 1, abs(rhs))
        sign = con.sign.values.flat[0] if con.sign.size else "="
        if sign == "=":
            bad = (abs(lhs - rhs) > TOL * scale) & mask
        elif sign == "<=":
            bad = (lhs - rhs > TOL * scale) & mask
        else:
            bad = (rhs - lhs > TOL * scale) & mask
        assert not bool(bad.any()), f"{name} violated at {int(bad.sum())} rows"


def test_energy_balance_closes_per_region_and_hour(default_run: PlanRun) -> None:
    """Recomputed from the variables, independently of the constraint expression."""
    d = default_run.built.data
    supply = _sol(default_run, "gen").sum("technology") + _sol(default_run, "unserved")
    supply = (
        supply
        + _sol(default_run, "discharge").sum("technology")
        - _sol(default_run, "charge").sum("technology")
    )
    flow = _sol(default_run, "flow")
    into = xr.zeros_like(supply)
    for c in d.corridors:
        f = flow.sel(corridor=c, drop=True)
        into.loc[{"region": str(d.corridor_to.sel(corridor=c).item())}] += f
        into.loc[{"region": str(d.corridor_from.sel(corridor=c).item())}] -= f

    def by_region(load_gw: xr.DataArray, region_of: xr.DataArray) -> xr.DataArray:
        """Sum an (item, period) load over the items of each region."""
        item = str(region_of.dims[0])
        out = xr.zeros_like(d.peak_gw)
        for k in load_gw[item].values:
            out.loc[{"region": str(region_of.sel({item: k}).item())}] += load_gw.sel({item: k}, drop=True)
        return out

    campus_gw = _sol(default_run, "modules").cumsum("period") * d.campus_module_gw * d.campus_load_factor
    fab_gw = _sol(default_run, "fab_build").cumsum("period") * d.fab_power_gw
    load = d.demand_gw + by_region(campus_gw, d.campus_region) + by_region(fab_gw, d.fab_region)
    onsite = _sol(default_run, "onsite_gen").sum("technology")  # campus-owned units (tx_abilene)
    own = xr.zeros_like(supply)
    for k in d.campuses.values:
        own.loc[{"region": str(d.campus_region.sel(campus=k).item())}] += onsite.sel(campus=k, drop=True)
    residual = supply + own + into - load
    assert float(abs(residual).max()) < TOL
    # while islanded a campus runs on its own units alone, in every hour
    islanded = d.campus_islanded & (_sol(default_run, "modules").cumsum("period") > 0)
    assert bool(islanded.any())
    gap = (onsite - campus_gw).where(islanded, 0.0)
    assert float(abs(gap).max()) < TOL


def test_nothing_online_before_its_lead_time(default_run: PlanRun) -> None:
    sc = load_default()
    start = sc.settings.start_year
    plan = default_run.plan
    tech = sc.technologies.set_index("technology")
    b = plan.table("builds")
    built = b[b["new_mw"] > TOL]
    grid_lead = built["technology"].map(tech["construction_years"])
    # campus-owned units have their own lead time (trailer-mounted turbines)
    lead = grid_lead.where(built["owner"] == "grid", sc.settings.campus_power.lead_time_years)
    assert (built["period"] >= start + lead).all()
    assert (built.loc[built["owner"] == "coalition", "campus"] != "").all()
    camp = plan.table("campuses")
    first = camp[camp["new_modules"] > 0].merge(sc.campuses[["campus", "earliest_year"]], on="campus")
    assert (first["period"] >= first["earliest_year"]).all()
    fabs = plan.table("fabs")
    decided = fabs[fabs["decided"]].merge(sc.fabs[["fab", "lead_time_years", "earliest_year"]], on="fab")
    assert (decided["period"] >= start + decided["lead_time_years"]).all()
    assert (decided["period"] >= decided["earliest_year"]).all()
    cor = plan.table("corridors")
    expanded = cor[cor["new_mw"] > TOL].merge(sc.corridors[["corridor", "construction_years"]], on="corridor")
    assert (expanded["period"] >= start + expanded["construction_years"]).all()


def test_reserve_margin_holds(default_run: PlanRun) -> None:
    """Accredited capacity (flat credits, and stepped credits recomputed tranche by tranche
    from the capacity and the region's peak) + firm imports + reported shortfall cover
    (1 + margin) x (background peak + campus IT x PUE + fabs); firm imports never use
    corridor capability that energy flows use in the same direction at the peak."""
    d = default_run.built.data
    cap = default_run.built.expressions.capacity.solution.fillna(0.0)
    firm = (cap * d.capacity_credit).sum("technology")
    # stepped credits, independently: fill each step up to its width x peak, in order
    stepped = xr.zeros_like(firm)
    for g in d.credit_techs:
        left = cap.sel(technology=g)
        for k in d.credit_steps:
            width = float(d.credit_step_share.sel(technology=g, credit_step=k)) * d.peak_gw
            take = np.minimum(left, width)
            stepped = stepped + take * float(d.credit_step_value.sel(technology=g, credit_step=k))
            left = left - take
    fwd, rev = _sol(default_run, "firm_forward"), _sol(default_run, "firm_reverse")
    net = xr.zeros_like(firm)
    for c in d.corridors:
        zc = fwd.sel(corridor=c, drop=True) - rev.sel(corridor=c, drop=True)
        net.loc[{"region": str(d.corridor_to.sel(corridor=c).item())}] += zc
        net.loc[{"region": str(d.corridor_from.sel(corridor=c).item())}] -= zc
    short = _sol(default_run, "reserve_short")
    # campus-owned units: all their credit once connected, exactly the campus's own
    # requirement (1 + rho_r) x peak while islanded
    b = _sol(default_run, "onsite_build").rename(period="vintage")
    onsite_cap = (b * d.active.sel(technology=d.onsite_techs)).sum("vintage")
    onsite_firm = (onsite_cap * d.capacity_credit.sel(technology=d.onsite_techs)).sum("technology")
    rho = d.reserve_margin.sel(region=d.campus_region).drop_vars("region")
    counted = onsite_firm * xr.where(d.campus_islanded, (1 + rho) / (1 + d.onsite_island_margin), 1.0)
    for k in d.campuses.values:
        net.loc[{"region": str(d.campus_region.sel(campus=k).item())}] += counted.sel(campus=k, drop=True)
    campus = default_run.built.expressions.campus_peak
    fab = default_run.built.expressions.fab_load
    assert campus is not None and fab is not None
    need = (1 + d.reserve_margin) * (d.peak_gw + campus.solution.fillna(0) + fab.solution.fillna(0))
    assert float((need - firm - stepped - net - short).max()) < TOL * MW_PER_GW
    # shared corridor capability at the peak: max flow in each direction + firm lent <= capability
    flow = _sol(default_run, "flow").where(d.peak_snapshot, 0.0)
    online = default_run.built.expressions.corridor_expansion.solution.fillna(0.0)
    assert float((flow.max(["day", "step"]) + fwd - online - d.corridor_fwd_gw).max()) < TOL
    assert float(((-flow).max(["day", "step"]) + rev - online - d.corridor_rev_gw).max()) < TOL


def test_capital_used_within_capital_available(default_run: PlanRun) -> None:
    inv = default_run.plan.table("capital_by_investor")
    assert (inv["cumulative_used_usd"] <= inv["cumulative_available_usd"] * (1 + 1e-9) + 1.0).all()
    need = default_run.plan.table("equity_need").groupby(["asset_class", "period"])["equity_usd"].sum()
    raised = default_run.plan.table("capital").groupby(["asset_class", "period"])["equity_usd"].sum()
    joined = pd.concat([need, raised], axis=1, keys=["need", "raised"]).fillna(0.0)
    assert np.allclose(joined["need"], joined["raised"], rtol=1e-9, atol=10.0)


def test_no_investor_above_its_caps(default_run: PlanRun) -> None:
    caps = default_run.share_caps
    cap = default_run.plan.table("capital")
    total = cap.groupby(["asset_class", "period"])["equity_usd"].transform("sum")
    cap = cap.assign(share=cap["equity_usd"] / total)
    merged = cap.merge(caps, on=["investor", "asset_class"], how="inner")
    assert len(caps) > 0
    assert (merged["share"] <= merged["max_share"] + 1e-7).all(), merged[
        merged["share"] > merged["max_share"]
    ]


def test_cap_tables_sum_to_100_percent_and_have_no_prohibited_holding(default_run: PlanRun) -> None:
    from stateside.security.caps import check_holdings

    ct = default_run.plan.table("cap_tables")
    by_round = ct.groupby(["project", "period"])["equity_pct"].sum()
    assert np.allclose(by_round.to_numpy(), 100.0, atol=1e-6)
    # each round's table holds the cumulative holdings: review the last round of each project
    last = ct[ct["period"] == ct.groupby("project")["period"].transform("max")]
    reviews = check_holdings(load_default(), last)
    outcomes = {r.outcome for r in reviews} if isinstance(reviews, list) else set(reviews["outcome"])
    assert "prohibited" not in outcomes


# --------------------------------------------------------------------------------------
# calibration against public 2024 figures (issue #11; docs/calibration.md)


def _reference() -> pd.DataFrame:
    from importlib import resources

    text = resources.files("stateside.data").joinpath("calibration").joinpath("us_2024.csv").read_text()
    import io

    return pd.read_csv(io.StringIO(text)).set_index("metric")


def test_first_period_dispatch_matches_eia_2024(default_run: PlanRun) -> None:
    """Coal, gas, nuclear, wind, solar and hydro generation of the first period each within
    the tolerance of EIA's 2024 figure; power CO2 within 15 %; the load-weighted price in a
    plausible wholesale range (sources in stateside/data/calibration/us_2024.csv)."""
    plan = default_run.plan
    first = int(default_run.built.data.periods[0])
    ref = _reference()
    dispatch = plan.table("dispatch")
    d1 = dispatch[dispatch["period"] == first]
    failures = []
    for metric, row in ref.iterrows():
        if not str(metric).startswith("generation_"):
            continue
        techs = str(row["technologies"]).split(";")
        ours = d1[d1["technology"].isin(techs)]["energy_mwh"].sum() / 1e6
        if abs(ours / row["value"] - 1) > row["tolerance"]:
            failures.append(f"{metric}: {ours:,.0f} TWh vs EIA {row['value']:,.0f} TWh")
    assert not failures, failures
    co2 = d1["co2_t"].sum() / 1e6
    assert abs(co2 / ref.loc["co2_power", "value"] - 1) <= ref.loc["co2_power", "tolerance"], co2
    prices = plan.table("prices").query("period == @first").set_index("region")["price_usd_per_mwh"]
    load = default_run.built.data.demand_gw.sel(period=first) * default_run.built.data.weight_hours
    weight = load.sum(["day", "step"]).to_series().reindex(prices.index)
    avg = float((prices * weight).sum() / weight.sum())
    assert ref.loc["price_load_weighted", "value"] <= avg <= ref.loc["price_load_weighted_high", "value"], avg


def test_campus_load_is_matched_by_new_capacity_in_its_interconnection(default_run: PlanRun) -> None:
    """At least half of the campuses' added grid load (peak, IT x PUE) by the last period is
    matched by new generation or storage (summer MW) in the same interconnection."""
    plan = default_run.plan
    d = default_run.built.data
    last = int(d.periods[-1])
    sc = load_default()
    ic = sc.regions.set_index("region")["interconnect"]
    camp = plan.table("campuses")
    camp_last = camp[camp["period"] == last]
    peak = camp_last.merge(sc.campuses[["campus", "pue"]], on="campus")
    peak["mw"] = peak["it_mw_online"] * peak["pue"]
    peak["ic"] = peak["region"].map(ic)
    builds = plan.table("builds")
    new = builds[(builds["period"] <= last)].copy()
    new["ic"] = new["region"].map(ic)
    for interconnect, load in peak.groupby("ic")["mw"].sum().items():
        added = new[new["ic"] == interconnect]["new_mw"].sum()
        assert added >= 0.5 * load, (interconnect, added, load)


def test_no_gas_plant_without_gas_supply(default_run: PlanRun) -> None:
    """No technology burning gas is built or run where the fuel has no price (Hawaii)."""
    from stateside.scenario.fuels import fuel_price_table

    sc = load_default()
    prices = fuel_price_table(sc)
    gas_regions = set(prices[prices["fuel"] == "gas"]["region"])
    assert "HI" not in gas_regions
    gas_techs = set(sc.technologies[sc.technologies["fuel"] == "gas"]["technology"])
    b = default_run.plan.table("builds")
    bad = b[b["technology"].isin(gas_techs) & ~b["region"].isin(gas_regions) & (b["new_mw"] > TOL)]
    assert bad.empty, bad
    disp = default_run.plan.table("dispatch")
    assert disp[disp["technology"].isin(gas_techs) & ~disp["region"].isin(gas_regions)].empty
