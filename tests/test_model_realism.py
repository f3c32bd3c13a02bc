"""Hand-solvable cases for the issue-11 formulation: economic retirement, seams, firm
imports sharing corridor capability, stepwise capacity credits, the elastic reserve
margin, the penalty ordering and peak days kept by the typical-day clustering.

Model units: GW, $M; with r = 0 and 20-year lives, 1000 $/kW of capex is 50 $M/GW-yr.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import factory as f
from stateside.model.build import build_model
from stateside.model.data import prepare
from stateside.model.inputs.penalties import PENALTY_TARGET_MUSD_PER_GW
from stateside.model.solve import solve
from stateside.plan import Plan, extract_plan
from stateside.scenario.profiles import HourlyProfiles
from stateside.scenario.typical import typical_periods

COAL = {"technology": "coal", "buildable": False, "economic_retirement": True}
COAL_COST = {"technology": "coal", "capex_usd_per_kw": 0.0, "fixed_om_usd_per_kw_year": 50.0}
GAS = {"technology": "gas"}
GAS_COST = {"technology": "gas", "capex_usd_per_kw": 1000.0, "variable_om_usd_per_mwh": 10.0}
FLAT_1GW_MWH = 8_760_000.0


def run(sc, typ, mode=None) -> Plan:  # type: ignore[no-untyped-def]
    built = build_model(prepare(sc, typ, None, mode=mode))
    result = solve(built, sc.settings.solver)
    assert result.optimal, result
    return extract_plan(built, result, "test", 0.0)


def test_economic_retirement_keeps_only_the_capacity_that_pays() -> None:
    """0.5 GW of flat demand, 1 GW of existing coal whose fixed O&M is 50 $/kW-yr and
    energy is free: keeping all of it costs 50 $M/yr, keeping 0.5 GW costs 25 $M/yr, so
    0.5 GW retires. With economic retirement off, all of it stays (its O&M is a constant)."""
    st = f.settings()
    ex = [{"region": "AA", "technology": "coal", "capacity_mw": 1000}]
    sc = f.scenario(st, ["AA"], [COAL], [COAL_COST], {"AA": FLAT_1GW_MWH / 2}, existing=ex)
    plan = run(sc, f.typical(["AA"]))
    b = plan.table("builds").set_index("technology")
    assert b.loc["coal", "retired_mw"] == pytest.approx(500.0, rel=1e-9)
    assert b.loc["coal", "existing_mw"] == pytest.approx(500.0, rel=1e-9)
    assert plan.objective_usd == pytest.approx(25e6, rel=1e-9)

    off = f.scenario(
        f.settings(economic_retirement=False), ["AA"], [COAL], [COAL_COST], {"AA": 4.38e6}, existing=ex
    )
    plan_off = run(off, f.typical(["AA"]))
    assert plan_off.table("builds").set_index("technology").loc["coal", "retired_mw"] == pytest.approx(0.0)
    assert plan_off.objective_usd == pytest.approx(0.0, abs=1e-3)
    costs = plan_off.table("costs")
    constant = costs[costs["component"].str.startswith("existing_fleet_fixed_om")]
    assert constant["annual_usd"].sum() == pytest.approx(50e6, rel=1e-9)


def test_retired_capacity_stays_retired() -> None:
    """Demand 0.5 GW in 2026 and 1 GW in 2028. Retiring half the coal in 2026 would save
    25 $M only if it could come back in 2028; it cannot (``retirement_once``), and new gas
    would cost 25 (annuity) + 43.8 (energy) $M more, so all 1 GW is kept: 50 + 50 = 100 $M."""
    st = f.settings(periods=[{"year": 2026, "length_years": 1}, {"year": 2028, "length_years": 1}])
    ex = [{"region": "AA", "technology": "coal", "capacity_mw": 1000}]
    sc = f.scenario(st, ["AA"], [COAL, GAS], [COAL_COST, GAS_COST], {"AA": FLAT_1GW_MWH}, existing=ex)
    dem = sc.tables["demand"]
    dem.loc[dem["period"] == 2026, "annual_demand_mwh"] = FLAT_1GW_MWH / 2
    plan = run(sc, f.typical(["AA"]))
    coal = plan.table("builds").query("technology == 'coal'").set_index("period")
    assert coal["existing_mw"].to_dict() == pytest.approx({2026: 1000.0, 2028: 1000.0})
    assert plan.objective_usd == pytest.approx(100e6, rel=1e-9)


def _seam_case(seam_expansion: str):  # type: ignore[no-untyped-def]
    """EE (eastern) has 2 GW of free existing power; WW (western) needs 0.5 GW and can build
    gas (50 $M/GW-yr + 10 $/MWh). The EE-WW corridor is a seam with a 100 MW DC tie; a
    converter costs 100 $/kW (2.5 $M/GW-yr over 40 years)."""
    st = f.settings(seam_expansion=seam_expansion)
    free = {"technology": "hydro", "kind": "hydro", "buildable": False}
    cor = [
        {
            "corridor": "EE-WW",
            "region_from": "EE",
            "region_to": "WW",
            "existing_mw_forward": 100,
            "existing_mw_reverse": 100,
            "expansion_capex_usd_per_mw": 1e5,
            "max_expansion_mw_per_period": 5000,
        }
    ]
    ex = [{"region": "EE", "technology": "hydro", "capacity_mw": 2000}]
    sc = f.scenario(
        st,
        ["EE", "WW"],
        [free, GAS],
        [{"technology": "hydro", "capex_usd_per_kw": 0.0}, GAS_COST],
        {"WW": FLAT_1GW_MWH / 2},
        existing=ex,
        corridors=cor,
    )
    sc.tables["regions"].loc[sc.tables["regions"]["region"] == "WW", "interconnect"] = "western"
    return sc


def test_seam_carries_dc_ties_and_expands_only_by_converter() -> None:
    """WW's 0.5 GW peak must be firm too (no margin, firm-import share 0.5), and firm imports
    use corridor capability that energy then cannot (f + z <= F + X, z <= 0.5 (F + X)).
    Converter allowed: importing 0.5 GW of energy and 0.5 GW of firm capacity needs
    F + X = 1 GW, so 900 MW of converter (2.25 $M/yr) — cheaper than any gas.
    Off: only the 100 MW tie crosses the seam; its energy (87.6 $M/GW-yr saved) is worth
    more than its firm use (50 $M/GW-yr), so WW builds 500 MW of gas and runs 400 MW of it:
    25 + 35.04 = 60.04 $M/yr."""
    plan = run(_seam_case("converter"), f.typical(["EE", "WW"]))
    c = plan.table("corridors").iloc[0]
    assert c["new_mw"] == pytest.approx(900.0, rel=1e-9)
    assert plan.objective_usd == pytest.approx(0.9 * 2.5e6, rel=1e-9)
    sc = _seam_case("off")
    data = prepare(sc, f.typical(["EE", "WW"]))
    assert bool(data.corridor_is_seam.sel(corridor="EE-WW"))
    assert not bool(data.corridor_can_build.any())
    plan_off = run(sc, f.typical(["EE", "WW"]))
    c = plan_off.table("corridors").iloc[0]
    assert c["new_mw"] == pytest.approx(0.0, abs=1e-9)
    assert c["energy_forward_mwh"] == pytest.approx(100 * 8760, rel=1e-9)
    gas = plan_off.table("builds").query("technology == 'gas'")["new_mw"].sum()
    assert gas == pytest.approx(500.0, rel=1e-9)
    assert plan_off.objective_usd == pytest.approx((25 + 0.4 * 87.6) * 1e6, rel=1e-9)


def test_firm_imports_and_energy_flows_share_corridor_capability() -> None:
    """BB (0.6 GW flat, peak 0.6 GW, no margin) imports over a 1 GW corridor from AA's
    free 10 GW, or builds a CT (50 $M/GW-yr, 100 $/MWh). Energy f and firm import z share
    the corridor: f + z <= 1. Cheapest: CT k = 0.2 GW kept idle (firm), f = 0.6, z = 0.4
    → 10 $M/yr. If the corridor could be used twice (f <= 1 and z <= 1 separately), BB
    would build nothing."""
    st = f.settings(reserve_margin=0.0, firm_import_share=1.0)
    free = {"technology": "hydro", "kind": "hydro", "buildable": False}
    ct = {"technology": "ct"}
    cor = [
        {
            "corridor": "AA-BB",
            "region_from": "AA",
            "region_to": "BB",
            "existing_mw_forward": 1000,
            "existing_mw_reverse": 1000,
        }
    ]
    sc = f.scenario(
        st,
        ["AA", "BB"],
        [free, ct],
        [
            {"technology": "hydro", "capex_usd_per_kw": 0.0},
            {"technology": "ct", "capex_usd_per_kw": 1000.0, "variable_om_usd_per_mwh": 100.0},
        ],
        {"BB": 0.6 * FLAT_1GW_MWH},
        existing=[{"region": "AA", "technology": "hydro", "capacity_mw": 10_000}],
        corridors=cor,
    )
    plan = run(sc, f.typical(["AA", "BB"]))
    assert plan.table("builds").query("technology == 'ct'")["new_mw"].sum() == pytest.approx(200.0, rel=1e-9)
    assert plan.objective_usd == pytest.approx(10e6, rel=1e-9)
    assert plan.table("violations").empty


def test_stepwise_capacity_credit_falls_with_share() -> None:
    """1 GW flat demand and peak, no margin. Solar (free energy, 30 $M/GW-yr) earns credit
    0.5 on its first 20 % of peak and 0.1 beyond; a CT (50 $M/GW-yr, 1000 $/MWh) counts in
    full. Solar 1 GW serves the energy and counts 0.2 x 0.5 + 0.8 x 0.1 = 0.18 GW; firm
    solar beyond that costs 300 $M per firm GW, so the CT covers the other 0.82 GW:
    30 + 41 = 71 $M/yr. With a flat 0.5 credit (60 $M per firm GW of solar), the CT is
    0.5 GW: 30 + 25 = 55 $M/yr."""
    st = f.settings(reserve_margin=0.0)
    solar = {"technology": "solar", "kind": "variable", "profile": "solar", "capacity_credit": 0.5}
    ct = {"technology": "ct"}
    costs = [
        {"technology": "solar", "capex_usd_per_kw": 600.0},
        {"technology": "ct", "capex_usd_per_kw": 1000.0, "variable_om_usd_per_mwh": 1000.0},
    ]
    sc = f.scenario(st, ["AA"], [solar, ct], costs, {"AA": FLAT_1GW_MWH})
    typ = f.typical(["AA"], solar=[1.0])
    flat = run(sc, typ)
    assert flat.objective_usd == pytest.approx(55e6, rel=1e-9)
    sc.tables["capacity_credit_steps"] = pd.DataFrame(
        [
            {
                "technology": "solar",
                "step": 1,
                "share_of_peak_upto": 0.2,
                "capacity_credit": 0.5,
                "source": "t",
            },
            {
                "technology": "solar",
                "step": 2,
                "share_of_peak_upto": None,
                "capacity_credit": 0.1,
                "source": "t",
            },
        ]
    )
    stepped = run(sc, typ)
    b = stepped.table("builds").set_index("technology")["new_mw"]
    assert b["ct"] == pytest.approx(820.0, rel=1e-9)
    assert stepped.objective_usd == pytest.approx(71e6, rel=1e-9)

    # a region with no peak (a power-only study with the margin switched off, say): the
    # last, unbounded step stays unbounded (inf x 0 gave a NaN bound and HiGHS refused
    # the model); nothing is needed for reserve, so solar alone serves the energy
    no_peak = dataclasses.replace(
        sc, tables={**sc.tables, "demand": sc.tables["demand"].assign(peak_demand_mw=0.0)}
    )
    plan = run(no_peak, typ)
    assert plan.termination == "optimal"
    assert plan.objective_usd == pytest.approx(30e6, rel=1e-9)


def test_reserve_shortfall_is_elastic_and_named() -> None:
    """1 GW of existing gas, 1 GW peak, a 15 % margin and nothing can be built: the plan
    is optimal, reports the region 150 MW short, and says so in words."""
    st = f.settings(reserve_margin=0.15)
    sc = f.scenario(
        st,
        ["AA"],
        [{**GAS, "buildable": False}],
        [GAS_COST],
        {"AA": FLAT_1GW_MWH},
        existing=[{"region": "AA", "technology": "gas", "capacity_mw": 1000}],
    )
    plan = run(sc, f.typical(["AA"]))
    v = plan.table("violations")
    assert list(v["kind"]) == ["reserve_margin"]
    assert v["amount"].iloc[0] == pytest.approx(150.0, rel=1e-9)
    assert any(line.startswith("reserve margin in AA short by 150 MW in 2026") for line in plan.diagnosis)


def test_shedding_load_never_meets_an_it_target() -> None:
    """2 GW of existing generation; background demand 1.8 GW in one 12-hour block and 0.2 GW
    in the other; a 200 MW campus module (PUE 1, utilisation 1) would need 0.1 GW shed in
    the busy block for 4,380 h. At VOLL that costs 43.8 $M — less than the 10,000 $M penalty
    of a 200 MW target shortfall — so the old model 'met' the target by shedding. Now lost
    load in the campus's interconnection removes IT from what counts online, and the
    ordering makes shedding dearer per MW than the target: no module is added, and the
    target is reported short by 200 MW with no load shed."""
    st = f.settings(it_target_mw={2026: 200.0})
    free = {"technology": "hydro", "kind": "hydro", "buildable": False}
    sc = f.scenario(
        st,
        ["AA"],
        [free],
        [{"technology": "hydro", "capex_usd_per_kw": 0.0}],
        {"AA": FLAT_1GW_MWH},
        existing=[{"region": "AA", "technology": "hydro", "capacity_mw": 1900}],
        campuses=[{"campus": "k1", "region": "AA", "module_it_mw": 200, "max_modules": 1}],
    )
    typ = f.typical(["AA"], steps=2, demand=[1.8, 0.2])
    data = prepare(sc, typ)
    assert data.unserved_floor_musd_per_gw > PENALTY_TARGET_MUSD_PER_GW
    plan = run(sc, typ)
    assert plan.table("unserved").empty
    v = plan.table("violations")
    assert list(v["kind"]) == ["it_target"]
    assert v["amount"].iloc[0] == pytest.approx(200.0)


def test_penalties_are_ordered() -> None:
    """Target < reserve margin < lost load per MW of IT they stand for."""
    st = f.settings(it_target_mw={2026: 100.0}, reserve_margin=0.15)
    sc = f.scenario(
        st,
        ["AA"],
        [GAS],
        [GAS_COST],
        {"AA": FLAT_1GW_MWH},
        campuses=[
            {
                "campus": "k1",
                "region": "AA",
                "module_it_mw": 100,
                "max_modules": 1,
                "pue": 1.3,
                "utilisation": 0.8,
            }
        ],
    )
    d = prepare(sc, f.typical(["AA"]))
    target = PENALTY_TARGET_MUSD_PER_GW
    # 1 GW of IT needs PUE x (1 + margin) GW of firm capacity and PUE x utilisation GW of energy
    assert float(d.reserve_penalty_musd_per_gw.min()) * 1.3 * 1.15 > target
    assert d.unserved_floor_musd_per_gw * 1.3 * 0.8 > target


def test_typical_days_keep_the_peak_day() -> None:
    """A year of daily cycles with one heat-wave day: with a national peak column the day
    of the highest hour is a typical day of its own (24 hours of weight, hourly steps), and
    the typical demand reaches the hourly year's peak."""
    hours = np.arange(8760)
    base = 1.0 + 0.3 * np.sin(2 * np.pi * (hours % 24) / 24) + 0.1 * np.sin(2 * np.pi * hours / 8760)
    demand = np.stack([base, base * 0.9 + 0.05], axis=1)
    demand[200 * 24 : 201 * 24] *= 1.6
    demand = demand / demand.mean(axis=0)
    idx = pd.RangeIndex(8760, name="hour")
    cols = pd.Index(["AA", "BB"], name="region")
    prof = HourlyProfiles(
        solar=pd.DataFrame(np.zeros((8760, 2)), index=idx, columns=cols),
        wind=pd.DataFrame(np.full((8760, 2), 0.3), index=idx, columns=cols),
        demand=pd.DataFrame(demand, index=idx, columns=cols),
    )
    weights = pd.DataFrame({"national": [1.0, 1.0]}, index=cols)
    tp = typical_periods(prof, 4, 1, peak_weights=weights)
    assert 200 in list(tp.medoid_day)
    day = list(tp.medoid_day).index(200)
    assert float(tp.weight_hours.values.reshape(4, 24)[day].sum()) == pytest.approx(24.0)
    national = tp.demand.sum("region").values
    assert national.max() == pytest.approx(demand.sum(axis=1).max(), rel=0.02)
    assert float(tp.weight_hours.sum()) == pytest.approx(8760.0)


def test_unreachable_reserve_margin_plans_and_says_so(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The tiny scenario with nothing buildable and a 100 % margin in NM: `stateside plan`
    still returns a plan, names the shortfall in words and exits 0 (docs/model.md)."""
    import shutil
    from pathlib import Path

    from typer.testing import CliRunner

    from stateside.cli import app

    monkeypatch.setenv("STATESIDE_DB_URL", f"sqlite:///{tmp_path / 'runs.db'}")
    src = Path(__file__).parent / "fixtures" / "tiny"
    dest = tmp_path / "tight"
    shutil.copytree(src, dest)
    regions = pd.read_csv(dest / "regions.csv")
    regions["reserve_margin"] = np.where(regions["region"] == "NM", 1.0, np.nan)
    regions.to_csv(dest / "regions.csv", index=False)
    techs = pd.read_csv(dest / "technologies.csv")
    techs["buildable"] = False
    techs.to_csv(dest / "technologies.csv", index=False)
    result = CliRunner().invoke(app, ["plan", str(dest)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "What could not be met" in text
    assert "reserve margin in NM short by" in text


def test_demand_case_selects_growth() -> None:
    """The settings' demand_case picks demand.csv's rows: the default scenario's high case
    has more energy and a higher peak than its reference case in the last period; an
    unknown case is refused by validation, naming the cases there are."""
    from stateside.scenario.load import load_default
    from stateside.scenario.types import Scenario, selected_demand

    ref = load_default()
    high = Scenario(
        settings=ref.settings.model_copy(update={"demand_case": "high"}),
        tables=ref.tables,
        profiles=ref.profiles,
        source_dir=ref.source_dir,
    )
    last = ref.settings.period_years[-1]
    r = selected_demand(ref)
    h = selected_demand(high)
    r, h = r[r["period"] == last], h[h["period"] == last]
    assert len(r) == len(h) == len(ref.regions)
    assert h["annual_demand_mwh"].sum() > r["annual_demand_mwh"].sum()
    assert h["peak_demand_mw"].sum() > r["peak_demand_mw"].sum()


def test_unknown_demand_case_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    from pathlib import Path

    from stateside.scenario.validate import check_scenario

    dest = tmp_path / "tiny"
    shutil.copytree(Path(__file__).parent / "fixtures" / "tiny", dest)
    text = (dest / "scenario.yaml").read_text()
    (dest / "scenario.yaml").write_text(text + "demand_case: boom\n")
    issues = [str(i) for i in check_scenario(dest).issues]
    assert any("rows for the demand_case 'boom'" in i and "reference" in i for i in issues), issues
