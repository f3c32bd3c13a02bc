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
campus_power, fabs, capital, penalties, it_equipment); :func:`prepare` only assembles them.
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
from stateside.model.inputs.campus_power import CampusPowerData, build_campus_power
from stateside.model.inputs.campuses import CampusData, build_campuses
from stateside.model.inputs.capital import CapitalData, build_capital
from stateside.model.inputs.corridors import CorridorData, build_corridors
from stateside.model.inputs.credits import CreditData, build_credits
from stateside.model.inputs.demand import DemandData, build_demand
from stateside.model.inputs.fabs import FabData, build_fabs
from stateside.model.inputs.fleet import FleetData, build_fleet
from stateside.model.inputs.it_equipment import ItEquipmentData, build_it_equipment
from stateside.model.inputs.penalties import (
    BUDGET_VALUE_MUSD_PER_GW,
    PENALTY_CHIPS_MUSD_PER_MILLION,
    PENALTY_EQUITY_MUSD_PER_MUSD,
    PENALTY_SECURITY_MUSD_PER_MUSD,
    PENALTY_TARGET_MUSD_PER_GW,
    PenaltyData,
    build_penalties,
)
from stateside.model.inputs.time import TimeData, build_time
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
class ModelData(
    TimeData,
    FleetData,
    CreditData,
    DemandData,
    PenaltyData,
    CorridorData,
    CampusData,
    CampusPowerData,
    FabData,
    ItEquipmentData,
    CapitalData,
):
    """All sets and coefficients of one planning problem (see module docstring for units).

    It is the union of the components built in :mod:`stateside.model.inputs` — each
    field is declared, with its dims and symbol, once, in the component that builds it —
    plus the few below that come straight from the settings.
    """

    settings: Settings
    mode: str
    power_only: bool
    regions: pd.Index
    firm_import_share: float  # phi: share of a corridor's capability that may carry firm capacity
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
        **_parts(build_campus_power(scenario, time, fleet, campuses, demand.reserve_margin)),
        **_parts(fabs),
        **_parts(capital),
        **_parts(build_it_equipment(s, time)),
    )
