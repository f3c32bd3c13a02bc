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
``campus``, ``fab``, ``investor``, ``asset_class`` and ``credit_step``.

Each part is built, documented and tested on its own by a module of
:mod:`stateside.model.inputs` (time, fleet, credits, demand, corridors, campuses,
fabs, capital, penalties, it_equipment); :func:`prepare` only assembles them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import pandas as pd
import xarray as xr

from stateside.model.inputs import (
    ACCELERATORS_PER_MILLION,
    MW_PER_GW,
    USD_PER_MUSD,
    annuity_factor,
)
from stateside.model.inputs.campuses import build_campuses
from stateside.model.inputs.capital import build_capital
from stateside.model.inputs.corridors import build_corridors
from stateside.model.inputs.credits import build_credits
from stateside.model.inputs.demand import build_demand
from stateside.model.inputs.fabs import build_fabs
from stateside.model.inputs.fleet import build_fleet
from stateside.model.inputs.it_equipment import build_it_equipment
from stateside.model.inputs.penalties import (
    BUDGET_VALUE_MUSD_PER_GW,
    PENALTY_CHIPS_MUSD_PER_MILLION,
    PENALTY_EQUITY_MUSD_PER_MUSD,
    PENALTY_SECURITY_MUSD_PER_MUSD,
    PENALTY_TARGET_MUSD_PER_GW,
    build_penalties,
)
from stateside.model.inputs.time import build_time
from stateside.scenario.fuels import build_fuel_prices
from stateside.scenario.settings import Settings
from stateside.scenario.types import Scenario

if TYPE_CHECKING:
    from stateside.scenario.typical import TypicalPeriods

__all__ = [
    "ACCELERATORS_PER_MILLION",
    "BUDGET_VALUE_MUSD_PER_GW",
    "MW_PER_GW",
    "PENALTY_CHIPS_MUSD_PER_MILLION",
    "PENALTY_EQUITY_MUSD_PER_MUSD",
    "PENALTY_SECURITY_MUSD_PER_MUSD",
    "PENALTY_TARGET_MUSD_PER_GW",
    "USD_PER_MUSD",
    "ModelData",
    "annuity_factor",
    "prepare",
]


@dataclass(frozen=True)
class ModelData:
    """All sets and coefficients of one planning problem (see module docstring for units).

    The symbols of each group are documented in the module of :mod:`stateside.model.inputs`
    that builds it.
    """

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
    # time (inputs.time)
    weight_hours: xr.DataArray  # (day, step) hours of the year per typical hour
    block_hours: float
    period_weight: xr.DataArray  # (period) discounted years: sum_y (1+r)^-(y - start)
    period_length_years: xr.DataArray  # (period)
    period_gap_years: xr.DataArray  # (period) years since the previous period (or start)
    peak_snapshot: xr.DataArray  # (day, step) bool: the peak day(s), where firm imports share corridors
    # technologies and fleet (inputs.fleet)
    asset_class_of_tech: xr.DataArray  # (technology) "generation" | "storage"
    availability: xr.DataArray  # (technology, region, day, step), generators only
    existing_gw: xr.DataArray  # (technology, region, period) after scheduled retirements
    retirable: xr.DataArray  # (technology, region) bool: may retire early (economic retirement)
    can_build: xr.DataArray  # (technology, region, period) bool
    max_build_gw: xr.DataArray  # (technology, region) inf where unlimited
    capex_musd_per_gw: xr.DataArray  # (technology, region, period) with regional multipliers
    fom_musd_per_gw_year: xr.DataArray  # (technology, period)
    marginal_cost_musd_per_gwh: xr.DataArray  # (technology, region, period) VOM + fuel + carbon
    co2_t_per_gwh: xr.DataArray  # (technology)
    annuity: xr.DataArray  # (technology)
    active: xr.DataArray  # (technology, vintage, period) 1 where a build of vintage is online in period
    storage_hours: xr.DataArray  # (storage)
    efficiency_charge: xr.DataArray  # (storage) sqrt(round trip)
    efficiency_discharge: xr.DataArray  # (storage)
    uses_turbine: xr.DataArray  # (technology) bool
    dispatchable: xr.DataArray  # (technology, region) bool: a dispatch variable exists
    # accreditation (inputs.credits)
    capacity_credit: xr.DataArray  # (technology) flat credit, 0 for stepped technologies
    credit_techs: pd.Index  # technologies with stepwise credits
    credit_steps: pd.Index  # credit_step 1..K
    credit_step_value: xr.DataArray  # (technology, credit_step)
    credit_step_share: xr.DataArray  # (technology, credit_step) width as a share of peak
    # demand and reliability (inputs.demand, inputs.penalties)
    demand_gw: xr.DataArray  # (region, period, day, step)
    peak_gw: xr.DataArray  # (region, period)
    reserve_margin: xr.DataArray  # (region)
    firm_import_share: float
    voll_musd_per_gwh: float
    unserved_floor_musd_per_gw: float
    reserve_penalty_musd_per_gw: xr.DataArray  # (region, period)
    # corridors (inputs.corridors)
    corridor_from: xr.DataArray  # (corridor) region code
    corridor_to: xr.DataArray  # (corridor)
    corridor_is_seam: xr.DataArray  # (corridor) bool
    corridor_fwd_gw: xr.DataArray  # (corridor)
    corridor_rev_gw: xr.DataArray  # (corridor)
    corridor_capex_musd_per_gw: xr.DataArray  # (corridor)
    corridor_max_expansion_gw: xr.DataArray  # (corridor)
    corridor_can_build: xr.DataArray  # (corridor, period)
    corridor_annuity: float
    incidence_index: xr.DataArray  # (region, _term) corridor position, -1 padding
    incidence_sign: xr.DataArray  # (region, _term) +1 into region, -1 out, 0 padding
    # campuses (inputs.campuses)
    campus_region: xr.DataArray  # (campus)
    campus_module_gw: xr.DataArray  # (campus)
    campus_max_modules: xr.DataArray  # (campus)
    campus_allowed: xr.DataArray  # (campus, period)
    campus_capex_musd_per_gw: xr.DataArray  # (campus) per GW of IT
    campus_fom_musd_per_gw_year: xr.DataArray  # (campus)
    campus_load_factor: xr.DataArray  # (campus) utilisation x PUE: grid GW (energy) per IT GW
    campus_peak_factor: xr.DataArray  # (campus) PUE: grid GW at peak per IT GW
    campus_annuity: xr.DataArray  # (campus)
    it_target_gw: xr.DataArray  # (period) 0 where none
    campus_interconnects: pd.Index  # interconnections with a candidate campus
    interconnect_member: xr.DataArray  # (region, interconnect)
    # fabs (inputs.fabs)
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
    # IT equipment (inputs.it_equipment)
    it_rest_musd_per_gw: float  # IT equipment less accelerators, per GW of IT
    accelerator_price_musd_per_million: float
    it_refresh_years: int
    it_annuity: float
    it_active: xr.DataArray  # (vintage, period)
    it_refresh: xr.DataArray  # (vintage, period) refreshes of vintage v falling in period p
    it_coalition: bool  # the coalition buys the IT equipment
    # capital (inputs.capital)
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


def _parts(obj: object) -> dict[str, Any]:
    """The fields of one component's dataclass, to be spread into ModelData."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}  # type: ignore[arg-type]


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
    regions = pd.Index(scenario.regions["region"].astype(str), name="region")
    time = build_time(s, typical)
    profiles = {
        kind: time.to_day_step(getattr(typical, kind)).reindex(region=regions) for kind in ("solar", "wind")
    }
    fleet = build_fleet(scenario, time, regions, build_fuel_prices(scenario), profiles)
    credits = build_credits(scenario, fleet.technologies)
    demand = build_demand(scenario, time, regions, typical)
    corridors = build_corridors(scenario, time, regions)
    campuses = build_campuses(scenario, time, regions)
    fabs = build_fabs(scenario, time)
    capital = build_capital(scenario, time, share_caps)
    penalties = build_penalties(
        mode=mode,
        voll_usd_per_mwh=s.voll_usd_per_mwh,
        reserve_shortfall_usd_per_kw_year=s.reserve_shortfall_usd_per_kw_year,
        period_length_years=time.period_length_years,
        reserve_margin=demand.reserve_margin,
        campus_load_factor=campuses.campus_load_factor,
        campus_peak_factor=campuses.campus_peak_factor,
        has_campuses=len(campuses.campuses) > 0 and not s.power_only,
    )
    turbine = None
    if s.turbine_supply_mw_per_year is not None:
        turbine = s.turbine_supply_mw_per_year / MW_PER_GW * time.period_gap_years
    return ModelData(
        settings=s,
        mode=mode,
        power_only=s.power_only,
        regions=regions,
        firm_import_share=s.firm_import_share,
        turbine_limit_gw=turbine,
        **_parts(time),
        **_parts(fleet),
        **_parts(credits),
        **_parts(demand),
        **_parts(penalties),
        **_parts(corridors),
        **_parts(campuses),
        **_parts(fabs),
        **_parts(capital),
        **_parts(build_it_equipment(s, time)),
    )
