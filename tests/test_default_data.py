"""The default US scenario: checked against its raw sources, reproducible, and sane.

(a) Source checks re-derive numbers from ``../shared/data/raw`` independently of the build
    script (nameplate by fuel, populations, NARIS transfer capabilities, ATB costs after the
    dollar-year conversion, gas and retail prices, demand, corridor costs).
(b) Reproducibility: the build script writes byte-identical files into a temporary folder.
(c) Sanity checks that need no raw data (51 regions, schema columns, sources filled,
    reachable targets, the loader accepts the folder without a single issue).

(a) and (b) skip with a reason when the raw data folder is not there (a fresh clone
without ``../shared``); set ``STATESIDE_SHARED`` to point at another ``shared`` folder.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from stateside.scenario.load import default_scenario_dir, load_checked

REPO = Path(__file__).resolve().parents[1]
DEFAULT = default_scenario_dir()
SCHEMA = REPO / "src" / "stateside" / "scenario" / "schema"
SHARED = Path(os.environ.get("STATESIDE_SHARED") or REPO.parent / "shared")
RAW = SHARED / "data" / "raw"
PERIODS = (2026, 2028, 2030, 2032)

needs_raw = pytest.mark.skipif(
    not RAW.is_dir(),
    reason=f"raw data folder {RAW} not found: source checks need ../shared/data/raw (or STATESIDE_SHARED)",
)

STATES_AND_DC = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY",
}  # fmt: skip

# The fuel -> technology mapping documented in SOURCES.md, written out again here on purpose.
FUEL_TO_TECH = {
    "Coal": "coal",
    "Natural Gas": "gas_existing",
    "Other Gases": "gas_existing",
    "Nuclear": "nuclear",
    "Hydroelectric": "hydro",
    "Pumped Storage": "pumped_storage",
    "Wind": "wind",
    "Solar Thermal and Photovoltaic": "solar",
    "Geothermal": "geothermal",
    "Petroleum": "oil",
    "Other Biomass": "biomass",
    "Wood and Wood Derived Fuels": "biomass",
    "Other": "battery",
}


def table(name: str) -> pd.DataFrame:
    return pd.read_csv(DEFAULT / f"{name}.csv", keep_default_na=False, na_values=[""])


def deflator(year: int) -> float:
    d = pd.read_csv(DEFAULT / "reference" / "deflators.csv").set_index("year")
    return float(d.loc[year, "factor_to_2024_usd"])


def raw_csv(rel: str, **kwargs: object) -> pd.DataFrame:
    return pd.read_csv(RAW / rel, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# (c) sanity, no raw data needed
# ---------------------------------------------------------------------------------------
def test_fifty_states_and_dc() -> None:
    regions = table("regions")
    assert len(regions) == 51
    assert set(regions["region"]) == STATES_AND_DC
    islanded = regions.set_index("region").loc[["AK", "HI"], ["iso_group", "interconnect"]]
    assert islanded.to_dict("index") == {
        "AK": {"iso_group": "AK", "interconnect": "alaska"},
        "HI": {"iso_group": "HI", "interconnect": "hawaii"},
    }
    dc = regions.set_index("region").loc["DC"]
    assert (dc["iso_group"], dc["interconnect"]) == ("PJM", "eastern")
    assert regions.set_index("region").loc["TX", "interconnect"] == "ercot"


def test_every_table_has_exactly_the_schema_columns() -> None:
    tables = pd.read_csv(SCHEMA / "tables.csv")
    for name in tables["table"]:
        with (DEFAULT / f"{name}.csv").open(newline="", encoding="utf-8") as f:
            header = next(csv.reader(f))
        declared = pd.read_csv(SCHEMA / f"{name}.csv")["column"].tolist()
        assert header == declared, name


def test_every_source_cell_is_filled() -> None:
    for path in sorted(DEFAULT.glob("*.csv")):
        df = pd.read_csv(path, keep_default_na=False)
        for column in ("source", "reason"):
            if column in df.columns:
                blank = df[df[column].str.strip() == ""]
                assert blank.empty, f"{path.name}: blank {column} in rows {list(blank.index)}"


def test_default_loads_without_any_issue() -> None:
    scenario, result = load_checked(DEFAULT)
    assert [str(i) for i in result.issues] == []
    assert scenario.settings.base_dollar_year == 2024
    assert scenario.settings.period_years == list(PERIODS)
    assert len(scenario.regions) == 51


def test_deflator_factors_are_index_ratios() -> None:
    d = pd.read_csv(DEFAULT / "reference" / "deflators.csv").set_index("year")
    assert d.loc[2024, "factor_to_2024_usd"] == 1
    # Hand check: 125.428 / 118.023 = 1.062742 (2022 -> 2024), 125.428 / 79.077 = 1.586150 (2004)
    assert d.loc[2022, "factor_to_2024_usd"] == pytest.approx(1.062742, abs=1e-6)
    assert d.loc[2004, "factor_to_2024_usd"] == pytest.approx(1.586150, abs=1e-6)
    ratio = d.loc[2024, "gdp_deflator_2017_100"] / d["gdp_deflator_2017_100"]
    assert (ratio - d["factor_to_2024_usd"]).abs().max() < 1e-6
    assert d["source"].str.contains("NIPA Table 1.1.9").all()


def test_existing_fleet_matches_eia_us_totals() -> None:
    """Reference values: EIA-860 2024 'US' rows, Total Electric Power Industry (MW)."""
    cap = table("existing_capacity").groupby("technology")["capacity_mw"].sum()
    assert cap.sum() == pytest.approx(1_324_738.3, abs=0.5)
    assert cap["coal"] == pytest.approx(188_951.9, abs=0.05)
    assert cap["nuclear"] == pytest.approx(103_581.2, abs=0.05)
    assert cap["gas_existing"] == pytest.approx(571_226.5 + 1_871.1, abs=0.05)
    assert cap["battery"] == pytest.approx(28_856.2, abs=0.05)
    assert cap["biomass"] == pytest.approx(4_549.8 + 8_369.9, abs=0.05)
    assert table("existing_capacity")["retirement_year"].isna().all()


def test_campuses_can_reach_the_targets() -> None:
    scenario, _ = load_checked(DEFAULT)
    campuses = table("campuses")
    for year, target in scenario.settings.it_target_mw.items():
        online = campuses[campuses["earliest_year"] <= year]
        reachable = float((online["module_it_mw"] * online["max_modules"]).sum())
        assert reachable >= target, (year, reachable, target)


def test_coalition_size_and_shape() -> None:
    commitments = table("commitments")
    total = commitments["amount_usd"].sum()
    assert 60e9 <= total <= 90e9
    assert commitments["year"].between(2026, 2030).all()
    firm = commitments[commitments["stage"].isin(["committed", "funded"])]["amount_usd"].sum()
    assert 0.6 * total <= firm < total  # mostly committed, some still in the pipeline
    investors = table("investors").set_index("investor")
    assert set(investors["country"]) == {"US", "CA", "JP", "KR", "AE"}
    assert investors.loc["uae_fund", "government_ownership_pct"] == 100
    # every investor's entity sits in the ownership graph, which has multi-hop chains
    entities = set(table("entities")["entity"])
    assert set(investors["entity"]) <= entities
    own = table("ownership")
    parents = dict(zip(own["asset"], own["owner"], strict=False))
    assert parents["ae_us_holdco"] == "ae_fund" and parents["ae_fund"] == "ae_emirate_government"


# ---------------------------------------------------------------------------------------
# (a) the shipped numbers equal their sources
# ---------------------------------------------------------------------------------------
@needs_raw
def test_nameplate_by_technology_equals_eia_860_state_sums() -> None:
    eia = raw_csv("eia/existcapacity_annualx_national.csv")
    eia = eia[(eia["Year"] == 2024) & (eia["Producer Type"] == "Total Electric Power Industry")]
    states = eia[(eia["State Code"] != "US") & (eia["Fuel Source"] != "All Sources")]
    expected = (
        states.assign(technology=states["Fuel Source"].map(FUEL_TO_TECH))
        .groupby(["State Code", "technology"])["Nameplate Capacity (Megawatts)"]
        .sum()
    )
    shipped = table("existing_capacity").set_index(["region", "technology"])["capacity_mw"]
    pd.testing.assert_series_equal(
        shipped.sort_index(),
        expected.rename_axis(["region", "technology"]).rename("capacity_mw").sort_index(),
        atol=1e-3,
        check_exact=False,
    )
    us = eia[(eia["State Code"] == "US") & (eia["Fuel Source"] == "All Sources")]
    assert shipped.sum() == pytest.approx(float(us["Nameplate Capacity (Megawatts)"].iloc[0]), abs=0.5)


@needs_raw
def test_populations_equal_census() -> None:
    census = raw_csv("census/NST-EST2024-ALLDATA.csv")
    census = census[(census["SUMLEV"] == 40) & (census["NAME"] != "Puerto Rico")]
    regions = table("regions").set_index("name")
    assert len(census) == 51
    for name, pop in zip(census["NAME"], census["POPESTIMATE2024"], strict=True):
        assert regions.loc[name, "population"] == pop, name


@needs_raw
def test_transfer_capacities_equal_naris_2024() -> None:
    naris = raw_csv("pypsa-usa/transmission_capacity_init_AC_state_NARIS2024.csv")
    directed: dict[tuple[str, str], float] = {}
    for r, rr, f0, r0 in zip(naris["r"], naris["rr"], naris["MW_f0"], naris["MW_r0"], strict=True):
        directed[(r, rr)] = directed.get((r, rr), 0.0) + f0
        directed[(rr, r)] = directed.get((rr, r), 0.0) + r0
    corridors = table("corridors")
    pairs = {tuple(sorted(k)) for k in directed}
    shipped_pairs = {(a, b) for a, b in zip(corridors["region_from"], corridors["region_to"], strict=True)}
    assert shipped_pairs == pairs | {("DC", "MD"), ("DC", "VA")}
    for row in corridors.itertuples():
        if row.region_from == "DC":
            continue
        assert row.existing_mw_forward == pytest.approx(directed[(row.region_from, row.region_to)], abs=1e-3)
        assert row.existing_mw_reverse == pytest.approx(directed[(row.region_to, row.region_from)], abs=1e-3)
    # a reversed duplicate, by hand: FL||GA (470.118, 387.724) and GA||FL (6205.962, 6243.954)
    fl_ga = corridors.set_index("corridor").loc["FL-GA"]
    assert fl_ga["existing_mw_forward"] == pytest.approx(470.118 + 6243.954)
    assert fl_ga["existing_mw_reverse"] == pytest.approx(387.724 + 6205.962)


@needs_raw
def test_corridor_routes_equal_reeds_500kv_dc_costs_in_2024_dollars() -> None:
    dist = raw_csv("pypsa-usa/transmission_distance_cost_500kVdc_state.csv")
    dist["key"] = [tuple(sorted(p)) for p in zip(dist["r"], dist["rr"], strict=True)]
    route = dist.groupby("key")[["length_miles", "USD2004perMW"]].mean()
    k = deflator(2004)
    for row in table("corridors").itertuples():
        if row.region_from == "DC":
            continue
        src = route.loc[[(row.region_from, row.region_to)]].iloc[0]
        assert row.length_miles == pytest.approx(src["length_miles"], abs=1e-3)
        assert row.expansion_capex_usd_per_mw == pytest.approx(src["USD2004perMW"] * k, abs=0.01)


ATB = {
    # technology: (file, i label or None, capex col, fom col, vom col)
    "gas_cc": ("gas_ATB_2024_moderate.csv", "Gas-CC"),
    "gas_ct": ("gas_ATB_2024_moderate.csv", "Gas-CT"),
    "nuclear": ("nuclear_ATB_2024_moderate.csv", "Nuclear"),
    "smr": ("nuclear-smr_ATB_2024_moderate.csv", "Nuclear-SMR"),
}


@needs_raw
def test_atb_costs_equal_source_times_stated_deflator() -> None:
    dollar_year = raw_csv("reeds/plant_characteristics/dollaryear.csv").set_index("Scenario")["Dollar.Year"]
    costs = table("technology_costs").set_index(["technology", "period"])
    k = deflator(2022)
    checked = 0
    for tech, (file, label) in ATB.items():
        assert dollar_year[file.removesuffix(".csv")] == 2022
        src = raw_csv(f"reeds/plant_characteristics/{file}")
        src = src[src["i"] == label].set_index("t")
        for p in PERIODS:
            assert costs.loc[(tech, p), "capex_usd_per_kw"] == pytest.approx(
                src.loc[p, "capcost"] * k, abs=0.006
            )
            assert costs.loc[(tech, p), "fixed_om_usd_per_kw_year"] == pytest.approx(
                src.loc[p, "fom"] * k, abs=6e-4
            )
            assert costs.loc[(tech, p), "variable_om_usd_per_mwh"] == pytest.approx(
                src.loc[p, "vom"] * k, abs=6e-4
            )
            checked += 1
    pv = raw_csv("reeds/plant_characteristics/upv_ATB_2024_moderate.csv").set_index("t")
    wind = raw_csv("reeds/plant_characteristics/ons-wind_ATB_2024_moderate.csv").set_index("Year")
    bat = raw_csv("reeds/plant_characteristics/battery_ATB_2024_moderate.csv")
    bat = bat[bat["i"] == "battery_li"].set_index("t")
    for p in PERIODS:
        assert costs.loc[("solar", p), "capex_usd_per_kw"] == pytest.approx(
            pv.loc[p, "capcost"] * k, abs=0.006
        )
        assert costs.loc[("wind", p), "capex_usd_per_kw"] == pytest.approx(
            wind.loc[p, "Overnight Cap Cost $/kW"] * k, abs=0.006
        )
        four_hours = bat.loc[p, "capcost"] + 4 * bat.loc[p, "capcost_energy"]
        assert costs.loc[("battery", p), "capex_usd_per_kw"] == pytest.approx(four_hours * k, abs=0.006)
        checked += 3
    assert checked == 28
    # by hand: Gas-CC 2030 capcost 1159.3 (2022 $) x 1.062742 = 1232.04 (2024 $)
    assert costs.loc[("gas_cc", 2030), "capex_usd_per_kw"] == pytest.approx(1232.04, abs=0.005)


@needs_raw
def test_gas_and_retail_prices_equal_sources() -> None:
    regions = table("regions").set_index("region")
    ng = raw_csv("reeds/fuelprices/ng_AEO_2025_reference.csv").set_index("year").loc[2026:2032].mean()
    groups = raw_csv("reeds/zones/state_groups.csv").set_index("st")["cendiv"]
    assert (
        raw_csv("reeds/fuelprices/dollaryear.csv")
        .set_index("Scenario")
        .loc["AEO_2025_reference", "Dollar.Year"]
        == 2024
    )
    for st, div in groups.items():
        assert regions.loc[st, "gas_price_usd_per_mmbtu"] == pytest.approx(ng[div], abs=6e-4), st
    prices = raw_csv("pages/eia_epa2023_avg_revenue_per_kwh_by_state.csv").dropna(
        subset=["total_cents_per_kwh"]
    )
    by_name = regions.reset_index().set_index("name")
    k = deflator(2023)
    for name, cents in zip(prices["state"], prices["total_cents_per_kwh"], strict=True):
        assert by_name.loc[name, "retail_price_usd_per_mwh"] == pytest.approx(cents * 10 * k, abs=0.006), name
    assert regions[["retail_price_usd_per_mwh"]].notna().all().all()  # WI and WY filled


@needs_raw
def test_demand_equals_reeds_load_for_conus() -> None:
    load = raw_csv("reeds/load/EIA_loadbystate.csv")
    l24 = load[load["year"] == 2024].set_index("st")["MWh"]
    demand = table("demand")
    assert len(demand) == 51 * len(PERIODS)
    for p in PERIODS:
        d = demand[demand["period"] == p].set_index("region")["annual_demand_mwh"]
        for st, mwh in l24.items():
            assert d[st] == mwh, (st, p)
    egrid = raw_csv("epa-egrid/egrid2022_state_national.csv").set_index("PSTATABB")
    d = demand[demand["period"] == 2030].set_index("region")["annual_demand_mwh"]
    assert d["AK"] == round(egrid.loc["AK", "STNGENAN"])
    assert d["HI"] == round(egrid.loc["HI", "STNGENAN"])
    assert demand["peak_demand_mw"].isna().all()


@needs_raw
def test_wind_fallback_and_solar_floor_are_applied() -> None:
    cf = raw_csv("derived/state_realized_wind_solar_cf_2022.csv").set_index("state")
    regions = table("regions").set_index("region")
    with (RAW / "adjacency" / "adjacency.json").open() as f:
        adj = {k.upper(): [v.upper() for v in vs] for k, vs in json.load(f).items()}
    for st in STATES_AND_DC:
        wind = cf["wind_cf_realized"].get(st)
        if wind is not None and not pd.isna(wind):
            assert regions.loc[st, "wind_cf"] == pytest.approx(wind, abs=5e-4)
        else:
            assert regions.loc[st, "wind_cf"] == pytest.approx(0.276, abs=5e-4)  # ATB class 10
        solar = cf["solar_cf_realized"].get(st)
        if solar is not None and not pd.isna(solar) and solar >= 0.15:
            assert regions.loc[st, "solar_cf"] == pytest.approx(solar, abs=5e-4)
        else:
            assert regions.loc[st, "solar_cf"] >= 0.1
    # by hand: DC has no realized solar CF; mean of MD 0.156 and VA 0.185 = 0.1705
    assert regions.loc["DC", "solar_cf"] == pytest.approx(0.17, abs=1e-3)
    assert "DC" in adj["MD"]


@needs_raw
def test_multipliers_fix_the_row_shift() -> None:
    mult = table("cost_multipliers").set_index(["region", "technology"])["capex_multiplier"]
    # natural-gas-430mw.csv: Albuquerque 0.97 (NM); New York City 1.58 and Syracuse 1.19 (NY)
    assert mult[("NM", "gas_cc")] == pytest.approx(0.97)
    assert mult[("NY", "gas_cc")] == pytest.approx((1.58 + 1.19) / 2)
    assert len(mult) == 51 * 7


# ---------------------------------------------------------------------------------------
# (b) reproducible build
# ---------------------------------------------------------------------------------------
@needs_raw
def test_build_script_reproduces_the_committed_files(tmp_path: Path) -> None:
    out = tmp_path / "default"
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_default_data.py"), "--shared", str(SHARED),
         "--out", str(out), "--quiet"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "wrote 18 files" in proc.stdout
    written = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert len(written) == 18
    for rel in written:
        assert (out / rel).read_bytes() == (DEFAULT / rel).read_bytes(), (
            f"{rel} differs from the committed file"
        )
