"""PyPSA export: the exported network opens in PyPSA and has Stateside's optimum.

The main case is a three-region power-only problem built in code that uses every part
of the export: existing and new generators with solar/wind profiles and a thermal derate,
existing and new storage over two typical days with different weather, an asymmetric
and expandable corridor, a one-way corridor, fuel and carbon costs, and lost load at a
low value of lost load (so some load is shed). Peak demand is zero, so the reserve-margin
constraint (which PyPSA has no native component for) is trivially met on the Stateside side.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import factory as f
from stateside.cli import app
from stateside.export.pypsa import ExportError, build_network, export_pypsa, solve_network
from stateside.model.build import build_model
from stateside.model.data import prepare
from stateside.model.solve import solve
from stateside.plan import Plan, extract_plan
from stateside.scenario.types import Scenario
from stateside.scenario.typical import TypicalPeriods

pypsa = pytest.importorskip("pypsa")
logging.getLogger("pypsa").setLevel(logging.WARNING)
logging.getLogger("linopy").setLevel(logging.WARNING)

TINY = Path(__file__).parent / "fixtures" / "tiny"
REGIONS = ["AA", "BB", "CC"]
TECHS = [
    {"technology": "solar", "kind": "variable", "profile": "solar", "lifetime_years": 30.0},
    {"technology": "wind", "kind": "variable", "profile": "wind", "lifetime_years": 25.0},
    {"technology": "gas", "fuel": "gas", "heat_rate_mmbtu_per_mwh": 9.0, "availability": 0.9},
    {
        "technology": "battery",
        "kind": "storage",
        "asset_class": "storage",
        "storage_hours": 4.0,
        "round_trip_efficiency": 0.81,
        "lifetime_years": 15.0,
        "max_build_mw_per_region_period": 300.0,
    },
]
COSTS = [
    {"technology": "solar", "capex_usd_per_kw": 1100.0, "fixed_om_usd_per_kw_year": 20.0},
    {"technology": "wind", "capex_usd_per_kw": 1400.0, "fixed_om_usd_per_kw_year": 30.0},
    {
        "technology": "gas",
        "capex_usd_per_kw": 1000.0,
        "fixed_om_usd_per_kw_year": 15.0,
        "variable_om_usd_per_mwh": 5.0,
    },
    {
        "technology": "battery",
        "capex_usd_per_kw": 400.0,
        "fixed_om_usd_per_kw_year": 25.0,
        "variable_om_usd_per_mwh": 1.0,
    },
]
EXISTING = [
    {"region": "AA", "technology": "gas", "capacity_mw": 600.0},
    {"region": "BB", "technology": "battery", "capacity_mw": 50.0},
    {"region": "CC", "technology": "solar", "capacity_mw": 100.0},
]
CORRIDORS = [
    {
        "corridor": "AA-BB",
        "region_from": "AA",
        "region_to": "BB",
        "existing_mw_forward": 100.0,
        "existing_mw_reverse": 40.0,
        "expansion_capex_usd_per_mw": 60_000.0,
        "max_expansion_mw_per_period": 500.0,
    },
    # CC can import from BB but not export, and the corridor cannot be expanded
    {
        "corridor": "CC-BB",
        "region_from": "CC",
        "region_to": "BB",
        "existing_mw_forward": 0.0,
        "existing_mw_reverse": 80.0,
    },
]
# six 4-hour blocks per day: a sunny day, then a cloudy one
SOLAR = [0.0, 0.5, 0.9, 0.6, 0.05, 0.0, 0.0, 0.2, 0.4, 0.3, 0.0, 0.0]
WIND = [0.5, 0.4, 0.2, 0.3, 0.5, 0.6, 0.1, 0.1, 0.05, 0.1, 0.2, 0.1]
DEMAND = [0.8, 0.9, 1.0, 1.1, 1.3, 1.0, 0.8, 0.9, 1.0, 1.1, 1.2, 0.9]
RATE = 0.05
GAS_PRICE = 6.0  # USD/MMBtu
CARBON = 80.0  # USD/t


def annuity(rate: float, years: float) -> float:
    return rate / (1 - (1 + rate) ** -years)


def three_regions(days: int = 2) -> tuple[Scenario, TypicalPeriods]:
    st = f.settings(
        discount_rate=RATE,
        periods=[{"year": 2030, "length_years": 2}],
        voll_usd_per_mwh=110.0,
        carbon_price_usd_per_t={2030: CARBON},
        power_only=True,
    )
    sc = f.scenario(
        st,
        REGIONS,
        TECHS,
        COSTS,
        {"AA": 3.0e6, "BB": 4.0e6, "CC": 1.5e6},
        existing=EXISTING,
        corridors=CORRIDORS,
    )
    sc.tables["fuels"]["price_usd_per_mmbtu"] = GAS_PRICE  # one national gas price
    k = 6 * days
    typ = f.typical(
        REGIONS, steps=6, days=days, solar=SOLAR[:k], wind=WIND[:k], demand=DEMAND[:k], peak_factor=0.0
    )
    return sc, typ


def stateside_plan(sc: Scenario, typ: TypicalPeriods) -> Plan:
    built = build_model(prepare(sc, typ))
    result = solve(built, sc.settings.solver)
    assert result.optimal, result
    return extract_plan(built, result, "test", 0.0)


def pypsa_objective(path: Path) -> tuple[float, pypsa.Network]:
    n = pypsa.Network(str(path))
    return solve_network(n) * float(n.meta["objective_factor"]), n


@pytest.fixture(scope="module")
def two_day_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, Path]:
    sc, typ = three_regions(days=2)
    path = tmp_path_factory.mktemp("export") / "three.nc"
    export_pypsa(sc, path, typical=typ)
    return stateside_plan(sc, typ), path


def test_pypsa_optimum_equals_stateside_over_two_typical_days(two_day_case: tuple[Plan, Path]) -> None:
    plan, path = two_day_case
    # the case really exercises shedding, new storage and corridor expansion
    assert plan.table("unserved")["unserved_mwh"].sum() > 1e3
    builds = plan.table("builds")
    assert builds.query("technology == 'battery'")["new_mw"].sum() > 1.0
    assert plan.table("corridors").query("corridor == 'AA-BB'")["new_mw"].sum() > 1.0

    objective, n = pypsa_objective(path)
    assert objective == pytest.approx(plan.objective_usd, rel=1e-6)
    # the same lost load in both (unique here: every shed MWh costs the same VOLL)
    shed = n.generators_t.p.filter(like="load shedding").sum(axis=1)
    shed_mwh = float((shed * n.snapshot_weightings.generators).sum())
    assert shed_mwh == pytest.approx(plan.table("unserved")["unserved_mwh"].sum(), rel=1e-6)


def test_storage_must_cycle_within_each_typical_day(two_day_case: tuple[Plan, Path]) -> None:
    """A plain ``n.optimize()`` chains the two typical days into one storage cycle, which
    lets the battery carry the sunny day's energy into the cloudy day: a relaxation, cheaper
    than Stateside's problem but in the same units (the old export's plain call was 2.4x
    off). ``solve_network`` adds the per-day cycles and gets Stateside's optimum."""
    plan, path = two_day_case
    n = pypsa.Network(str(path))
    _status, condition = n.optimize(
        solver_name="highs", log_to_console=False, include_objective_constant=False
    )
    assert condition == "optimal"
    chained = float(n.objective) * float(n.meta["objective_factor"])
    assert plan.objective_usd * 0.9 < chained < plan.objective_usd * (1 - 1e-4)
    assert "solve_network" in n.meta["per_day_storage_cycles"]


# a third day: a dark, high-demand night first and cheap sun later, so its battery wants to
# start full while the sunny day's wants to start empty: each day cycles at its own level
SOLAR3 = [*SOLAR, 0.0, 0.1, 0.9, 0.9, 0.3, 0.0]
WIND3 = [*WIND, 0.05, 0.1, 0.3, 0.3, 0.1, 0.05]
DEMAND3 = [*DEMAND, 1.5, 1.0, 0.7, 0.7, 0.9, 0.8]


def _equal_end_levels(n: pypsa.Network, snapshots: object = None) -> None:
    """The old export's constraint: every typical day ends at the same state of charge."""
    days = np.asarray(n.meta["typical_day"], dtype=int)
    soc = n.model["StorageUnit-state_of_charge"]
    last = np.flatnonzero(np.r_[days[1:] != days[:-1], True])
    for k, (i, j) in enumerate(zip(last, np.roll(last, 1), strict=True)):
        n.model.add_constraints(
            soc.isel(snapshot=int(i), drop=True) - soc.isel(snapshot=int(j), drop=True) == 0,
            name=f"old-day-{k}",
        )


def test_each_typical_day_cycles_at_its_own_level(tmp_path: Path) -> None:
    """Three typical days whose batteries want different start levels: solve_network gives
    Stateside's optimum; forcing one common end-of-day level (the old export) costs more."""
    sc, _ = three_regions(days=2)
    typ = f.typical(REGIONS, steps=6, days=3, solar=SOLAR3, wind=WIND3, demand=DEMAND3, peak_factor=0.0)
    plan = stateside_plan(sc, typ)
    export_pypsa(sc, tmp_path / "three_days.nc", typical=typ)
    objective, _n = pypsa_objective(tmp_path / "three_days.nc")
    assert objective == pytest.approx(plan.objective_usd, rel=1e-9)
    n = pypsa.Network(str(tmp_path / "three_days.nc"))
    n.optimize(
        solver_name="highs",
        log_to_console=False,
        include_objective_constant=False,
        extra_functionality=_equal_end_levels,
    )
    tighter = float(n.objective) * float(n.meta["objective_factor"])
    assert tighter > plan.objective_usd * (1 + 1e-7)


def test_existing_capacity_may_retire_early_in_pypsa_too(tmp_path: Path) -> None:
    """900 MW of existing coal in AA costs 400 USD/kW-yr to keep and runs at 30 USD/MWh
    (gas: 97): a MW of it pays only where it runs over about 6,000 hours. With economic
    retirement Stateside keeps part of it; the export makes that coal an extendable unit up
    to 900 MW at its fixed O&M, and PyPSA finds the same optimum."""
    sc, typ = three_regions(days=2)
    data = sc.settings.model_dump()
    data["economic_retirement"] = True
    from stateside.scenario.settings import Settings

    coal = {"technology": "coal", "buildable": False, "economic_retirement": True, "fuel": None}
    sc.tables["technologies"] = pd.concat(
        [sc.tables["technologies"], pd.DataFrame([{**f.TECH_DEFAULTS, **coal}])], ignore_index=True
    )
    sc.tables["technology_costs"] = pd.concat(
        [
            sc.tables["technology_costs"],
            pd.DataFrame(
                [
                    {
                        "technology": "coal",
                        "period": 2030,
                        "capex_usd_per_kw": 0.0,
                        "fixed_om_usd_per_kw_year": 400.0,
                        "variable_om_usd_per_mwh": 30.0,
                        "source": "t",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    sc.tables["existing_capacity"] = pd.concat(
        [
            sc.tables["existing_capacity"],
            pd.DataFrame(
                [
                    {
                        "region": "AA",
                        "technology": "coal",
                        "capacity_mw": 900.0,
                        "retirement_year": None,
                        "source": "t",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    import dataclasses

    sc = dataclasses.replace(sc, settings=Settings.model_validate(data))
    plan = stateside_plan(sc, typ)
    kept = plan.table("builds").query("technology == 'coal'")
    assert 1.0 < float(kept["existing_mw"].sum()) < 900.0 - 1.0  # some retires, some stays
    export_pypsa(sc, tmp_path / "retire.nc", typical=typ)
    objective, n = pypsa_objective(tmp_path / "retire.nc")
    unit = n.generators.loc["AA coal existing"]
    assert bool(unit["p_nom_extendable"]) and unit["p_nom_max"] == pytest.approx(900.0)
    assert unit["capital_cost"] == pytest.approx(400_000.0)
    assert "AA coal" not in n.generators.index  # all of it may retire: nothing fixed
    assert objective == pytest.approx(plan.objective_usd, rel=1e-9)
    assert float(n.generators.at["AA coal existing", "p_nom_opt"]) == pytest.approx(
        float(kept["existing_mw"].sum()), rel=1e-6
    )
    # the plan's own solution, written into the file, keeps what the plan kept
    export_pypsa(sc, tmp_path / "retire_plan.nc", plan=plan, typical=typ)
    written = pypsa.Network(str(tmp_path / "retire_plan.nc"))
    assert float(written.generators.at["AA coal existing", "p_nom_opt"]) == pytest.approx(
        float(kept["existing_mw"].sum()), rel=1e-6
    )


def test_one_typical_day_gives_a_plain_network(tmp_path: Path) -> None:
    sc, typ = three_regions(days=1)
    export_pypsa(sc, tmp_path / "one.nc", typical=typ)
    n = pypsa.Network(str(tmp_path / "one.nc"))
    assert list(n.investment_periods) == [2030]
    assert bool(n.storage_units["cyclic_state_of_charge"].all())
    n.optimize(solver_name="highs", log_to_console=False, include_objective_constant=False)
    plain = float(n.objective) * float(n.meta["objective_factor"])
    assert plain == pytest.approx(stateside_plan(sc, typ).objective_usd, rel=1e-6)


def test_exported_coefficients_by_hand() -> None:
    sc, typ = three_regions(days=2)
    n, info = build_network(sc, typical=typ)
    g, s, links = n.generators, n.storage_units, n.links
    # capital cost = capital recovery factor x capex + fixed O&M, USD/MW/yr
    assert g.at["AA solar new", "capital_cost"] == pytest.approx((annuity(RATE, 30) * 1100 + 20) * 1000)
    assert s.at["BB battery new", "capital_cost"] == pytest.approx((annuity(RATE, 15) * 400 + 25) * 1000)
    # VOM 5 + 9 MMBtu/MWh x 6 USD/MMBtu + 9 x 0.05306 tCO2/MMBtu x 80 USD/t
    assert g.at["AA gas", "marginal_cost"] == pytest.approx(5 + 54 + 9 * 0.05306 * 80)
    assert g.at["AA gas", "p_nom"] == 600.0 and not g.at["AA gas", "p_nom_extendable"]
    assert g.at["AA gas", "p_max_pu"] == pytest.approx(0.9)  # thermal derate
    assert list(n.generators_t.p_max_pu["CC solar"]) == pytest.approx(SOLAR)
    assert g.at["BB load shedding", "marginal_cost"] == pytest.approx(110.0)
    # storage: 4 h, sqrt(0.81) each way, 300 MW build limit, cyclic over the year's typical days
    assert s.at["BB battery", "p_nom"] == 50.0
    assert s.at["CC battery new", "p_nom_max"] == 300.0
    assert s.at["AA battery new", "max_hours"] == 4.0
    assert s.at["AA battery new", "efficiency_store"] == pytest.approx(0.9)
    assert bool(s["cyclic_state_of_charge_per_period"].all())
    # corridors: 100 MW forward / 40 MW back; one-way 0 / 80; expansion both ways
    assert (links.at["AA-BB", "p_nom"], links.at["AA-BB", "p_max_pu"]) == (100.0, 1.0)
    assert links.at["AA-BB", "p_min_pu"] == pytest.approx(-0.4)
    assert (links.at["CC-BB", "p_nom"], links.at["CC-BB", "p_max_pu"], links.at["CC-BB", "p_min_pu"]) == (
        80.0,
        0.0,
        -1.0,
    )
    assert links.at["AA-BB expansion", "p_min_pu"] == -1.0
    assert links.at["AA-BB expansion", "p_nom_max"] == 500.0
    assert links.at["AA-BB expansion", "capital_cost"] == pytest.approx(annuity(RATE, 40) * 60_000)
    assert "CC-BB expansion" not in links.index
    # demand: 3 TWh/yr in AA is 342.47 MW on average, shaped by the demand profile
    assert list(n.loads_t.p_set["AA"]) == pytest.approx([3e6 / 8760 * x for x in DEMAND])
    # time: one investment period named by its year; the typical hours dated, 4-hour blocks
    assert list(n.investment_periods) == [2030]
    assert float((n.snapshot_weightings.generators).sum()) == pytest.approx(8760.0)
    assert float((n.snapshot_weightings.objective).sum()) == pytest.approx(8760.0)
    stamps = n.snapshots.get_level_values("timestep")
    assert stamps[0] == pd.Timestamp("2030-01-01 00:00") and stamps[1] == pd.Timestamp("2030-01-01 04:00")
    assert stamps[6] == pd.Timestamp("2030-01-02 00:00")  # the second typical day
    assert n.meta["typical_day"] == [0] * 6 + [1] * 6
    assert set(n.snapshot_weightings.stores) == {4.0}
    # carriers have colours and names
    assert n.carriers.at["solar", "color"].startswith("#") and n.carriers.at["transmission", "color"]
    # Stateside's objective = W x PyPSA's: the discounted years 2030 and 2031 seen from 2026
    assert info.objective_factor == pytest.approx(1.05**-4 + 1.05**-5)
    assert any("reserve margin" in item for item in info.omitted)


def test_exported_plan_carries_its_solution_for_statistics(
    two_day_case: tuple[Plan, Path], tmp_path: Path
) -> None:
    """A PyPSA user's n.statistics() on the file as written gives the plan's capacities,
    energies and prices, with the year as the period and no solve."""
    plan, _ = two_day_case
    sc, typ = three_regions(days=2)
    info = export_pypsa(sc, tmp_path / "plan.nc", plan=plan, typical=typ)
    assert info.solution
    n = pypsa.Network(str(tmp_path / "plan.nc"))
    stats = n.statistics()
    assert list(stats.columns.get_level_values("period").unique()) == [2030]
    nice = n.carriers["nice_name"].to_dict()
    cap = n.statistics.optimal_capacity(groupby="carrier")[2030]
    planned = plan.table("builds").groupby("technology")["capacity_mw"].sum()
    for tech, mw in planned.items():
        comp = "StorageUnit" if tech == "battery" else "Generator"
        assert cap[(comp, nice[tech])] == pytest.approx(mw, rel=1e-6)  # statistics round to 5 digits
    supply = n.statistics.supply(groupby="carrier")[2030]
    energy = plan.table("dispatch").groupby("technology")["energy_mwh"].sum()
    for tech in ("gas", "solar", "wind"):
        assert supply[("Generator", nice[tech])] == pytest.approx(energy[tech], rel=1e-6)
    # the stored dispatch is feasible for the network: within p_nom_opt x availability
    g = n.generators
    limit = n.get_switchable_as_dense("Generator", "p_max_pu") * g["p_nom_opt"]
    assert bool((n.generators_t.p <= limit + 1e-6).all().all())
    assert float(n.links_t.p0["AA-BB"].max()) <= n.links.at["AA-BB", "p_nom"] + 1e-6
    # prices: the load-weighted average of the bus prices is the plan's price
    w = n.snapshot_weightings.generators.to_numpy()
    load = n.loads_t.p_set["AA"].to_numpy()
    avg = float((n.buses_t.marginal_price["AA"].to_numpy() * load * w).sum() / (load * w).sum())
    price = plan.table("prices").set_index("region").at["AA", "price_usd_per_mwh"]
    assert avg == pytest.approx(float(price), rel=1e-9)


def test_a_plan_of_other_typical_days_keeps_its_builds_but_says_why_no_dispatch(
    two_day_case: tuple[Plan, Path], tmp_path: Path
) -> None:
    plan, _ = two_day_case
    sc, typ = three_regions(days=2)
    prices = plan.table("prices_t").copy()
    prices.loc[prices["day"] == 0, "weight_hours"] *= 1.5  # another clustering of the year
    other = Plan(**{**plan.__dict__, "tables": {**plan.tables, "prices_t": prices}})
    info = export_pypsa(sc, tmp_path / "other.nc", plan=other, typical=typ)
    assert not info.solution
    assert any("typical days are not the ones" in note for note in info.notes)


def test_export_from_a_plan_adds_campus_load_and_earlier_builds(tmp_path: Path) -> None:
    """One region, 100 MW flat demand, gas at 1000 $/kW over 20 years (r = 0) and 10 $/MWh;
    campus modules of 100 MW IT at PUE 1.2; IT targets 100 MW in 2026 and 200 MW in 2028.
    The plan builds 220 MW of gas in 2026 and 120 MW in 2028. Exported for 2028, the 2026
    gas is existing capacity and the campus a flat 240 MW load, so PyPSA builds 120 MW:
    120 MW x 50,000 USD/MW/yr + 340 MW x 8760 h x 10 USD/MWh = 35.784 M USD."""
    st = f.settings(
        periods=[{"year": 2026, "length_years": 1}, {"year": 2028, "length_years": 1}],
        it_target_mw={2026: 100.0, 2028: 200.0},
    )
    sc = f.scenario(
        st,
        ["AA"],
        [{"technology": "gas", "fuel": "gas", "heat_rate_mmbtu_per_mwh": 7.0}],
        [{"technology": "gas", "capex_usd_per_kw": 1000.0, "variable_om_usd_per_mwh": 10.0}],
        {"AA": 876_000.0},
        campuses=[{"campus": "c1", "region": "AA", "module_it_mw": 100.0, "max_modules": 2, "pue": 1.2}],
    )
    typ = f.typical(["AA"])
    plan = stateside_plan(sc, typ)
    new = plan.table("builds").set_index("period")["new_mw"]
    assert (new[2026], new[2028]) == pytest.approx((220.0, 120.0))

    info = export_pypsa(sc, tmp_path / "plan.nc", plan=plan, period=2028, typical=typ)
    assert info.campus_load_mw == pytest.approx(240.0)
    objective, n = pypsa_objective(tmp_path / "plan.nc")
    assert n.loads.at["AA datacenter", "p_set"] == pytest.approx(240.0)
    assert n.generators.at["AA gas", "p_nom"] == pytest.approx(220.0)
    assert n.generators.at["AA gas new", "p_nom_opt"] == pytest.approx(120.0, rel=1e-6)
    assert objective == pytest.approx(120 * 50_000 + 340 * 8760 * 10, rel=1e-9)

    with pytest.raises(ExportError, match="not a period"):
        export_pypsa(sc, tmp_path / "x.nc", plan=plan, period=2027, typical=typ)


# --------------------------------------------------------------------------------------
# command line

runner = CliRunner()


def _plan_dir(path: Path) -> Path:
    """A hand-written plan folder for the tiny fixture: 500 MW of campus load in TX in 2030,
    1000 MW of gas CTs built in TX and 300 MW more on OK-TX in 2028."""
    path.mkdir()
    (path / "summary.json").write_text(json.dumps({"scenario": "tiny", "status": "optimal"}))
    pd.DataFrame(
        [
            {"campus": "camp_tx", "region": "TX", "period": 2028, "grid_load_mw": 250.0},
            {"campus": "camp_tx", "region": "TX", "period": 2030, "grid_load_mw": 500.0},
        ]
    ).to_csv(path / "campuses.csv", index=False)
    pd.DataFrame(
        [{"region": "TX", "technology": "gas_ct", "period": 2028, "new_mw": 1000.0, "capacity_mw": 28000.0}]
    ).to_csv(path / "builds.csv", index=False)
    pd.DataFrame([{"corridor": "OK-TX", "period": 2028, "new_mw": 300.0}]).to_csv(
        path / "corridors.csv", index=False
    )
    return path


def test_cli_exports_a_plan_folder(tmp_path: Path) -> None:
    out = tmp_path / "net" / "tiny.nc"
    plan = _plan_dir(tmp_path / "plan")
    result = runner.invoke(
        app, ["export", "pypsa", str(plan), str(out), "--scenario", str(TINY), "--period", "2030"]
    )
    assert result.exit_code == 0, result.output
    assert "period" in result.output and "2030" in result.output
    n = pypsa.Network(str(out))
    assert sorted(n.buses.index) == ["NM", "OK", "TX"]
    assert n.loads.at["TX datacenter", "p_set"] == pytest.approx(500.0)
    # 25,000 MW of TX gas CTs survive 2030 (a 2,000 MW cohort retires), plus the plan's 1,000 MW
    assert n.generators.at["TX gas_ct", "p_nom"] == pytest.approx(26_000.0)
    # OK-TX: 1601 MW forward, 1773.8 MW back, each + 300 MW built in 2028
    assert n.links.at["OK-TX", "p_nom"] == pytest.approx(2073.8)
    assert n.links.at["OK-TX", "p_max_pu"] == pytest.approx(1901.0 / 2073.8)
    assert int(n.meta["period"]) == 2030 and list(n.investment_periods) == [2030]


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "pypsa", str(TINY), str(tmp_path / "a.nc"), "--period", "2029"])
    assert result.exit_code == 1
    assert "period 2029 is not a period of the scenario; periods are [2028, 2030]" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["export", "pypsa", str(tmp_path), str(tmp_path / "a.nc")])
    assert result.exit_code == 1
    assert "neither a scenario folder" in result.output
    assert not (tmp_path / "a.nc").exists()


def test_default_period_is_the_last_and_solves(tmp_path: Path) -> None:
    """The tiny fixture as a scenario folder: 2030, two typical days, and an optimal solve."""
    result = runner.invoke(app, ["export", "pypsa", str(TINY), str(tmp_path / "t.nc"), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output[result.output.index("{") :])
    assert (info["period"], info["typical_days"], info["snapshots"]) == (2030, 2, 12)
    n = pypsa.Network(str(tmp_path / "t.nc"))
    assert np.isfinite(solve_network(n))
