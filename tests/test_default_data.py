"""The default US scenario: checked against its raw sources, reproducible, and sane.

(a) Source checks re-derive numbers from ``../shared/data/raw`` independently of the build
    script (summer MW by cohort from the unit database and EIA, populations, NARIS transfer
    capabilities, DC ties on seams, ATB and 2025 gas costs after the dollar-year conversion,
    AEO2025 fuel prices, retail prices, demand growth and peaks, corridor costs).
(b) Reproducibility: the build script writes byte-identical files into a temporary folder.
(c) Sanity checks that need no raw data (51 regions, schema columns, sources filled,
    reachable targets, the loader accepts the folder without a single issue, no gas or coal in
    Hawaii, seams, credit steps, economic-retirement flags, demand cases, profiles).

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

# The fuel -> technology mapping for AK, HI and DC (EIA state table) documented in SOURCES.md,
# written out again here on purpose.
FUEL_TO_TECH = {
    "Coal": "coal",
    "Natural Gas": "gas_ct_existing",
    "Other Gases": "gas_ct_existing",
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


def test_existing_fleet_is_summer_rated_in_retirement_cohorts() -> None:
    """Reference: EIA-860 2024 US summer capacity, Total Electric Power Industry: 1,230,414 MW
    (coal 174,178; natural gas 506,371 + other gases 1,678; nuclear 98,391). The unit database
    places 98 % of it in the 48 states (border plants and small units differ)."""
    fleet = table("existing_capacity")
    cap = fleet.groupby("technology")["capacity_mw"].sum()
    assert "gas_existing" not in cap.index
    assert 0.97 * 1_230_414 <= cap.sum() <= 1.0 * 1_230_414
    assert cap["coal"] == pytest.approx(174_178, rel=0.03)
    assert cap["gas_cc_existing"] + cap["gas_ct_existing"] == pytest.approx(506_371 + 1_678, rel=0.03)
    assert cap["nuclear"] == pytest.approx(98_391, rel=0.01)
    # combined cycles are the larger half of the gas fleet (EIA: about 290 of 510 GW)
    assert 0.5 < cap["gas_cc_existing"] / (cap["gas_cc_existing"] + cap["gas_ct_existing"]) < 0.65
    years = fleet["retirement_year"].dropna()
    assert years.between(2025, 2040).all()
    retiring = fleet[fleet["retirement_year"] <= 2030].groupby("technology")["capacity_mw"].sum()
    assert 20_000 < retiring["coal"] < 60_000  # announced and age-based coal retirements by 2030
    assert fleet.set_index(["region", "technology", "retirement_year"]).index.is_unique


def test_no_gas_or_coal_in_hawaii() -> None:
    prices = table("fuel_prices")
    assert prices[(prices["region"] == "HI") & prices["fuel"].isin(["gas", "coal"])].empty
    assert set(prices[prices["region"] == "HI"]["fuel"]) == {"oil", "uranium", "biomass"}
    techs = table("technologies").set_index("technology")
    hi = table("existing_capacity").query("region == 'HI'")
    burnt = set(techs.loc[hi["technology"], "fuel"].dropna())
    assert burnt <= {"oil", "biomass"}
    # every other region has every fuel, in every period
    assert len(prices[prices["region"] != "HI"]) == 50 * 5 * len(PERIODS)
    assert table("fuels")["price_usd_per_mmbtu"].isna().all()


def test_seams_carry_dc_ties_only() -> None:
    regions = table("regions").set_index("region")["interconnect"]
    c = table("corridors")
    seam = c[c["region_from"].map(regions) != c["region_to"].map(regions)].set_index("corridor")
    assert set(seam.index) == {"AR-TX", "CO-KS", "LA-TX", "MT-ND", "NE-WY", "NM-TX", "OK-TX", "SD-WY"}
    assert (seam["existing_mw_forward"] == seam["existing_mw_reverse"]).all()
    ercot = seam[seam.index.str.contains("TX") & (seam.index != "NM-TX")]["existing_mw_forward"].sum()
    west = seam[~seam.index.isin(["AR-TX", "LA-TX", "OK-TX"])]["existing_mw_forward"].sum()
    assert ercot == 820  # Oklaunion 220 + Welsh 600
    assert west == 1320  # the six West-East ties (Artesia counted West-East)
    # by hand: two converters x 136,172 $/MW (ReEDS, 2004 $) x 1.58615 = 431,978.44 $/MW
    assert seam["expansion_capex_usd_per_mw"].tolist() == [pytest.approx(431_978.44, abs=0.01)] * 8


def test_capacity_credit_steps_fall_from_the_technology_credit() -> None:
    steps = table("capacity_credit_steps")
    credit = table("technologies").set_index("technology")["capacity_credit"]
    assert set(steps["technology"]) == {"solar", "wind", "battery", "pumped_storage"}
    for tech, g in steps.groupby("technology"):
        g = g.sort_values("step")
        assert g["step"].tolist() == list(range(1, len(g) + 1))
        assert g["capacity_credit"].iloc[0] == credit[tech]
        assert g["capacity_credit"].is_monotonic_decreasing
        assert g["share_of_peak_upto"].iloc[:-1].is_monotonic_increasing
        assert pd.isna(g["share_of_peak_upto"].iloc[-1])


def test_thermal_credits_are_icap_on_the_summer_rating() -> None:
    techs = table("technologies").set_index("technology")
    thermal = techs[techs["kind"] == "thermal"]
    assert (thermal["capacity_credit"] == 1).all()
    assert techs.loc["hydro", "capacity_credit"] < 1


def test_economic_retirement_only_for_existing_fossil_and_biomass() -> None:
    techs = table("technologies").set_index("technology")
    flagged = set(techs.index[techs["economic_retirement"]])
    assert flagged == {"coal", "gas_cc_existing", "gas_ct_existing", "oil", "biomass"}
    assert not techs.loc[sorted(flagged), "buildable"].any()
    costs = table("technology_costs")
    assert set(costs["technology"]) == set(techs.index)
    assert (
        costs.groupby("technology")["period"].apply(list)
        == pd.Series([list(PERIODS)] * len(techs), index=sorted(techs.index))
    ).all()
    assert (costs[costs["technology"].isin(flagged)]["fixed_om_usd_per_kw_year"] > 0).all()


def test_demand_grows_by_case_with_peaks() -> None:
    d = table("demand")
    assert set(d["case"]) == {"reference", "high", "low"}
    assert len(d) == 51 * len(PERIODS) * 3
    assert d["peak_demand_mw"].notna().all()
    wide = d.pivot_table(index=["region", "period"], columns="case", values="annual_demand_mwh")
    assert (wide["high"] >= wide["reference"]).all() and (wide["reference"] >= wide["low"]).all()
    ref = d[d["case"] == "reference"].groupby("period")["annual_demand_mwh"].sum()
    assert ref.is_monotonic_increasing
    assert 1.05 < ref[2032] / ref[2026] < 1.15  # AEO2025 reference: roughly 1-2 %/yr
    # load factor between 0.45 and 0.8 in every state
    lf = d["annual_demand_mwh"] / 8760 / d["peak_demand_mw"]
    assert lf.between(0.45, 0.8).all()


def test_profiles_are_real_demand_shapes() -> None:
    path = DEFAULT / "profiles.csv"
    assert path.stat().st_size < 3_000_000
    p = pd.read_csv(path)
    assert p["hour"].tolist() == list(range(8760))
    cols = [c for c in p.columns if c != "hour"]
    assert all(c.startswith("demand.") for c in cols)
    assert {c.removeprefix("demand.") for c in cols} == STATES_AND_DC - {"AK", "HI"}
    assert (p[cols].mean() - 1).abs().max() < 1e-3
    # summer afternoon peaks: the CONUS-weighted shape peaks in July (2023 peak: 27 July)
    texas = p["demand.TX"]
    assert 4344 <= int(texas.idxmax()) <= 6552  # between 1 July and 30 September
    scenario, _ = load_checked(DEFAULT)
    assert scenario.settings.weather_year == 2023


def test_reserve_margins_are_nerc_reference_levels() -> None:
    """NERC LTRA 2025 Reference Margin Levels for 2026 (nerc_reserve_margins_ltra2025.csv)."""
    m = table("regions").set_index("region")["reserve_margin"]
    assert m["VA"] == m["PA"] == m["DC"] == 0.186  # PJM
    assert m["TX"] == 0.138  # Texas RE-ERCOT
    assert m["CA"] == 0.203  # WECC-California
    # MISO's UCAP level 0.081 on the ICAP basis of the others: 1.081 / 0.92 - 1 = 0.175
    assert m["IA"] == m["MI"] == 0.175
    assert m.between(0.05, 0.25).all()


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
# The unit database's EIA technology names -> technology, written out again here on purpose.
UNIT_TECH = {
    "coal": ["Conventional Steam Coal", "Coal Integrated Gasification Combined Cycle", "Petroleum Coke"],
    "gas_cc_existing": ["Natural Gas Fired Combined Cycle"],
    "gas_ct_existing": ["Natural Gas Fired Combustion Turbine", "Natural Gas Internal Combustion Engine",
                        "Natural Gas Steam Turbine", "Natural Gas with Compressed Air Storage",
                        "Other Natural Gas", "Other Gases"],
    "nuclear": ["Nuclear"],
    "hydro": ["Conventional Hydroelectric", "Run of River Hydroelectric"],
    "pumped_storage": ["Hydroelectric Pumped Storage"],
    "wind": ["Onshore Wind Turbine", "Offshore Wind Turbine"],
    "solar": ["Solar Photovoltaic", "Solar Thermal with Energy Storage", "Solar Thermal without Energy Storage"],
    "geothermal": ["Geothermal"],
    "oil": ["Petroleum Liquids"],
    "biomass": ["Landfill Gas", "Municipal Solid Waste", "Other Waste Biomass", "Wood/Wood Waste Biomass",
                "All Other"],
    "battery": ["Batteries", "Flywheels"],
}  # fmt: skip


@needs_raw
def test_summer_capacity_equals_the_unit_database_and_eia() -> None:
    units = raw_csv("powergenome-data/reeds_generators_transformed.csv")
    zones = raw_csv("powergenome-data/plant_region_map.csv").drop_duplicates("plant_id")
    st = raw_csv("reeds/zones/hierarchy.csv").set_index("r")["st"]
    units = units.merge(zones, on="plant_id")
    units = units[(units["operating_year"] <= 2024) & (units["retirement_year"] > 2024)]
    name_to_tech = {n: t for t, names in UNIT_TECH.items() for n in names}
    units = units.assign(region=units["region"].map(st), tech=units["technology"].map(name_to_tech))
    assert units["tech"].notna().all()
    # cohorts: the retirement year, 0 for "after 2040" (written blank)
    units["year"] = units["retirement_year"].where(units["retirement_year"] <= 2040, 0).astype(int)
    expected = units.groupby(["region", "tech", "year"])["capacity_mw"].sum()
    fleet = table("existing_capacity")
    conus = fleet[~fleet["region"].isin(["AK", "HI", "DC"])]
    conus = conus.assign(year=conus["retirement_year"].fillna(0).astype(int))
    shipped = conus.groupby(["region", "technology", "year"])["capacity_mw"].sum()
    assert len(shipped) == len(expected)
    for (r, t, y), mw in expected.items():
        assert shipped[(r, t, y)] == pytest.approx(mw, abs=1e-3), (r, t, y)
    # the summary in derived/ agrees state by state (same units, same end-2024 filter)
    summary = (
        raw_csv("derived/fleet_state_technology_summer_mw_2024.csv").groupby("st")["summer_mw_end2024"].sum()
    )
    by_state = conus.groupby("region")["capacity_mw"].sum()
    pd.testing.assert_series_equal(
        by_state.sort_index(), summary.rename_axis("region").rename("capacity_mw").sort_index(), atol=0.5
    )
    # AK, HI, DC: EIA-860 2024 summer capacity by fuel
    eia = raw_csv("eia/existcapacity_annualx_national.csv")
    eia = eia[(eia["Year"] == 2024) & (eia["Producer Type"] == "Total Electric Power Industry")
              & eia["State Code"].isin(["AK", "HI", "DC"]) & (eia["Fuel Source"] != "All Sources")]  # fmt: skip
    exp = (
        eia.assign(t=eia["Fuel Source"].map(FUEL_TO_TECH))
        .groupby(["State Code", "t"])["Summer Capacity (Megawatts)"]
        .sum()
    )
    other = fleet[fleet["region"].isin(["AK", "HI", "DC"])].set_index(["region", "technology"])["capacity_mw"]
    assert other.isna().sum() == 0 and len(other) == len(exp)
    for (r, t), mw in exp.items():
        assert other[(r, t)] == pytest.approx(mw, abs=1e-3)


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
    ic = table("regions").set_index("region")["interconnect"]
    pairs = {tuple(sorted(k)) for k in directed}
    shipped_pairs = {(a, b) for a, b in zip(corridors["region_from"], corridors["region_to"], strict=True)}
    # new seam corridors where a DC tie exists without a NARIS interface: CO-KS (Lamar), NE-WY (Stegall, Sidney)
    assert shipped_pairs == pairs | {("DC", "MD"), ("DC", "VA"), ("CO", "KS"), ("NE", "WY")}
    for row in corridors.itertuples():
        if row.region_from == "DC" or ic[row.region_from] != ic[row.region_to]:
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
    ic = table("regions").set_index("region")["interconnect"]
    for row in table("corridors").itertuples():
        if row.region_from == "DC":
            continue
        src = route.loc[[(row.region_from, row.region_to)]].iloc[0]
        assert row.length_miles == pytest.approx(src["length_miles"], abs=1e-3)
        if ic[row.region_from] == ic[row.region_to]:
            assert row.expansion_capex_usd_per_mw == pytest.approx(src["USD2004perMW"] * k, abs=0.01)


@needs_raw
def test_seam_ties_equal_the_non_ac_file() -> None:
    nonac = raw_csv("pypsa-usa/transmission_capacity_init_nonAC_ba.csv")
    b2b = nonac[nonac["trtype"] == "B2B"]
    assert b2b["MW"].sum() == raw_csv("reeds/transmission/b2b_converters.csv")["MW"].sum() == 2140
    c = table("corridors").set_index("corridor")
    # by hand from the file: Lamar 210 (CO-KS); Stegall/V. Smith 310 (NE-WY); Oklaunion 220 (OK-TX);
    # Blackwater 200 + Artesia 200 (NM-TX); and the four ties inside MT, NM, SD, TX given to the
    # neighbour across the seam: Miles City 200 (MT-ND), Rapid City 200 (SD-WY), Welsh 600 (LA-TX)
    expected = {"CO-KS": 210, "NE-WY": 310, "OK-TX": 220, "NM-TX": 400, "MT-ND": 200, "SD-WY": 200,
                "LA-TX": 600, "AR-TX": 0}  # fmt: skip
    for corridor, mw in expected.items():
        assert c.loc[corridor, "existing_mw_forward"] == mw, corridor
    assert sum(expected.values()) == b2b["MW"].sum()


ATB = {
    # technology: (file, i label); gas_cc/gas_ct: fixed and variable O&M only (capex from 2025 figures)
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
            if not tech.startswith("gas"):
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
    # by hand: Gas-CC 2030 capcost 1159.3 (2022 $) x 1.062742 = 1232.04 (2024 $), the (unused)
    # capex of the existing combined cycles
    assert costs.loc[("gas_cc_existing", 2030), "capex_usd_per_kw"] == pytest.approx(1232.04, abs=0.005)


@needs_raw
def test_gas_capex_equals_2025_figures_in_2024_dollars() -> None:
    g = raw_csv("pages/gas_plant_costs_and_lead_times_reported.csv")
    cc = g[g["period_or_vintage"].astype(str).str.contains("2025") & g["subject"].str.contains(
        "NextEra|starting construction|BloombergNEF")]["value"]  # fmt: skip
    assert sorted(cc) == [2000, 2157, 2400]
    costs = table("technology_costs").set_index(["technology", "period"])["capex_usd_per_kw"]
    k = deflator(2025)
    for p in PERIODS:
        # by hand: (2000 + 2157 + 2400) / 3 = 2185.67 x 0.972416 = 2125.38 (2024 $)
        assert costs[("gas_cc", p)] == pytest.approx(2125.38, abs=0.01)
        assert costs[("gas_cc", p)] == pytest.approx(cc.mean() * k, abs=0.01)
        assert costs[("gas_ct", p)] == pytest.approx(1544 * k, abs=0.01)
    assert 2000 <= costs[("gas_cc", 2026)] <= 2400


@needs_raw
def test_fuel_and_retail_prices_equal_sources() -> None:
    regions = table("regions").set_index("region")
    prices = table("fuel_prices").set_index(["fuel", "region", "period"])["price_usd_per_mmbtu"]
    groups = raw_csv("reeds/zones/state_groups.csv").set_index("st")["cendiv"]
    assert (
        raw_csv("reeds/fuelprices/dollaryear.csv")
        .set_index("Scenario")
        .loc["AEO_2025_reference", "Dollar.Year"]
        == 2024
    )
    for fuel, file in (("gas", "ng_AEO_2025_reference.csv"), ("coal", "coal_AEO_2025_reference.csv")):
        src = raw_csv(f"reeds/fuelprices/{file}").set_index("year")
        for st, div in groups.items():
            for p in PERIODS:
                assert prices[(fuel, st, p)] == pytest.approx(src.loc[p, div], abs=6e-4), (fuel, st, p)
    # by hand: coal 2026, East North Central (OH) 2.404738 -> 2.405; AK gas takes the Pacific price
    assert prices[("coal", "OH", 2026)] == 2.405
    assert prices[("gas", "AK", 2030)] == prices[("gas", "CA", 2030)]
    uranium = raw_csv("reeds/fuelprices/uranium_AEO_2025_reference.csv").set_index("year")["cost"]
    for p in PERIODS:
        assert prices[("uranium", "TX", p)] == pytest.approx(uranium[p], abs=6e-4)
    prices = raw_csv("pages/eia_epa2023_avg_revenue_per_kwh_by_state.csv").dropna(
        subset=["total_cents_per_kwh"]
    )
    by_name = regions.reset_index().set_index("name")
    k = deflator(2023)
    for name, cents in zip(prices["state"], prices["total_cents_per_kwh"], strict=True):
        assert by_name.loc[name, "retail_price_usd_per_mwh"] == pytest.approx(cents * 10 * k, abs=0.006), name
    assert regions[["retail_price_usd_per_mwh"]].notna().all().all()  # WI and WY filled


@needs_raw
def test_demand_equals_reeds_load_grown_by_aeo2025() -> None:
    load = raw_csv("reeds/load/EIA_loadbystate.csv")
    l24 = load[load["year"] == 2024].set_index("st")["MWh"]
    demand = table("demand").set_index(["region", "period", "case"])
    for case in ("reference", "high", "low"):
        m = raw_csv(f"reeds/load/demand_AEO_2025_{case}.csv").pivot(
            index="r", columns="year", values="multiplier"
        )
        for st, mwh in l24.items():
            for p in PERIODS:
                expected = mwh * m.loc[st, p] / m.loc[st, 2024]
                assert demand.loc[(st, p, case), "annual_demand_mwh"] == pytest.approx(expected, abs=0.51)
    # peaks grow like energy: the load factor is the same in every period and case
    lf = demand["annual_demand_mwh"] / demand["peak_demand_mw"]
    assert (lf.groupby(level="region").agg(lambda x: x.max() / x.min()) < 1.001).all()
    egrid = raw_csv("epa-egrid/egrid2022_state_national.csv").set_index("PSTATABB")
    d26 = demand.xs((2026, "reference"), level=("period", "case"))["annual_demand_mwh"]
    for st in ("AK", "HI"):
        assert egrid.loc[st, "STNGENAN"] < d26[st] < egrid.loc[st, "STNGENAN"] * 1.05


@needs_raw
def test_peak_to_mean_equals_eia930_shape() -> None:
    """TX peak = 2024 energy / 8760 x the peak-to-mean of the summed ERCOT zones (2023)."""
    h = raw_csv("eia930-cleaned/demand_cleaned_2023_hourly_utc.csv")
    ercot = h[[c for c in h.columns if c.startswith("ERCO-")]].sum(axis=1)
    ratio = ercot.max() / ercot.mean()
    l24 = raw_csv("reeds/load/EIA_loadbystate.csv").query("year == 2024").set_index("st")["MWh"]
    peak = table("demand").query("region == 'TX' and period == 2026 and case == 'reference'")
    m = raw_csv("reeds/load/demand_AEO_2025_reference.csv").pivot(
        index="r", columns="year", values="multiplier"
    )
    growth = m.loc["TX", 2026] / m.loc["TX", 2024]
    assert peak["peak_demand_mw"].iloc[0] == pytest.approx(l24["TX"] / 8760 * ratio * growth, abs=0.06)
    # the profile column is the same shape (normalised, 4 significant digits)
    p = pd.read_csv(DEFAULT / "profiles.csv")["demand.TX"]
    assert p.max() == pytest.approx(ratio, rel=1e-3)


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
    assert "wrote 23 files" in proc.stdout  # 21 + the sponsor's round (funding_rounds, sponsor_cap_table)
    written = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert len(written) == 23
    for rel in written:
        assert (out / rel).read_bytes() == (DEFAULT / rel).read_bytes(), (
            f"{rel} differs from the committed file"
        )


@needs_raw
def test_first_credit_steps_and_turbine_supply_equal_the_pages() -> None:
    acc = raw_csv("pages/capacity_accreditation_reported.csv")
    miso_summer = acc[(acc["region"] == "MISO") & acc["period"].str.startswith("2025/2026")]
    solar = miso_summer[miso_summer["resource_class"] == "solar"]["value"]
    wind = miso_summer[miso_summer["resource_class"] == "wind"]["value"]
    steps = table("capacity_credit_steps").set_index(["technology", "step"])["capacity_credit"]
    assert steps[("solar", 1)] == pytest.approx(float(solar.max()) / 100)  # 50 % (summer, spring, fall)
    assert steps[("solar", 4)] == pytest.approx(float(solar.min()) / 100)  # the 5 % winter credit as floor
    assert steps[("wind", 1)] == pytest.approx(float(wind.iloc[0]) / 100)  # 20.8 %
    pages = raw_csv("pages/gas_plant_costs_and_lead_times_reported.csv").set_index("subject")
    world = pages.loc["world large CCGT turbines"]
    us_orders = float(pages.loc["US gas turbine orders", "value"])
    scenario, _ = load_checked(DEFAULT)
    # by hand: 30 GW/yr x 14 / 80 = 5.25 GW/yr
    expected = float(world["value"]) * us_orders / float(world["value_high"]) * 1000
    assert scenario.settings.turbine_supply_mw_per_year == pytest.approx(expected) == 5250
