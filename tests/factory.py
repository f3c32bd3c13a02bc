"""Build small Scenario objects in code for hand-solvable model tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from stateside.plan import Plan
from stateside.scenario.settings import Settings
from stateside.scenario.types import TABLE_NAMES, Scenario
from stateside.scenario.typical import TypicalPeriods

if TYPE_CHECKING:
    from stateside.model.build import BuiltModel

TECH_DEFAULTS: dict[str, Any] = {
    "name": "",
    "kind": "thermal",
    "asset_class": "generation",
    "fuel": None,
    "profile": "none",
    "buildable": True,
    "availability": 1.0,
    "capacity_credit": 1.0,
    "heat_rate_mmbtu_per_mwh": 0.0,
    "lifetime_years": 20.0,
    "construction_years": 0.0,
    "storage_hours": 0.0,
    "round_trip_efficiency": 1.0,
    "uses_gas_turbine": False,
    "max_build_mw_per_region_period": np.nan,
    "economic_retirement": False,
    "source": "test",
}


def settings(**over: Any) -> Settings:
    base: dict[str, Any] = {
        "name": "test",
        "base_dollar_year": 2024,
        "start_year": 2026,
        "periods": [{"year": 2026, "length_years": 1}],
        "discount_rate": 0.0,
        "reserve_margin": 0.0,
        "firm_import_share": 0.5,
        "mode": "target",
        "typical_days": 1,
        "hours_per_block": 24,
        "voll_usd_per_mwh": 10_000.0,
        "chips": {"accelerators_per_mw_it": 0.0, "import_limit_per_year": 1e12},
        "finance": {
            "debt_share": dict.fromkeys(["datacenter", "generation", "storage", "transmission", "fab"], 0.0)
        },
        "solver": {"method": "simplex", "mip_gap": 0.0},
    }
    base.update(over)
    return Settings.model_validate(base)


def region_rows(codes: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "region": c,
            "name": c,
            "iso_group": "X",
            "interconnect": "eastern",
            "latitude_deg": 35.0,
            "longitude_deg": -100.0,
            "timezone": "America/Chicago",
            "population": 1,
            "solar_cf": 0.25,
            "wind_cf": 0.35,
            "retail_price_usd_per_mwh": 100.0,
            "reserve_margin": np.nan,
            "datacenter_share_pct": 0.0,
        }
        for c in codes
    ]


def scenario(
    st: Settings,
    regions: list[str],
    technologies: list[dict[str, Any]],
    costs: list[dict[str, Any]],
    demand_mwh: dict[str, float],
    existing: list[dict[str, Any]] | None = None,
    corridors: list[dict[str, Any]] | None = None,
    campuses: list[dict[str, Any]] | None = None,
    fabs: list[dict[str, Any]] | None = None,
    investors: list[dict[str, Any]] | None = None,
    commitments: list[dict[str, Any]] | None = None,
    peak_mw: dict[str, float] | None = None,
) -> Scenario:
    tables: dict[str, pd.DataFrame] = {name: pd.DataFrame() for name in TABLE_NAMES}
    tables["regions"] = pd.DataFrame(region_rows(regions))
    tables["technologies"] = pd.DataFrame([{**TECH_DEFAULTS, **t} for t in technologies])
    cost_rows = []
    for c in costs:
        for p in st.period_years:
            cost_rows.append(
                {
                    "period": p,
                    "fixed_om_usd_per_kw_year": 0.0,
                    "variable_om_usd_per_mwh": 0.0,
                    "source": "t",
                    **c,
                }
            )
    tables["technology_costs"] = pd.DataFrame(cost_rows)
    tables["fuels"] = pd.DataFrame(
        [{"fuel": "gas", "price_usd_per_mmbtu": 0.0, "co2_t_per_mmbtu": 0.05306, "source": "t"}]
    )
    tables["fuel_prices"] = pd.DataFrame(
        columns=["fuel", "region", "period", "price_usd_per_mmbtu", "source"]
    )
    tables["capacity_credit_steps"] = pd.DataFrame(
        columns=["technology", "step", "share_of_peak_upto", "capacity_credit", "source"]
    )
    tables["cost_multipliers"] = pd.DataFrame(columns=["region", "technology", "capex_multiplier", "source"])
    tables["existing_capacity"] = pd.DataFrame(
        [{"retirement_year": None, "source": "t", **e} for e in (existing or [])],
        columns=["region", "technology", "retirement_year", "capacity_mw", "source"],
    )
    tables["demand"] = pd.DataFrame(
        [
            {
                "region": r,
                "period": p,
                "case": "reference",
                "annual_demand_mwh": demand_mwh.get(r, 0.0),
                "peak_demand_mw": (peak_mw or {}).get(r, np.nan),
                "source": "t",
            }
            for r in regions
            for p in st.period_years
        ]
    )
    cor_defaults = {
        "existing_mw_forward": 0.0,
        "existing_mw_reverse": 0.0,
        "length_miles": 100.0,
        "expansion_capex_usd_per_mw": 1e6,
        "max_expansion_mw_per_period": 0.0,
        "construction_years": 0.0,
    }
    tables["corridors"] = pd.DataFrame(
        [{**cor_defaults, **c} for c in (corridors or [])],
        columns=["corridor", "region_from", "region_to", *cor_defaults],
    )
    camp_defaults = {
        "name": "c",
        "earliest_year": 2000,
        "capex_usd_per_kw_it": 10_000.0,
        "fixed_om_usd_per_kw_year": 0.0,
        "pue": 1.0,
        "utilisation": 1.0,
        "lifetime_years": 20.0,
        "sensitive_data": False,
        "frontier_weights": False,
        "source": "t",
    }
    tables["campuses"] = pd.DataFrame(
        [{**camp_defaults, **c} for c in (campuses or [])],
        columns=["campus", "region", "module_it_mw", "max_modules", *camp_defaults],
    )
    fab_defaults = {
        "name": "f",
        "grant_usd": 0.0,
        "power_mw": 0.0,
        "accelerators_per_year": 0.0,
        "lead_time_years": 0.0,
        "earliest_year": 2000,
        "fixed_om_usd_per_year": 0.0,
        "lifetime_years": 20.0,
        "chips_award": None,
        "source": "t",
    }
    tables["fabs"] = pd.DataFrame(
        [{**fab_defaults, **f} for f in (fabs or [])], columns=["fab", "region", "capex_usd", *fab_defaults]
    )
    inv_defaults = {
        "name": "i",
        "country": "US",
        "investor_type": "sponsor",
        "government_ownership_pct": 0.0,
        "entity": None,
        "excluded_asset_classes": None,
        "max_share_pct": 100.0,
        "board_seat": False,
        "source": "t",
    }
    tables["investors"] = pd.DataFrame(
        [{**inv_defaults, **i} for i in (investors or [])], columns=["investor", *inv_defaults]
    )
    tables["commitments"] = pd.DataFrame(
        [{"stage": "committed", "source": "t", **c} for c in (commitments or [])],
        columns=["investor", "year", "amount_usd", "stage", "source"],
    )
    return Scenario(settings=st, tables=tables)


def typical(
    regions: list[str],
    steps: int = 1,
    days: int = 1,
    solar: list[float] | None = None,
    wind: list[float] | None = None,
    demand: list[float] | None = None,
    peak_factor: float = 1.0,
) -> TypicalPeriods:
    """Identical profiles in every region; one shape per snapshot (day-major)."""
    n = steps * days
    block = 24 // steps
    weight = np.full(n, 8760.0 / n)

    def arr(values: list[float] | None, default: float) -> xr.DataArray:
        v = np.full(n, default) if values is None else np.asarray(values, dtype=float)
        return xr.DataArray(
            np.tile(v, (len(regions), 1)),
            coords={"region": regions, "snapshot": range(n)},
            dims=["region", "snapshot"],
        )

    return TypicalPeriods(
        solar=arr(solar, 0.0),
        wind=arr(wind, 0.0),
        demand=arr(demand, 1.0),
        weight_hours=xr.DataArray(weight, coords={"snapshot": range(n)}, dims=["snapshot"]),
        day=xr.DataArray(np.repeat(np.arange(days), steps), coords={"snapshot": range(n)}, dims=["snapshot"]),
        block_hours=block,
        peak_demand_factor=pd.Series(peak_factor, index=regions),
    )


def solved(sc: Scenario, typ: TypicalPeriods | None = None) -> Plan:
    """Build, solve (asserting an optimal solve) and read a factory scenario's plan; by
    default on one flat typical day in every region."""
    from stateside.model.build import build_model
    from stateside.model.data import prepare
    from stateside.model.solve import solve
    from stateside.plan import extract_plan

    regions = [str(r) for r in sc.regions["region"]]
    built = build_model(prepare(sc, typ if typ is not None else typical(regions)))
    result = solve(built, sc.settings.solver)
    assert result.optimal, result
    return extract_plan(built, result, "test", 0.0)


def solar_battery_scenario(st: Settings, round_trip_efficiency: float = 0.81) -> Scenario:
    """One region: 2 GW of free solar (only in the first of two 12-hour blocks, with
    ``typical(["AA"], steps=2, solar=[1.0, 0.0])``), 1 GW of gas at 100 $/MWh and a 1 GW,
    12-hour battery; 0.5 GW of demand (4.38 TWh a year), nothing buildable."""
    gas = {"technology": "gas", "fuel": "gas", "heat_rate_mmbtu_per_mwh": 7.0, "buildable": False}
    techs = [
        {"technology": "solar", "kind": "variable", "profile": "solar", "buildable": False},
        gas,
        {
            "technology": "battery",
            "kind": "storage",
            "asset_class": "storage",
            "buildable": False,
            "storage_hours": 12.0,
            "round_trip_efficiency": round_trip_efficiency,
        },
    ]
    costs = [{"technology": "gas", "capex_usd_per_kw": 0.0, "variable_om_usd_per_mwh": 100.0}]
    ex = [
        {"region": "AA", "technology": "solar", "capacity_mw": 2000},
        {"region": "AA", "technology": "gas", "capacity_mw": 1000},
        {"region": "AA", "technology": "battery", "capacity_mw": 1000},
    ]
    return scenario(st, ["AA"], techs, costs, {"AA": 4_380_000}, existing=ex)


def with_solver(sc: Scenario, **over: Any) -> Scenario:
    """``sc`` with some ``settings.solver`` fields replaced."""
    import dataclasses

    solver = sc.settings.solver.model_copy(update=over)
    return dataclasses.replace(sc, settings=sc.settings.model_copy(update={"solver": solver}))


def built(sc: Scenario, mode: str | None = None) -> BuiltModel:
    """A loaded scenario's model at its own typical periods and share caps."""
    from stateside.model.build import build_model
    from stateside.model.data import prepare
    from stateside.run import share_caps_for
    from stateside.scenario.typical import scenario_typical_periods

    return build_model(prepare(sc, scenario_typical_periods(sc), share_caps_for(sc), mode=mode))
