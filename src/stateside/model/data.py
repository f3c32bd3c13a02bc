"""Model data: every coefficient of the optimisation, prepared once from a Scenario.

The model works in scaled units so that coefficients stay within a few orders of
magnitude (the lever ReEDS and GenX use, see ``docs/model.md``):

=============  =====================================================
quantity       model unit
=============  =====================================================
power          GW
energy         GWh
money          million USD of the scenario's base dollar year ($M)
accelerators   millions of accelerators
=============  =====================================================

With these units, a cost in USD/kW equals the same number in $M/GW, and a cost in
USD/MWh is a thousandth of the number in $M/GWh.

Everything here is a labelled ``xarray.DataArray`` (or an ``pandas.Index``) named by
the model's sets: ``technology``, ``region``, ``period``, ``vintage`` (the period a
build comes online), ``day`` and ``step`` (the typical hours), ``corridor``,
``campus``, ``fab``, ``investor`` and ``asset_class``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from stateside.scenario.settings import ASSET_CLASSES, Settings
from stateside.scenario.types import Scenario

if TYPE_CHECKING:
    from stateside.scenario.typical import TypicalPeriods

MW_PER_GW = 1_000.0
USD_PER_MUSD = 1e6
ACCELERATORS_PER_MILLION = 1e6

#: Elastic-slack penalties in model units, ordered so that the cheapest thing to give up
#: is the IT target, then unserved energy, then capital and chips, and security last:
#: * missing 1 GW of IT target in a period costs 5e4 $M (50 USD/W) — far above the
#:   annualised cost of a campus with its power (about 2-3 USD/W per period) so targets
#:   are met whenever they can be, yet below serving that GW's load with lost load
#:   (8.76 TWh/yr x VOLL), so the model never "meets" a target with unserved energy;
#: * unfunded equity costs 100 $M per $M (the plan may not spend money it does not have);
#: * a million accelerators short costs 1e6 $M;
#: * holding equity above a security cap costs 1000 $M per $M.
PENALTY_TARGET_MUSD_PER_GW = 5e4
PENALTY_EQUITY_MUSD_PER_MUSD = 100.0
PENALTY_CHIPS_MUSD_PER_MILLION = 1e6
PENALTY_SECURITY_MUSD_PER_MUSD = 1_000.0
#: Value of 1 GW of IT capacity online for one period in budget mode ($M). It dwarfs
#: the cost term so capacity is maximised first; costs only break ties.
BUDGET_VALUE_MUSD_PER_GW = 1e5


def annuity_factor(rate: float, lifetime_years: float) -> float:
    """Capital recovery factor :math:`r / (1 - (1 + r)^{-n})`; :math:`1/n` when r = 0."""
    if lifetime_years <= 0:
        raise ValueError("lifetime must be positive")
    if rate == 0:
        return 1.0 / lifetime_years
    return rate / (1.0 - (1.0 + rate) ** -lifetime_years)


@dataclass(frozen=True)
class ModelData:
    """All sets and coefficients of one planning problem (see module docstring for units)."""

    settings: Settings
    mode: str
    power_only: bool
    # sets
    regions: pd.Index
    technologies: pd.Index
    generators: pd.Index  # non-storage technologies
    storage: pd.Index  # storage technologies
    periods: pd.Index
    days: pd.Index
    steps: pd.Index
    corridors: pd.Index
    campuses: pd.Index
    fabs: pd.Index
    investors: pd.Index
    asset_classes: pd.Index
    # time
    weight_hours: xr.DataArray  # (day, step) hours of the year per typical hour
    block_hours: float
    period_weight: xr.DataArray  # (period) discounted years: sum_y (1+r)^-(y - start)
    period_length_years: xr.DataArray  # (period)
    period_gap_years: xr.DataArray  # (period) years since the previous period (or start)
    # technologies
    asset_class_of_tech: xr.DataArray  # (technology) "generation" | "storage"
    availability: xr.DataArray  # (technology, region, day, step), generators only
    existing_gw: xr.DataArray  # (technology, region, period)
    can_build: xr.DataArray  # (technology, region, period) bool
    max_build_gw: xr.DataArray  # (technology, region) inf where unlimited
    capex_musd_per_gw: xr.DataArray  # (technology, region, period) with regional multipliers
    fom_musd_per_gw_year: xr.DataArray  # (technology, period)
    marginal_cost_musd_per_gwh: xr.DataArray  # (technology, region, period) VOM + fuel + carbon
    co2_t_per_gwh: xr.DataArray  # (technology)
    annuity: xr.DataArray  # (technology)
    active: xr.DataArray  # (technology, vintage, period) 1 where a build of vintage is online in period
    capacity_credit: xr.DataArray  # (technology)
    storage_hours: xr.DataArray  # (storage)
    efficiency_charge: xr.DataArray  # (storage) sqrt(round trip)
    efficiency_discharge: xr.DataArray  # (storage)
    uses_turbine: xr.DataArray  # (technology) bool
    dispatchable: xr.DataArray  # (technology, region) bool: a dispatch variable exists
    # demand and reliability
    demand_gw: xr.DataArray  # (region, period, day, step)
    peak_gw: xr.DataArray  # (region, period)
    voll_musd_per_gwh: float
    reserve_margin: float
    firm_import_share: float
    # corridors
    corridor_from: xr.DataArray  # (corridor) region code
    corridor_to: xr.DataArray  # (corridor)
    corridor_fwd_gw: xr.DataArray  # (corridor)
    corridor_rev_gw: xr.DataArray  # (corridor)
    corridor_capex_musd_per_gw: xr.DataArray  # (corridor)
    corridor_max_expansion_gw: xr.DataArray  # (corridor)
    corridor_can_build: xr.DataArray  # (corridor, period)
    corridor_annuity: float
    incidence_index: xr.DataArray  # (region, _term) corridor position, -1 padding
    incidence_sign: xr.DataArray  # (region, _term) +1 into region, -1 out, 0 padding
    # campuses
    campus_region: xr.DataArray  # (campus)
    campus_module_gw: xr.DataArray  # (campus)
    campus_max_modules: xr.DataArray  # (campus)
    campus_allowed: xr.DataArray  # (campus, period)
    campus_capex_musd_per_gw: xr.DataArray  # (campus) per GW of IT
    campus_fom_musd_per_gw_year: xr.DataArray  # (campus)
    campus_load_factor: xr.DataArray  # (campus) utilisation x PUE: grid GW per IT GW
    campus_annuity: xr.DataArray  # (campus)
    it_target_gw: xr.DataArray  # (period) 0 where none
    # fabs
    fab_region: xr.DataArray  # (fab)
    fab_capex_musd: xr.DataArray  # (fab)
    fab_grant_musd: xr.DataArray  # (fab)
    fab_power_gw: xr.DataArray  # (fab)
    fab_output_million_per_year: xr.DataArray  # (fab)
    fab_allowed: xr.DataArray  # (fab, period)
    fab_fom_musd_per_year: xr.DataArray  # (fab)
    fab_annuity: xr.DataArray  # (fab)
    accelerators_million_per_gw: float
    import_limit_million_per_year: float
    min_domestic_share: xr.DataArray  # (period)
    # capital
    debt_share: xr.DataArray  # (asset_class)
    capital_available_musd: xr.DataArray  # (investor, period) new capital each period
    max_share: xr.DataArray  # (investor, asset_class) fraction
    max_share_reason: dict[tuple[str, str], str]
    turbine_limit_gw: xr.DataArray | None  # (period) national gas-turbine additions, None: unlimited

    @property
    def has_campuses(self) -> bool:
        return len(self.campuses) > 0 and not self.power_only

    @property
    def has_fabs(self) -> bool:
        return len(self.fabs) > 0 and not self.power_only

    @property
    def has_capital(self) -> bool:
        return len(self.investors) > 0 and not self.power_only


def _da(values: object, coords: dict[str, pd.Index | list[object]], name: str | None = None) -> xr.DataArray:
    return xr.DataArray(np.asarray(values), coords=coords, dims=list(coords), name=name)


def _years_bool(years: pd.Index, earliest: pd.Series) -> np.ndarray:
    """(item, period) matrix: True where the period year is at or after the item's earliest year."""
    return np.asarray(years.values)[None, :] >= np.asarray(earliest.values, dtype=float)[:, None]


def prepare(
    scenario: Scenario,
    typical: TypicalPeriods,
    share_caps: pd.DataFrame | None = None,
    mode: str | None = None,
) -> ModelData:
    """Turn a checked scenario, its typical hours and the share caps into model coefficients.

    ``share_caps`` has columns ``investor, asset_class, max_share, reason`` with
    ``max_share`` a fraction; it is the single place where security rules, investor
    exclusions and explicit caps reach the model (see ``stateside.security.caps``).
    """
    s = scenario.settings
    mode = mode or s.mode
    power_only = s.power_only
    r = s.discount_rate

    periods = pd.Index(s.period_years, name="period")
    lengths = np.array([p.length_years for p in s.periods], dtype=float)
    starts = np.array(s.period_years, dtype=float)
    gaps = np.diff(np.concatenate([[float(s.start_year)], starts]))
    gaps = np.maximum(gaps, 1.0)
    period_weight = np.array(
        [
            sum((1 + r) ** -(y + k - s.start_year) for k in range(int(n)))
            for y, n in zip(starts, lengths, strict=True)
        ]
    )

    regions_df = scenario.regions.set_index("region")
    regions = pd.Index(regions_df.index.astype(str), name="region")

    tech_df = scenario.technologies.set_index("technology")
    technologies = pd.Index(tech_df.index.astype(str), name="technology")
    is_storage = (tech_df["kind"] == "storage").to_numpy()
    generators = pd.Index(technologies[~is_storage], name="technology")
    storage = pd.Index(technologies[is_storage], name="technology")

    # --- time -----------------------------------------------------------------
    day_of = typical.day.values
    n_days = int(day_of.max()) + 1
    steps_per_day = len(day_of) // n_days
    days = pd.Index(range(n_days), name="day")
    steps = pd.Index(range(steps_per_day), name="step")

    def to_day_step(arr: xr.DataArray) -> xr.DataArray:
        other = [d for d in arr.dims if d != "snapshot"]
        vals = arr.transpose(*other, "snapshot").values.reshape(
            *[arr.sizes[d] for d in other], n_days, steps_per_day
        )
        coords: dict[str, pd.Index | list[object]] = {str(d): pd.Index(arr[d].values, name=d) for d in other}
        coords["day"] = days
        coords["step"] = steps
        return _da(vals, coords)

    weight_hours = to_day_step(typical.weight_hours)
    solar = to_day_step(typical.solar).reindex(region=regions)
    wind = to_day_step(typical.wind).reindex(region=regions)
    demand_shape = to_day_step(typical.demand).reindex(region=regions)

    # --- technologies ---------------------------------------------------------
    costs = scenario.technology_costs.set_index(["technology", "period"])
    missing = [
        (t, p)
        for t in technologies
        for p in periods
        if tech_df.at[t, "buildable"] and (t, p) not in costs.index
    ]
    if missing:
        raise ValueError(f"technology_costs lacks rows for {missing[:5]}")

    def cost_table(col: str) -> np.ndarray:
        out = np.zeros((len(technologies), len(periods)))
        for i, t in enumerate(technologies):
            for j, p in enumerate(periods):
                if (t, p) in costs.index:
                    out[i, j] = float(costs.at[(t, p), col])
        return out

    capex = cost_table("capex_usd_per_kw")  # == $M/GW
    fom = cost_table("fixed_om_usd_per_kw_year")
    vom = cost_table("variable_om_usd_per_mwh") / MW_PER_GW  # $M/GWh

    mult = np.ones((len(technologies), len(regions)))
    cm = scenario.cost_multipliers
    if len(cm):
        tpos = {t: i for i, t in enumerate(technologies)}
        rpos = {x: i for i, x in enumerate(regions)}
        for row in cm.itertuples(index=False):
            mult[tpos[str(row.technology)], rpos[str(row.region)]] = float(row.capex_multiplier)
    capex_trp = capex[:, None, :] * mult[:, :, None]

    fuels = scenario.fuels.set_index("fuel")
    gas_price = regions_df["gas_price_usd_per_mmbtu"].astype(float).to_numpy()
    heat_rate = tech_df["heat_rate_mmbtu_per_mwh"].fillna(0.0).astype(float).to_numpy()
    fuel_price = np.zeros((len(technologies), len(regions)))
    co2_t_per_mmbtu = np.zeros(len(technologies))
    for i, t in enumerate(technologies):
        fuel = tech_df.at[t, "fuel"]
        if isinstance(fuel, str) and fuel:
            co2_t_per_mmbtu[i] = float(fuels.at[fuel, "co2_t_per_mmbtu"])
            fuel_price[i, :] = gas_price if fuel == "gas" else float(fuels.at[fuel, "price_usd_per_mmbtu"])
    co2_t_per_gwh = heat_rate * co2_t_per_mmbtu * MW_PER_GW
    carbon = np.array([s.carbon_price_usd_per_t.get(int(p), 0.0) for p in periods])
    # $/MWh -> $M/GWh is / 1000
    fuel_cost = heat_rate[:, None] * fuel_price / MW_PER_GW  # (tech, region) $M/GWh
    carbon_cost = co2_t_per_gwh[:, None] * carbon[None, :] / USD_PER_MUSD  # (tech, period) $M/GWh
    marginal = vom[:, None, :] + fuel_cost[:, :, None] + carbon_cost[:, None, :]

    construction = tech_df["construction_years"].astype(float)
    earliest_online = s.start_year + construction
    buildable = tech_df["buildable"].astype(bool).to_numpy()
    can_build_tp = _years_bool(periods, earliest_online) & buildable[:, None]
    can_build = np.broadcast_to(
        can_build_tp[:, None, :], (len(technologies), len(regions), len(periods))
    ).copy()

    max_build = tech_df["max_build_mw_per_region_period"].astype(float).fillna(np.inf).to_numpy() / MW_PER_GW
    max_build_tr = np.broadcast_to(max_build[:, None], (len(technologies), len(regions))).copy()

    lifetime = tech_df["lifetime_years"].astype(float).to_numpy()
    annuity = np.array([annuity_factor(r, lt) for lt in lifetime])
    active = (
        (starts[None, None, :] >= starts[None, :, None])
        & (starts[None, None, :] < starts[None, :, None] + lifetime[:, None, None])
    ).astype(float)

    existing = np.zeros((len(technologies), len(regions), len(periods)))
    ex = scenario.existing_capacity
    if len(ex):
        tpos = {t: i for i, t in enumerate(technologies)}
        rpos = {x: i for i, x in enumerate(regions)}
        for row in ex.itertuples(index=False):
            ret = row.retirement_year
            alive = (
                np.ones(len(periods), bool)
                if ret is None or (isinstance(ret, float) and math.isnan(ret))
                else starts < float(ret)
            )
            existing[tpos[str(row.technology)], rpos[str(row.region)], :] += (
                float(row.capacity_mw) / MW_PER_GW * alive
            )

    profile = tech_df["profile"].fillna("none").astype(str)
    avail_flat = tech_df["availability"].astype(float).to_numpy()
    availability = np.empty((len(generators), len(regions), n_days, steps_per_day))
    for i, t in enumerate(generators):
        kind = profile[t]
        if kind == "solar":
            availability[i] = solar.values
        elif kind == "wind":
            availability[i] = wind.values
        else:
            availability[i] = avail_flat[technologies.get_loc(t)]
    dispatchable = (existing.max(axis=2) > 0) | (can_build.any(axis=2))

    rte = tech_df.loc[storage, "round_trip_efficiency"].astype(float).to_numpy()
    hours = tech_df.loc[storage, "storage_hours"].astype(float).to_numpy()
    if (hours <= 0).any():
        raise ValueError("storage technologies need storage_hours > 0")

    # --- demand ---------------------------------------------------------------
    dem = scenario.demand.set_index(["region", "period"])
    annual = np.zeros((len(regions), len(periods)))
    peak_given = np.full((len(regions), len(periods)), np.nan)
    for i, reg in enumerate(regions):
        for j, p in enumerate(periods):
            annual[i, j] = float(dem.at[(reg, p), "annual_demand_mwh"])
            pk = dem.at[(reg, p), "peak_demand_mw"] if "peak_demand_mw" in dem.columns else np.nan
            peak_given[i, j] = float(pk) if pk is not None and not pd.isna(pk) else np.nan
    mean_gw = annual / 8760.0 / MW_PER_GW
    demand_gw = mean_gw[:, :, None, None] * demand_shape.values[:, None, :, :]
    peak_factor = typical.peak_demand_factor.reindex(regions).to_numpy(dtype=float)
    peak_gw = np.where(np.isnan(peak_given), mean_gw * peak_factor[:, None], peak_given / MW_PER_GW)

    # --- corridors ------------------------------------------------------------
    cor = scenario.corridors
    corridors = pd.Index(cor["corridor"].astype(str), name="corridor")
    cfrom = cor["region_from"].astype(str).to_numpy()
    cto = cor["region_to"].astype(str).to_numpy()
    cor_earliest = s.start_year + cor["construction_years"].astype(float)
    cor_can = _years_bool(periods, cor_earliest) & s.new_corridors_allowed
    deg = {reg: [] for reg in regions}  # type: dict[str, list[tuple[int, float]]]
    for k, (a, b) in enumerate(zip(cfrom, cto, strict=True)):
        deg[a].append((k, -1.0))
        deg[b].append((k, +1.0))
    width = max([len(v) for v in deg.values()] + [1])
    inc_idx = np.full((len(regions), width), -1, dtype=int)
    inc_sign = np.zeros((len(regions), width))
    for i, reg in enumerate(regions):
        for j, (k, sign) in enumerate(deg[reg]):
            inc_idx[i, j] = k
            inc_sign[i, j] = sign

    # --- campuses -------------------------------------------------------------
    camp = scenario.campuses if not power_only else scenario.campuses.iloc[0:0]
    campuses = pd.Index(camp["campus"].astype(str), name="campus")
    campus_allowed = _years_bool(periods, camp["earliest_year"].astype(float))
    # power-only plans have no campuses, so no IT targets
    targets = np.array([0.0 if power_only else s.it_target_mw.get(int(p), 0.0) / MW_PER_GW for p in periods])

    # --- fabs -----------------------------------------------------------------
    fab = scenario.fabs if not power_only else scenario.fabs.iloc[0:0]
    fabs = pd.Index(fab["fab"].astype(str), name="fab")
    fab_earliest = np.maximum(
        fab["earliest_year"].astype(float).to_numpy(),
        s.start_year + fab["lead_time_years"].astype(float).to_numpy(),
    )
    fab_allowed = _years_bool(periods, pd.Series(fab_earliest))
    fab_capex = fab["capex_usd"].astype(float).to_numpy() / USD_PER_MUSD
    # A grant cannot exceed the equity share of capex (it would make equity negative).
    fab_grant = np.minimum(
        fab["grant_usd"].astype(float).to_numpy() / USD_PER_MUSD,
        fab_capex * (1 - s.finance.debt_share["fab"]),
    )

    # --- capital --------------------------------------------------------------
    inv = scenario.investors if not power_only else scenario.investors.iloc[0:0]
    investors = pd.Index(inv["investor"].astype(str), name="investor")
    asset_classes = pd.Index(list(ASSET_CLASSES), name="asset_class")
    available = np.zeros((len(investors), len(periods)))
    com = scenario.commitments
    prob = s.finance.pipeline_probability
    if len(com) and len(investors):
        ipos = {x: i for i, x in enumerate(investors)}
        # capital arriving in year y is available to the first period whose year is >= y
        for row in com.itertuples(index=False):
            if str(row.investor) not in ipos:
                continue
            stage = str(row.stage)
            if s.finance.capital_basis == "committed":
                weight = 1.0 if stage in ("committed", "funded") else 0.0
            else:
                weight = float(prob[stage])
            j = int(np.searchsorted(starts, float(row.year), side="left"))
            if j < len(periods):
                available[ipos[str(row.investor)], j] += float(row.amount_usd) * weight / USD_PER_MUSD
    max_share = np.ones((len(investors), len(asset_classes)))
    reasons: dict[tuple[str, str], str] = {}
    if share_caps is not None and len(share_caps) and len(investors):
        ipos = {x: i for i, x in enumerate(investors)}
        apos = {x: i for i, x in enumerate(asset_classes)}
        for row in share_caps.itertuples(index=False):
            i_pos, a_pos = ipos.get(str(row.investor)), apos.get(str(row.asset_class))
            if i_pos is None or a_pos is None:
                continue
            i, a = i_pos, a_pos
            if float(row.max_share) < max_share[i, a]:
                max_share[i, a] = float(row.max_share)
            key = (str(row.investor), str(row.asset_class))
            reasons[key] = "; ".join(filter(None, [reasons.get(key), str(row.reason)]))

    turbine = None
    if s.turbine_supply_mw_per_year is not None:
        turbine = _da(s.turbine_supply_mw_per_year / MW_PER_GW * gaps, {"period": periods})

    c = s.chips
    return ModelData(
        settings=s,
        mode=mode,
        power_only=power_only,
        regions=regions,
        technologies=technologies,
        generators=generators,
        storage=storage,
        periods=periods,
        days=days,
        steps=steps,
        corridors=corridors,
        campuses=campuses,
        fabs=fabs,
        investors=investors,
        asset_classes=asset_classes,
        weight_hours=weight_hours,
        block_hours=float(typical.block_hours),
        period_weight=_da(period_weight, {"period": periods}),
        period_length_years=_da(lengths, {"period": periods}),
        period_gap_years=_da(gaps, {"period": periods}),
        asset_class_of_tech=_da(tech_df["asset_class"].astype(str).to_numpy(), {"technology": technologies}),
        availability=_da(
            availability, {"technology": generators, "region": regions, "day": days, "step": steps}
        ),
        existing_gw=_da(existing, {"technology": technologies, "region": regions, "period": periods}),
        can_build=_da(can_build, {"technology": technologies, "region": regions, "period": periods}),
        max_build_gw=_da(max_build_tr, {"technology": technologies, "region": regions}),
        capex_musd_per_gw=_da(capex_trp, {"technology": technologies, "region": regions, "period": periods}),
        fom_musd_per_gw_year=_da(fom, {"technology": technologies, "period": periods}),
        marginal_cost_musd_per_gwh=_da(
            marginal, {"technology": technologies, "region": regions, "period": periods}
        ),
        co2_t_per_gwh=_da(co2_t_per_gwh, {"technology": technologies}),
        annuity=_da(annuity, {"technology": technologies}),
        active=_da(
            active,
            {
                "technology": technologies,
                "vintage": pd.Index(periods.values, name="vintage"),
                "period": periods,
            },
        ),
        capacity_credit=_da(
            tech_df["capacity_credit"].astype(float).to_numpy(), {"technology": technologies}
        ),
        storage_hours=_da(hours, {"technology": storage}),
        efficiency_charge=_da(np.sqrt(rte), {"technology": storage}),
        efficiency_discharge=_da(np.sqrt(rte), {"technology": storage}),
        uses_turbine=_da(tech_df["uses_gas_turbine"].astype(bool).to_numpy(), {"technology": technologies}),
        dispatchable=_da(dispatchable, {"technology": technologies, "region": regions}),
        demand_gw=_da(demand_gw, {"region": regions, "period": periods, "day": days, "step": steps}),
        peak_gw=_da(peak_gw, {"region": regions, "period": periods}),
        voll_musd_per_gwh=s.voll_usd_per_mwh / MW_PER_GW,
        reserve_margin=s.reserve_margin,
        firm_import_share=s.firm_import_share,
        corridor_from=_da(cfrom, {"corridor": corridors}),
        corridor_to=_da(cto, {"corridor": corridors}),
        corridor_fwd_gw=_da(
            cor["existing_mw_forward"].astype(float).to_numpy() / MW_PER_GW, {"corridor": corridors}
        ),
        corridor_rev_gw=_da(
            cor["existing_mw_reverse"].astype(float).to_numpy() / MW_PER_GW, {"corridor": corridors}
        ),
        corridor_capex_musd_per_gw=_da(
            cor["expansion_capex_usd_per_mw"].astype(float).to_numpy() * MW_PER_GW / USD_PER_MUSD,
            {"corridor": corridors},
        ),
        corridor_max_expansion_gw=_da(
            cor["max_expansion_mw_per_period"].astype(float).to_numpy() / MW_PER_GW, {"corridor": corridors}
        ),
        corridor_can_build=_da(cor_can, {"corridor": corridors, "period": periods}),
        corridor_annuity=annuity_factor(r, 40.0),
        incidence_index=_da(inc_idx, {"region": regions, "_term": list(range(width))}),
        incidence_sign=_da(inc_sign, {"region": regions, "_term": list(range(width))}),
        campus_region=_da(camp["region"].astype(str).to_numpy(), {"campus": campuses}),
        campus_module_gw=_da(camp["module_it_mw"].astype(float).to_numpy() / MW_PER_GW, {"campus": campuses}),
        campus_max_modules=_da(camp["max_modules"].astype(float).to_numpy(), {"campus": campuses}),
        campus_allowed=_da(campus_allowed, {"campus": campuses, "period": periods}),
        campus_capex_musd_per_gw=_da(
            camp["capex_usd_per_kw_it"].astype(float).to_numpy(), {"campus": campuses}
        ),
        campus_fom_musd_per_gw_year=_da(
            camp["fixed_om_usd_per_kw_year"].astype(float).to_numpy(), {"campus": campuses}
        ),
        campus_load_factor=_da(
            (camp["utilisation"].astype(float) * camp["pue"].astype(float)).to_numpy(), {"campus": campuses}
        ),
        campus_annuity=_da(
            np.array([annuity_factor(r, float(x)) for x in camp["lifetime_years"]]), {"campus": campuses}
        ),
        it_target_gw=_da(targets, {"period": periods}),
        fab_region=_da(fab["region"].astype(str).to_numpy(), {"fab": fabs}),
        fab_capex_musd=_da(fab_capex, {"fab": fabs}),
        fab_grant_musd=_da(fab_grant, {"fab": fabs}),
        fab_power_gw=_da(fab["power_mw"].astype(float).to_numpy() / MW_PER_GW, {"fab": fabs}),
        fab_output_million_per_year=_da(
            fab["accelerators_per_year"].astype(float).to_numpy() / ACCELERATORS_PER_MILLION, {"fab": fabs}
        ),
        fab_allowed=_da(fab_allowed, {"fab": fabs, "period": periods}),
        fab_fom_musd_per_year=_da(
            fab["fixed_om_usd_per_year"].astype(float).to_numpy() / USD_PER_MUSD, {"fab": fabs}
        ),
        fab_annuity=_da(
            np.array([annuity_factor(r, float(x)) for x in fab["lifetime_years"]]), {"fab": fabs}
        ),
        accelerators_million_per_gw=c.accelerators_per_mw_it * MW_PER_GW / ACCELERATORS_PER_MILLION,
        import_limit_million_per_year=c.import_limit_per_year / ACCELERATORS_PER_MILLION,
        min_domestic_share=_da([c.min_domestic_share.get(int(p), 0.0) for p in periods], {"period": periods}),
        debt_share=_da([s.finance.debt_share[a] for a in asset_classes], {"asset_class": asset_classes}),
        capital_available_musd=_da(available, {"investor": investors, "period": periods}),
        max_share=_da(max_share, {"investor": investors, "asset_class": asset_classes}),
        max_share_reason=reasons,
        turbine_limit_gw=turbine,
    )
