"""Hand-solvable planning problems with known optima (model units: GW, $M; see model/data.py)."""

from __future__ import annotations

import pandas as pd
import pytest

import factory as f
from stateside.model.build import build_model
from stateside.model.data import prepare
from stateside.model.solve import solve
from stateside.plan import Plan, extract_plan

GAS = {"technology": "gas", "fuel": "gas", "heat_rate_mmbtu_per_mwh": 7.0}
GAS_COST = {"technology": "gas", "capex_usd_per_kw": 1000.0, "variable_om_usd_per_mwh": 10.0}


def run(sc, typ, caps=None, mode=None) -> Plan:  # type: ignore[no-untyped-def]
    data = prepare(sc, typ, caps, mode=mode)
    built = build_model(data)
    result = solve(built, sc.settings.solver)
    assert result.optimal, result
    return extract_plan(built, result, "test", 0.0)


def test_one_region_one_technology() -> None:
    """1 GW flat demand, gas at 1000 $/kW over 20 years (r = 0) and 10 $/MWh:
    build 1 GW; cost = 1000 $/kW x 1e6 kW / 20 + 8760 GWh x 10 $/MWh = 50 + 87.6 = 137.6 $M."""
    st = f.settings()
    sc = f.scenario(st, ["AA"], [GAS], [GAS_COST], {"AA": 8_760_000})
    # peak factor 0.5: the reserve margin does not bind, so the energy price carries the capex
    plan = run(sc, f.typical(["AA"], peak_factor=0.5))
    assert plan.objective_usd == pytest.approx(137.6e6, rel=1e-9)
    b = plan.table("builds")
    assert b["new_mw"].sum() == pytest.approx(1000.0, rel=1e-9)
    # long-run marginal cost: 10 $/MWh + 50 $M / 8.76 TWh
    assert plan.table("prices")["price_usd_per_mwh"].iloc[0] == pytest.approx(10.0 + 50e6 / 8.76e6, rel=1e-6)


def test_discounting_and_annuity() -> None:
    """r = 5 %, one 2-year period starting at the start year: W = 1 + 1/1.05;
    annuity(5 %, 20 y) = 0.0802425872 → cost = W x (80.2425872 + 87.6) $M."""
    st = f.settings(discount_rate=0.05, periods=[{"year": 2026, "length_years": 2}])
    sc = f.scenario(st, ["AA"], [GAS], [GAS_COST], {"AA": 8_760_000})
    plan = run(sc, f.typical(["AA"]))
    annuity = 0.05 / (1 - 1.05**-20)
    expected = (1 + 1 / 1.05) * (1000 * annuity + 87.6) * 1e6
    assert plan.objective_usd == pytest.approx(expected, rel=1e-9)


def test_import_beats_local_build() -> None:
    """BB (0.5 GW) can build gas or import from AA's existing 2 GW over a 1 GW corridor:
    importing costs only energy, 0.5 GW x 8760 h x 10 $/MWh = 43.8 $M; building would add 25 $M."""
    st = f.settings()
    cor = [
        {
            "corridor": "AA-BB",
            "region_from": "AA",
            "region_to": "BB",
            "existing_mw_forward": 1000,
            "existing_mw_reverse": 1000,
        }
    ]
    ex = [{"region": "AA", "technology": "gas", "capacity_mw": 2000}]
    sc = f.scenario(st, ["AA", "BB"], [GAS], [GAS_COST], {"BB": 4_380_000}, existing=ex, corridors=cor)
    plan = run(sc, f.typical(["AA", "BB"]))
    assert plan.table("builds")["new_mw"].sum() == pytest.approx(0.0, abs=1e-6)
    assert plan.objective_usd == pytest.approx(43.8e6, rel=1e-9)
    c = plan.table("corridors")
    assert c["energy_forward_mwh"].sum() == pytest.approx(4_380_000, rel=1e-9)

    # Without the corridor BB must build its own 0.5 GW: 25 + 43.8 $M.
    sc2 = f.scenario(st, ["AA", "BB"], [GAS], [GAS_COST], {"BB": 4_380_000}, existing=ex)
    plan2 = run(sc2, f.typical(["AA", "BB"]))
    assert plan2.table("builds").query("region == 'BB'")["new_mw"].sum() == pytest.approx(500.0, rel=1e-9)
    assert plan2.objective_usd == pytest.approx(68.8e6, rel=1e-9)


def test_storage_arbitrage_over_two_blocks() -> None:
    """Free solar only in the first 12-hour block, gas at 100 $/MWh, a 12-hour battery with
    81 % round trip (0.9 each way). Demand 0.5 GW in both blocks. The battery charges
    0.5 / 0.81 GW from solar and discharges 0.5 GW: no gas, zero cost."""
    st = f.settings(hours_per_block=12)
    sc = f.solar_battery_scenario(st)
    plan = run(sc, f.typical(["AA"], steps=2, solar=[1.0, 0.0]))
    assert plan.objective_usd == pytest.approx(0.0, abs=1e-3)
    disp = plan.table("dispatch").set_index("technology")["energy_mwh"]
    assert "gas" not in disp.index or disp["gas"] == pytest.approx(0.0, abs=1e-3)
    # net storage energy = -(losses) = -(0.5/0.81 - 0.5) GW x 4380 h
    assert disp["battery"] == pytest.approx(-(0.5 / 0.81 - 0.5) * 4380 * 1000, rel=1e-6)

    # With a 25 % round trip, storing costs more solar than there is: gas serves block 2.
    sc_bad = f.solar_battery_scenario(st, round_trip_efficiency=0.25)
    plan_bad = run(sc_bad, f.typical(["AA"], steps=2, solar=[1.0, 0.0]))
    # the battery charges at its 1 GW limit: 1 x 0.5 x 0.5 = 0.25 GW out; gas serves the other 0.25 GW
    assert plan_bad.objective_usd == pytest.approx((0.5 - 0.25) * 4380 * 100 / 1000 * 1e6, rel=1e-6)


def test_lead_time_blocks_early_build() -> None:
    """Gas takes 3 years to build from 2026: nothing can be online in 2026, so the 2026
    load goes unserved; the 2030 build covers it."""
    st = f.settings(periods=[{"year": 2026, "length_years": 1}, {"year": 2030, "length_years": 1}])
    sc = f.scenario(st, ["AA"], [{**GAS, "construction_years": 3}], [GAS_COST], {"AA": 8_760_000})
    plan = run(sc, f.typical(["AA"]))
    b = plan.table("builds").set_index("period")["new_mw"]
    assert 2026 not in b.index or b.get(2026, 0.0) == pytest.approx(0.0)
    assert b[2030] == pytest.approx(1000.0, rel=1e-9)
    un = plan.table("unserved").set_index("period")["unserved_mwh"]
    assert un[2026] == pytest.approx(8_760_000, rel=1e-9)
    assert any(line.startswith("2026 unserved energy") for line in plan.diagnosis)


def _campus_case(target_mw: float, **over):  # type: ignore[no-untyped-def]
    st = f.settings(it_target_mw={2026: target_mw}, **over)
    ex = [{"region": "AA", "technology": "gas", "capacity_mw": 5000}]
    return f.scenario(
        st,
        ["AA"],
        [GAS],
        [GAS_COST],
        {"AA": 0.0},
        existing=ex,
        campuses=[{"campus": "k1", "region": "AA", "module_it_mw": 100, "max_modules": 10}],
        investors=[{"investor": "a"}, {"investor": "b"}],
        commitments=[
            {"investor": "a", "year": 2026, "amount_usd": 10e9},
            {"investor": "b", "year": 2026, "amount_usd": 10e9},
        ],
    )


def test_integer_campus_modules() -> None:
    """A 250 MW target with 100 MW modules needs 3 modules (300 MW), not 2.5."""
    plan = run(_campus_case(250.0), f.typical(["AA"]))
    camp = plan.table("campuses")
    assert camp["new_modules"].sum() == pytest.approx(3.0)
    assert plan.it_capacity_mw()["2026"] == pytest.approx(300.0)
    assert plan.diagnosis == []


def test_binding_capital_limit_in_budget_mode() -> None:
    """Budget mode: $3.5B of equity and $1B per 100 MW module (no debt) → 3 modules."""
    sc = _campus_case(0.0)
    sc.tables["commitments"] = pd.DataFrame(
        [{"investor": "a", "year": 2026, "amount_usd": 3.5e9, "stage": "committed", "source": "t"}]
    )
    plan = run(sc, f.typical(["AA"]), mode="budget")
    assert plan.table("campuses")["new_modules"].sum() == pytest.approx(3.0)
    inv = plan.table("capital_by_investor").set_index("investor")
    assert inv.loc["a", "cumulative_used_usd"] == pytest.approx(3e9, rel=1e-9)
    assert inv.loc["b", "cumulative_used_usd"] == pytest.approx(0.0, abs=1.0)


def test_security_cap_moves_equity_to_another_investor() -> None:
    """A prohibited investor (cap 0 on data centers) funds none of the campus; b funds all of it."""
    caps = pd.DataFrame(
        [{"investor": "a", "asset_class": "datacenter", "max_share": 0.0, "reason": "country of concern"}]
    )
    plan = run(_campus_case(200.0), f.typical(["AA"]), caps)
    cap = plan.table("capital")
    dc = cap[cap["asset_class"] == "datacenter"].set_index("investor")["equity_usd"]
    assert "a" not in dc.index
    assert dc["b"] == pytest.approx(2e9, rel=1e-9)

    # With a 25 % cap on a and only $1.2B at b, two modules ($2B) would need a at 40 %:
    # the plan keeps one module (a 25 %, b 75 %) and reports the target short, binding b's capital.
    sc = _campus_case(200.0)
    sc.tables["commitments"] = pd.DataFrame(
        [
            {"investor": "a", "year": 2026, "amount_usd": 10e9, "stage": "committed", "source": "t"},
            {"investor": "b", "year": 2026, "amount_usd": 1.2e9, "stage": "committed", "source": "t"},
        ]
    )
    caps25 = pd.DataFrame(
        [{"investor": "a", "asset_class": "datacenter", "max_share": 0.25, "reason": "rule X"}]
    )
    plan2 = run(sc, f.typical(["AA"]), caps25)
    dc2 = plan2.table("capital").query("asset_class == 'datacenter'").set_index("investor")["share"]
    assert dc2.get("a", 0.0) <= 0.25 + 1e-9
    assert plan2.it_capacity_mw()["2026"] == pytest.approx(100.0)
    assert plan2.diagnosis and plan2.diagnosis[0].startswith("2026 IT target short by 100 MW")


def test_infeasible_target_reported_with_its_cause() -> None:
    """New campus load can only be powered by new gas, and only 300 MW of turbines arrive in
    2025: 3 of the 5 modules the 500 MW target needs; the diagnosis names the turbines."""
    st = f.settings(start_year=2025, it_target_mw={2026: 500.0}, turbine_supply_mw_per_year=300.0)
    sc = f.scenario(
        st,
        ["AA"],
        [{**GAS, "uses_gas_turbine": True}],
        [GAS_COST],
        {"AA": 0.0},
        campuses=[{"campus": "k1", "region": "AA", "module_it_mw": 100, "max_modules": 10}],
    )
    plan = run(sc, f.typical(["AA"]))
    assert plan.it_capacity_mw()["2026"] == pytest.approx(300.0)
    v = plan.table("violations")
    assert list(v["kind"]) == ["it_target"]
    assert v["amount"].iloc[0] == pytest.approx(200.0)
    assert "2026 IT target short by 200 MW" in plan.diagnosis[0]
    assert "gas-turbine deliveries" in plan.diagnosis[0]
    assert plan.table("unserved").empty


def test_fab_lead_time_and_domestic_share() -> None:
    """A 50 % domestic-share rule forces the fab (lead time 1 year from 2025) to be built by 2026."""
    st = f.settings(
        start_year=2025,
        it_target_mw={2026: 100.0},
        chips={
            "accelerators_per_mw_it": 1000.0,
            "import_limit_per_year": 1e9,
            "min_domestic_share": {2026: 0.5},
        },
    )
    ex = [{"region": "AA", "technology": "gas", "capacity_mw": 5000}]
    sc = f.scenario(
        st,
        ["AA"],
        [GAS],
        [GAS_COST],
        {"AA": 0.0},
        existing=ex,
        campuses=[{"campus": "k1", "region": "AA", "module_it_mw": 100, "max_modules": 10}],
        fabs=[
            {
                "fab": "slow",
                "region": "AA",
                "capex_usd": 1e9,
                "accelerators_per_year": 1e6,
                "lead_time_years": 3,
            },
            {
                "fab": "ok",
                "region": "AA",
                "capex_usd": 2e9,
                "accelerators_per_year": 1e6,
                "lead_time_years": 1,
            },
        ],
    )
    plan = run(sc, f.typical(["AA"]))
    fabs = plan.table("fabs").set_index("fab")
    assert bool(fabs.loc["ok", "online"]) and not bool(fabs.loc["slow", "online"])
    chips = plan.table("chips").iloc[0]
    assert chips["need"] == pytest.approx(100_000.0)
    assert chips["domestic"] >= 50_000.0 - 1e-6


def test_plan_round_trips_through_csv_and_parquet(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from stateside.plan import load_plan_dir

    plan = run(_campus_case(250.0), f.typical(["AA"]))
    for fmt in ("csv", "parquet"):
        out = plan.to_dir(tmp_path / fmt, fmt=fmt)
        back = load_plan_dir(out)
        assert back.summary()["it_capacity_mw"] == plan.summary()["it_capacity_mw"]
        for name, table in plan.tables.items():
            if len(table):
                pd.testing.assert_frame_equal(
                    table.reset_index(drop=True), back.tables[name], check_dtype=False, check_exact=False
                )


def test_target_without_any_campus_is_reported_short() -> None:
    """No candidate campus can meet a 200 MW target: the whole target is reported short."""
    st = f.settings(it_target_mw={2026: 200.0})
    sc = f.scenario(st, ["AA"], [GAS], [GAS_COST], {"AA": 8_760_000})
    plan = run(sc, f.typical(["AA"]))
    v = plan.table("violations")
    assert list(v["kind"]) == ["it_target"] and v["amount"].iloc[0] == pytest.approx(200.0)
    assert plan.diagnosis[0].startswith("2026 IT target short by 200 MW")


def test_power_only_ignores_campuses_targets_and_capital() -> None:
    """power_only: the same power system cost as with no campuses at all (137.6 $M, see above)."""
    st = f.settings(power_only=True, it_target_mw={2026: 250.0})
    sc = _campus_case(250.0)
    sc = f.scenario(
        st,
        ["AA"],
        [GAS],
        [GAS_COST],
        {"AA": 8_760_000},
        campuses=[{"campus": "k1", "region": "AA", "module_it_mw": 100, "max_modules": 10}],
        investors=[{"investor": "a"}],
        commitments=[{"investor": "a", "year": 2026, "amount_usd": 1e9}],
    )
    plan = run(sc, f.typical(["AA"], peak_factor=0.5))
    assert plan.objective_usd == pytest.approx(137.6e6, rel=1e-9)
    assert plan.table("campuses").empty and plan.table("capital").empty and plan.table("it_capacity").empty
    assert plan.diagnosis == []
