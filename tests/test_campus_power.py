"""Campus-owned generation (issue #12): a campus that runs before its grid connection
owns its power, the coalition funds it, and it shows in builds, cap tables and returns.

The hand-solvable case: one region AA with 5 GW of existing gas (10 USD/MWh), no
background load, r = 0, two 2-year periods 2026 and 2028. Campus k1 (100 MW modules,
PUE 1, utilisation 1) is connected to the grid only from 2028; the IT target is 200 MW
in both periods. In 2026 it must run islanded: 2 modules, on-site gas at least
(1 + 0.2) x 200 = 240 MW firm, producing its 200 MW every hour. On-site gas costs
1,000 USD/kW over 20 years: 240 M USD of capex, 12 M USD a year, counted in both periods
(4 years) = 48 M USD more than the same campus connected from the start; its output
costs the same 10 USD/MWh as the grid's.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import factory as f
from stateside.finance.report import attach_finance
from stateside.impact.ratepayer import build_out_cost
from stateside.impact.states import state_benefits
from stateside.plan import Plan
from stateside.scenario.types import Scenario

GAS = {"technology": "gas_ct", "fuel": "gas", "uses_gas_turbine": True}
GAS_COST = {"technology": "gas_ct", "capex_usd_per_kw": 1000.0, "variable_om_usd_per_mwh": 10.0}
PERIODS = [{"year": 2026, "length_years": 2}, {"year": 2028, "length_years": 2}]


def _case(connection: int | None, **over: Any) -> Scenario:
    campus_power = {"technologies": ["gas_ct"], "lead_time_years": 0, "island_reserve_margin": 0.2}
    campus_power.update(over.pop("campus_power", {}))
    st = f.settings(
        periods=PERIODS,
        it_target_mw={2026: 200.0, 2028: 200.0},
        campus_power=campus_power,
        **over,
    )
    sc = f.scenario(
        st,
        ["AA"],
        [GAS],
        [GAS_COST],
        {"AA": 0.0},
        existing=[{"region": "AA", "technology": "gas_ct", "capacity_mw": 5000}],
        campuses=[{"campus": "k1", "region": "AA", "module_it_mw": 100, "max_modules": 10}],
        investors=[{"investor": "a"}],
        commitments=[{"investor": "a", "year": 2026, "amount_usd": 20e9}],
    )
    sc.tables["campuses"]["grid_connection_year"] = connection
    return sc


def _solve(sc: Scenario) -> Plan:
    return f.solved(sc)


def test_an_islanded_campus_owns_exactly_its_firm_need() -> None:
    plan = _solve(_case(2028))
    onsite = plan.table("campus_power").set_index("period")
    assert onsite.loc[2026, "new_mw"] == pytest.approx(240.0, rel=1e-9)
    assert bool(onsite.loc[2026, "islanded"]) and not bool(onsite.loc[2028, "islanded"])
    assert onsite.loc[2028, "new_mw"] == pytest.approx(0.0, abs=1e-9)  # connected: the grid's to build
    assert onsite.loc[2028, "capacity_mw"] == pytest.approx(240.0, rel=1e-9)  # the units stay
    # islanded: the campus's 200 MW every hour of the year, on site
    assert onsite.loc[2026, "energy_mwh"] == pytest.approx(200.0 * 8760.0, rel=1e-9)
    assert onsite.loc[2026, "capex_usd"] == pytest.approx(240e6, rel=1e-9)
    assert plan.table("campuses").groupby("period")["new_modules"].sum().loc[2026] == pytest.approx(2.0)


def test_islanding_costs_the_on_site_capex_and_nothing_else() -> None:
    islanded, connected = _solve(_case(2028)), _solve(_case(None))
    assert islanded.objective_usd - connected.objective_usd == pytest.approx(48e6, rel=1e-9)
    assert len(connected.table("campus_power")) == 0
    assert set(connected.table("builds")["owner"]) == {"grid"}


def test_campus_power_is_the_coalitions_named_by_campus() -> None:
    sc = _case(2028)
    plan = _solve(sc)
    builds = plan.table("builds")
    own = builds[builds["owner"] == "coalition"]
    assert set(own["campus"]) == {"k1"} and set(own["technology"]) == {"gas_ct"}
    assert own.loc[own["period"] == 2026, "new_mw"].sum() == pytest.approx(240.0, rel=1e-9)
    assert set(builds.loc[builds["owner"] == "grid", "campus"]) == {""}
    need = plan.table("equity_need").set_index(["asset_class", "period"])
    assert need.loc[("campus_power", 2026), "capex_usd"] == pytest.approx(240e6, rel=1e-9)
    attach_finance(plan, sc, None)
    caps = plan.table("cap_tables")
    assert set(caps["project"]) == {"k1", "power-k1"}
    power = caps[caps["project"] == "power-k1"]
    assert power["equity_pct"].sum() == pytest.approx(100.0, rel=1e-9)
    econ = plan.table("project_economics").set_index("project")
    assert econ.loc["power-k1", "asset_class"] == "campus_power"
    assert econ.loc["power-k1", "capex_usd"] == pytest.approx(240e6, rel=1e-9)
    # ratepayers do not pay for them: the grid built nothing here
    grid_cost = build_out_cost(plan, sc)
    assert float(grid_cost["build_out_usd_per_year"].abs().max()) == pytest.approx(0.0, abs=1e-6)
    # the state sees the units as campus power (capex) and as generation in the state (MW)
    states = state_benefits(plan, sc, pd.DataFrame()).set_index("region")
    assert states.loc["AA", "capex_campus_power_usd"] == pytest.approx(240e6, rel=1e-9)
    assert states.loc["AA", "capex_generation_usd"] == pytest.approx(0.0, abs=1e-6)
    assert states.loc["AA", "new_generation_mw"] == pytest.approx(240.0, rel=1e-9)


def test_on_site_turbines_draw_on_the_national_supply() -> None:
    """2026 is the start year, so its turbines are one year's deliveries. At 60 MW/yr that
    is too few for even one module (which needs 1.2 x 100 = 120 MW on site): no IT runs in
    2026. At 120 MW/yr exactly one module runs islanded."""
    short = _solve(_case(2028, turbine_supply_mw_per_year=60.0))
    it = short.it_capacity_mw()
    assert it["2026"] == pytest.approx(0.0, abs=1e-6)
    one = _solve(_case(2028, turbine_supply_mw_per_year=120.0))
    assert one.it_capacity_mw()["2026"] == pytest.approx(100.0, rel=1e-9)
    onsite = one.table("campus_power").set_index("period")
    assert onsite.loc[2026, "new_mw"] == pytest.approx(120.0, rel=1e-9)


def test_no_on_site_unit_before_its_lead_time() -> None:
    """Decisions in 2026 with a 1-year lead time: nothing on site in 2026, so the campus
    cannot run before its connection; in 2028 the grid serves it."""
    plan = _solve(_case(2028, campus_power={"lead_time_years": 1}))
    it = plan.it_capacity_mw()
    assert it["2026"] == pytest.approx(0.0, abs=1e-6)
    assert it["2028"] == pytest.approx(200.0, rel=1e-9)
    assert len(plan.table("campus_power")) == 0


def test_the_round_trip_keeps_the_grids_blank_campus(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from stateside.plan import load_plan_dir

    plan = _solve(_case(2028))
    plan.to_dir(tmp_path)
    back = load_plan_dir(tmp_path)
    pd.testing.assert_frame_equal(
        back.table("builds")[["campus", "owner"]].astype(str),
        plan.table("builds")[["campus", "owner"]].astype(str),
    )


def test_an_islanded_plant_never_sells_to_the_grid() -> None:
    """The grid's gas takes 2 years to build, the campus's none. Background load of 100 MW
    in 2026 has no plant at all, and the campus may run only from 2028 (connected after the
    horizon). The campus must not build early to serve the grid: 2026's load goes unserved,
    and in 2028 its 240 MW make exactly its own 200 MW while the grid builds for the rest."""
    sc = _case(2030, voll_usd_per_mwh=100_000.0)
    sc.tables["existing_capacity"] = sc.tables["existing_capacity"].iloc[0:0]
    sc.tables["technologies"].loc[:, "construction_years"] = 2.0
    sc.tables["campuses"].loc[:, "earliest_year"] = 2028
    sc.tables["demand"].loc[:, "annual_demand_mwh"] = 100.0 * 8760.0
    sc.settings.it_target_mw[2026] = 0.0
    plan = _solve(sc)
    onsite = plan.table("campus_power").set_index("period")
    assert 2026 not in onsite.index
    assert onsite.loc[2028, "new_mw"] == pytest.approx(240.0, rel=1e-9)
    assert onsite.loc[2028, "energy_mwh"] == pytest.approx(200.0 * 8760.0, rel=1e-9)
    unserved = plan.table("unserved").groupby("period")["unserved_mwh"].sum()
    assert unserved.loc[2026] == pytest.approx(100.0 * 8760.0, rel=1e-6)
    grid = plan.table("builds")
    assert grid.loc[(grid["owner"] == "grid") & (grid["period"] == 2028), "new_mw"].sum() == pytest.approx(
        100.0, rel=1e-6
    )
