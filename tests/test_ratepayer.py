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

import pytest

import factory as f
from stateside.impact.ratepayer import RATEPAYER_COLUMNS, ratepayer_impact, solve_counterfactual
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
    built = build_model(prepare(sc, f.typical(["AA"])))
    result = solve(built, sc.settings.solver)
    assert result.optimal, result
    return extract_plan(built, result, "test", 0.0)


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
