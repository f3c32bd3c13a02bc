"""Technologies and the existing fleet: costs, availability, scheduled and economic retirement.

=========================  =============================================================
symbol                     meaning
=========================  =============================================================
:math:`E_{g,r,p}`          existing summer capacity left in period p after *scheduled*
                           retirements (announced dates, or age), GW
:math:`\\mathcal{R}`        (g, r) pairs whose existing capacity may also retire early
                           for economic reasons (technology flag ``economic_retirement``
                           and the settings' switch)
:math:`\\kappa_{g,r,p}`     overnight capex with the regional multiplier ($M/GW = USD/kW)
:math:`\\phi_{g,p}`         fixed O&M ($M/GW-yr), charged on new capacity and on existing
                           capacity that may retire
:math:`\\mu_{g,r,p}`        marginal cost: VOM + heat rate x delivered fuel + carbon ($M/GWh)
:math:`a_{g,r,t}`          hourly availability: solar/wind profile, or the flat derate
:math:`A_{g,v,p}`          1 where a build of vintage v is within its lifetime in p
:math:`\\psi_g`             capital recovery factor
=========================  =============================================================

A technology that burns a fuel with no price in a region (e.g. gas in Hawaii) can be
neither built nor run there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.inputs import MW_PER_GW, USD_PER_MUSD, annuity_factor, da, years_bool
from stateside.model.inputs.time import TimeData
from stateside.scenario.fuels import FuelPrices
from stateside.scenario.types import Scenario


@dataclass(frozen=True)
class FleetData:
    technologies: pd.Index
    generators: pd.Index
    storage: pd.Index
    asset_class_of_tech: xr.DataArray  # (technology)
    availability: xr.DataArray  # (technology, region, day, step), generators only
    existing_gw: xr.DataArray  # (technology, region, period) E
    retirable: xr.DataArray  # (technology, region) bool: R
    can_build: xr.DataArray  # (technology, region, period) bool
    max_build_gw: xr.DataArray  # (technology, region)
    capex_musd_per_gw: xr.DataArray  # (technology, region, period)
    fom_musd_per_gw_year: xr.DataArray  # (technology, period)
    marginal_cost_musd_per_gwh: xr.DataArray  # (technology, region, period)
    co2_t_per_gwh: xr.DataArray  # (technology)
    annuity: xr.DataArray  # (technology)
    active: xr.DataArray  # (technology, vintage, period)
    storage_hours: xr.DataArray  # (storage)
    efficiency_charge: xr.DataArray  # (storage)
    efficiency_discharge: xr.DataArray  # (storage)
    uses_turbine: xr.DataArray  # (technology)
    dispatchable: xr.DataArray  # (technology, region)


def _cost_table(scenario: Scenario, technologies: pd.Index, periods: pd.Index, col: str) -> np.ndarray:
    costs = scenario.technology_costs
    out = np.zeros((len(technologies), len(periods)))
    if not len(costs):
        return out
    table = costs.pivot_table(index="technology", columns="period", values=col, aggfunc="first")
    table = table.reindex(index=list(technologies), columns=list(periods))
    return np.nan_to_num(table.to_numpy(dtype=float), nan=0.0)


def existing_by_period(
    scenario: Scenario, technologies: pd.Index, regions: pd.Index, starts: np.ndarray
) -> np.ndarray:
    """:math:`E_{g,r,p}` in GW: each cohort counts in the periods that start before its retirement year."""
    existing = np.zeros((len(technologies), len(regions), len(starts)))
    ex = scenario.existing_capacity
    if not len(ex):
        return existing
    tpos = {t: i for i, t in enumerate(technologies)}
    rpos = {x: i for i, x in enumerate(regions)}
    for row in ex.itertuples(index=False):
        ret = row.retirement_year
        none = ret is None or (isinstance(ret, float) and math.isnan(ret))
        alive = np.ones(len(starts), bool) if none else starts < float(ret)
        existing[tpos[str(row.technology)], rpos[str(row.region)], :] += (
            float(row.capacity_mw) / MW_PER_GW * alive
        )
    return existing


def build_fleet(
    scenario: Scenario,
    time: TimeData,
    regions: pd.Index,
    fuels: FuelPrices,
    profiles: dict[str, xr.DataArray],
) -> FleetData:
    """Build the technology coefficients; ``profiles`` maps ``solar``/``wind`` to the
    typical-hour availability (region, day, step)."""
    s = scenario.settings
    periods = time.periods
    starts = np.asarray(periods.values, dtype=float)
    tech_df = scenario.technologies.set_index("technology")
    technologies = pd.Index(tech_df.index.astype(str), name="technology")
    is_storage = (tech_df["kind"] == "storage").to_numpy()
    generators = pd.Index(technologies[~is_storage], name="technology")
    storage = pd.Index(technologies[is_storage], name="technology")
    nt, nr, npd = len(technologies), len(regions), len(periods)

    missing = [
        (t, int(p))
        for t in technologies
        if tech_df.at[t, "buildable"]
        for p in periods
        if not (
            (scenario.technology_costs["technology"] == t) & (scenario.technology_costs["period"] == p)
        ).any()
    ]
    if missing:
        raise ValueError(f"technology_costs lacks rows for {missing[:5]}")
    capex = _cost_table(scenario, technologies, periods, "capex_usd_per_kw")  # == $M/GW
    fom = _cost_table(scenario, technologies, periods, "fixed_om_usd_per_kw_year")
    vom = _cost_table(scenario, technologies, periods, "variable_om_usd_per_mwh") / MW_PER_GW  # $M/GWh

    mult = np.ones((nt, nr))
    cm = scenario.cost_multipliers
    if len(cm):
        tpos = {t: i for i, t in enumerate(technologies)}
        rpos = {x: i for i, x in enumerate(regions)}
        for row in cm.itertuples(index=False):
            if str(row.technology) in tpos and str(row.region) in rpos:
                mult[tpos[str(row.technology)], rpos[str(row.region)]] = float(row.capex_multiplier)
    capex_trp = capex[:, None, :] * mult[:, :, None]

    # fuel: price per (technology, region, period); NaN where the fuel cannot be had
    heat_rate = tech_df["heat_rate_mmbtu_per_mwh"].fillna(0.0).astype(float).to_numpy()
    fuel_price = np.zeros((nt, nr, npd))
    co2_t_per_mmbtu = np.zeros(nt)
    fuel_ok = np.ones((nt, nr, npd), bool)
    co2_of = scenario.fuels.set_index("fuel")["co2_t_per_mmbtu"].astype(float)
    for i, t in enumerate(technologies):
        fuel = tech_df.at[t, "fuel"]
        if isinstance(fuel, str) and fuel:
            co2_t_per_mmbtu[i] = float(co2_of[fuel])
            price = fuels.of(fuel)
            fuel_ok[i] = np.isfinite(price)
            fuel_price[i] = np.nan_to_num(price, nan=0.0)
    co2_t_per_gwh = heat_rate * co2_t_per_mmbtu * MW_PER_GW
    carbon = np.array([s.carbon_price_usd_per_t.get(int(p), 0.0) for p in periods])
    fuel_cost = heat_rate[:, None, None] * fuel_price / MW_PER_GW  # $/MWh -> $M/GWh
    carbon_cost = co2_t_per_gwh[:, None] * carbon[None, :] / USD_PER_MUSD  # (tech, period)
    marginal = vom[:, None, :] + fuel_cost + carbon_cost[:, None, :]

    earliest_online = s.start_year + tech_df["construction_years"].astype(float)
    buildable = tech_df["buildable"].astype(bool).to_numpy()
    can_build_tp = years_bool(periods, earliest_online) & buildable[:, None]
    can_build = np.broadcast_to(can_build_tp[:, None, :], (nt, nr, npd)) & fuel_ok

    max_build = tech_df["max_build_mw_per_region_period"].astype(float).fillna(np.inf).to_numpy() / MW_PER_GW
    lifetime = tech_df["lifetime_years"].astype(float).to_numpy()
    annuity = np.array([annuity_factor(s.discount_rate, lt) for lt in lifetime])
    active = (
        (starts[None, None, :] >= starts[None, :, None])
        & (starts[None, None, :] < starts[None, :, None] + lifetime[:, None, None])
    ).astype(float)

    existing = existing_by_period(scenario, technologies, regions, starts)
    existing = np.where(fuel_ok, existing, 0.0)  # validation refuses such rows; be safe
    flag = (
        tech_df["economic_retirement"].map(lambda v: bool(v) and not pd.isna(v)).to_numpy()
        if "economic_retirement" in tech_df.columns
        else np.zeros(nt, bool)
    )
    retirable = (flag[:, None] & (existing.max(axis=2) > 0)) & bool(s.economic_retirement)

    avail_flat = tech_df["availability"].astype(float).to_numpy()
    profile = tech_df["profile"].fillna("none").astype(str)
    availability = np.empty((len(generators), nr, len(time.days), len(time.steps)))
    return FleetData(
        technologies=technologies,
        generators=generators,
        storage=storage,
        asset_class_of_tech=da(tech_df["asset_class"].astype(str).to_numpy(), {"technology": technologies}),
        availability=_availability(
            availability, generators, technologies, profile, avail_flat, time, regions, profiles
        ),
        existing_gw=da(existing, {"technology": technologies, "region": regions, "period": periods}),
        retirable=da(retirable, {"technology": technologies, "region": regions}),
        can_build=da(can_build, {"technology": technologies, "region": regions, "period": periods}),
        max_build_gw=da(
            np.broadcast_to(max_build[:, None], (nt, nr)).copy(),
            {"technology": technologies, "region": regions},
        ),
        capex_musd_per_gw=da(capex_trp, {"technology": technologies, "region": regions, "period": periods}),
        fom_musd_per_gw_year=da(fom, {"technology": technologies, "period": periods}),
        marginal_cost_musd_per_gwh=da(
            marginal, {"technology": technologies, "region": regions, "period": periods}
        ),
        co2_t_per_gwh=da(co2_t_per_gwh, {"technology": technologies}),
        annuity=da(annuity, {"technology": technologies}),
        active=da(
            active,
            {
                "technology": technologies,
                "vintage": pd.Index(periods.values, name="vintage"),
                "period": periods,
            },
        ),
        **_storage_fields(tech_df, storage),
        uses_turbine=da(tech_df["uses_gas_turbine"].astype(bool).to_numpy(), {"technology": technologies}),
        dispatchable=da(
            ((existing.max(axis=2) > 0) | can_build.any(axis=2)) & fuel_ok.any(axis=2),
            {"technology": technologies, "region": regions},
        ),
    )


#: the typical-hour profiles a technology's ``profile`` column names
_PROFILE_SOURCES = ("solar", "wind")


def _availability(
    out: np.ndarray,
    generators: pd.Index,
    technologies: pd.Index,
    profile: pd.Series,
    flat: np.ndarray,
    time: TimeData,
    regions: pd.Index,
    profiles: dict[str, xr.DataArray],
) -> xr.DataArray:
    """:math:`a_{g,r,t}`: the solar or wind profile, or the flat derate."""
    for i, t in enumerate(generators):
        kind = profile[t]
        if kind in _PROFILE_SOURCES and kind in profiles:
            out[i] = profiles[kind].values
        else:
            out[i] = flat[technologies.get_loc(t)]
    return da(out, {"technology": generators, "region": regions, "day": time.days, "step": time.steps})


def _storage_fields(tech_df: pd.DataFrame, storage: pd.Index) -> dict[str, xr.DataArray]:
    rte = tech_df.loc[storage, "round_trip_efficiency"].astype(float).to_numpy()
    hours = tech_df.loc[storage, "storage_hours"].astype(float).to_numpy()
    if (hours <= 0).any():
        raise ValueError("storage technologies need storage_hours > 0")
    return {
        "storage_hours": da(hours, {"technology": storage}),
        "efficiency_charge": da(np.sqrt(rte), {"technology": storage}),
        "efficiency_discharge": da(np.sqrt(rte), {"technology": storage}),
    }
