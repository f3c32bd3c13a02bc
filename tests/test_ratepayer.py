"""Ratepayer impact, solved by hand: a campus that forces the grid to build gas.

One region, 1 GW of flat background demand, 1.05 GW of free existing hydro energy and buildable
gas at 1,000 USD/kW (r = 0, 20 years: 50 USD/kW-yr) with 10 USD/MWh of variable cost. A
100 MW campus (PUE 1, utilisation 1) adds 0.1 GW of load, so the grid builds 0.05 GW of
gas, which sets the price: 10 + 50,000 / 8,760 = 15.708 USD/MWh. Without the campus the
hydro covers the load and the price is 0. The grid's build-out, 0.05 GW x 50 $M/GW-yr =
2.5 M USD/yr, is recovered from 9.636 TWh (8.76 of other load + 0.876 of campus load):
+0.2594 USD/MWh for the other customers, against 0 without the campus.
"""

from __future__ import annotations

import dataclasses

import pytest

import factory as f
from stateside.impact.ratepayer import (
    RATEPAYER_COLUMNS,
    counterfactual_from_plan,
    ratepayer_impact,
    solve_counterfactual,
)
from stateside.model.build import build_model
from stateside.model.data import prepare
from stateside.model.solve import solve
from stateside.plan import Plan, extract_plan
from stateside.scenario.types import Scenario

FLAT_1GW_MWH = 8_760_000.0


def _scenario() -> Scenario:
    st = f.settings(it_target_mw={2026: 100.0})
    # 1.2 GW of hydro available at 87.5 %: 1.05 GW of energy, 1.2 GW of firm capacity, so
    # the reserve margin never binds and the gas plant's capital cost is in the energy price
    hydro = {"technology": "hydro", "kind": "hydro", "buildable": False, "availability": 0.875}
    gas = {"technology": "gas"}
    return f.scenario(
        st,
        ["AA"],
        [hydro, gas],
        [
            {"technology": "hydro", "capex_usd_per_kw": 0.0},
            {"technology": "gas", "capex_usd_per_kw": 1000.0, "variable_om_usd_per_mwh": 10.0},
        ],
        {"AA": FLAT_1GW_MWH},
        existing=[{"region": "AA", "technology": "hydro", "capacity_mw": 1200}],
        campuses=[{"campus": "k1", "region": "AA", "module_it_mw": 100, "max_modules": 1}],
    )


def _run(sc: Scenario) -> Plan:
    return f.solved(sc)


def test_ratepayer_impact_sign_and_size() -> None:
    sc = _scenario()
    plan = _run(sc)
    assert plan.table("campuses")["new_modules"].sum() == pytest.approx(1.0)
    cf, seconds = solve_counterfactual(sc, f.typical(["AA"]))
    assert seconds > 0
    assert "campuses" not in cf.tables or cf.table("campuses").empty
    gas_cf = cf.table("builds").set_index("technology")
    assert "gas" not in gas_cf.index or gas_cf.loc["gas", "new_mw"] == pytest.approx(0.0, abs=1e-6)

    table = ratepayer_impact(plan, cf, sc)
    assert list(table.columns) == RATEPAYER_COLUMNS
    assert len(table) == 1  # every region and period
    row = table.iloc[0]
    assert row["price_usd_per_mwh"] == pytest.approx(10.0 + 50_000.0 / 8760.0, rel=1e-6)
    assert row["counterfactual_price_usd_per_mwh"] == pytest.approx(0.0, abs=1e-6)
    assert row["price_change_usd_per_mwh"] == pytest.approx(15.708, abs=1e-3)
    assert row["build_out_usd_per_year"] == pytest.approx(2.5e6, rel=1e-6)
    assert row["coalition_load_mwh"] == pytest.approx(876_000.0)
    assert row["cost_change_usd_per_mwh_other_load"] == pytest.approx(2.5e6 / 9_636_000.0, rel=1e-6)
    assert row["cost_change_usd_per_mwh_other_load"] > 0


def test_counterfactual_is_the_scenario_without_the_coalition() -> None:
    from stateside.impact.ratepayer import counterfactual_scenario

    sc = _scenario()
    cf = counterfactual_scenario(sc)
    assert cf.settings.power_only and not sc.settings.power_only
    assert cf.tables is sc.tables  # same data: only the coalition is left out


@pytest.mark.parametrize("background_mwh", [FLAT_1GW_MWH, 1.1 * FLAT_1GW_MWH])
def test_warm_counterfactual_equals_the_power_only_solve(background_mwh: float) -> None:
    """The counterfactual solved as a variant of the plan's own LP (modules and fabs fixed
    at zero, from the plan's basis) is the power-only scenario's optimum: the same builds,
    prices and system cost as solving it from scratch — with 1.1 GW of background demand
    the grid builds 0.05 GW of gas even without the campus (0.15 GW with it)."""
    sc = _scenario()
    sc = dataclasses.replace(
        sc, tables={**sc.tables, "demand": sc.tables["demand"].assign(annual_demand_mwh=background_mwh)}
    )
    _check_warm_equals_cold(sc, background_mwh)


def test_warm_counterfactual_prices_the_reserve_margin_as_the_power_only_plan() -> None:
    """With campuses the reserve penalty is raised above the IT target's (the order of
    giving things up); without them it is the user's 5 USD/kW-yr. A 25 % margin on 1 GW
    of background peak needs 1.25 GW firm, 0.05 GW more than the hydro: the plan (with
    its campus) builds gas for it, while the power-only plan and its warm variant leave
    the margin short (gas for reserve costs 50 USD/kW-yr against a 5 USD/kW-yr penalty)."""
    sc = _scenario()
    st = sc.settings.model_copy(update={"reserve_margin": 0.25, "reserve_shortfall_usd_per_kw_year": 5.0})
    sc = dataclasses.replace(sc, settings=st)
    got = _check_warm_equals_cold(sc, FLAT_1GW_MWH, compare_plan=False)
    v = got.table("violations")
    assert (v["kind"] == "reserve_margin").any()  # the cheap shortfall, as without campuses


def _check_warm_equals_cold(sc: Scenario, background_mwh: float, compare_plan: bool = True) -> Plan:
    built = build_model(prepare(sc, f.typical(["AA"])))
    result = solve(built, sc.settings.solver)
    assert result.optimal and result.warm is not None and result.warm.available
    got = counterfactual_from_plan(built, result, sc)
    assert got is not None
    warm, _seconds = got
    cold, _ = solve_counterfactual(sc, f.typical(["AA"]))
    assert warm.objective_usd == pytest.approx(cold.objective_usd, rel=1e-9, abs=1e-3)

    def gas_mw(p: Plan) -> float:
        b = p.table("builds")
        return float(b.loc[b["technology"] == "gas", "new_mw"].sum())

    expected_gas = 1000.0 * (background_mwh / FLAT_1GW_MWH - 1.05)  # MW beyond the hydro energy
    assert gas_mw(warm) == pytest.approx(gas_mw(cold), abs=1e-6)
    pw = warm.table("prices").set_index(["region", "period"])
    pc = cold.table("prices").set_index(["region", "period"]).loc[pw.index]
    price_cols = [c for c in pw.columns if c.endswith("usd_per_mwh")]
    assert price_cols
    for c in price_cols:
        assert pw[c].to_numpy() == pytest.approx(pc[c].to_numpy(), abs=1e-6)
    # the plan's own solution is back in the model once the variant is read
    assert float(built.model.variables["modules"].solution.sum()) == pytest.approx(1.0)
    # and the instance is the plan's again: re-solved unchanged, it gives the plan back
    assert result.warm is not None
    again = result.warm.solve_fixed({})
    result.warm.restore()
    assert again.objective_musd == pytest.approx(result.objective_musd, rel=1e-9)
    if compare_plan:
        plan = extract_plan(built, result, "test", 0.0)
        assert gas_mw(plan) == pytest.approx(1000.0 * (background_mwh / FLAT_1GW_MWH + 0.1 - 1.05), abs=1e-6)
        assert gas_mw(warm) == pytest.approx(max(0.0, expected_gas), abs=1e-6)
    return warm
