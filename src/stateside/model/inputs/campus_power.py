"""On-site generation a campus owns to run before its grid connection ("bridge power").

A campus whose ``grid_connection_year`` comes after the periods it could first be online
in is *islanded* in those periods: the grid cannot serve it, so any module online then
runs on generation the campus owns (as xAI's Memphis campus on mobile gas turbines, or
campuses with on-site aeroderivatives awaiting their utility's large-load connection).
The coalition owns and funds that generation (asset class ``campus_power``); once the
campus is connected the units stay and run for the region like any other plant.

====================  =================================================================
symbol                meaning
====================  =================================================================
:math:`\\mathcal O`    on-site technologies (``campus_power.technologies``; thermal)
:math:`\\iota_{k,p}`   1 where campus k is islanded in period p (:math:`y_p <` its grid
                      connection year)
:math:`\\iota^r_{k,p}`  1 where it is islanded and may run (its earliest year has come)
:math:`\\kappa^o_{g,k,p}` on-site capex ($M/GW): the technology's capex in the campus's
                      region x ``campus_power.capex_multiplier``
:math:`\\mu_{g,k,p}`   marginal cost in the campus's region ($M/GWh)
:math:`a_{g,k,t}`     availability (the technology's derate in the campus's region)
:math:`\\kappa_g`      flat capacity credit
:math:`\\rho^o_k`      island reserve margin: max(``island_reserve_margin``, the
                      region's reserve margin :math:`\\rho_r`)
:math:`c_{k,p}`       share of the campus's firm on-site capacity its region counts:
                      :math:`(1+\\rho_r)/(1+\\rho^o_k)` while islanded (exactly the campus's
                      own requirement), 1 once connected
====================  =================================================================

On-site units can be built only for an islanded period (:math:`\\iota_{k,p} = 1`) in
which the campus may run (its ``earliest_year`` has come), from
``start_year + campus_power.lead_time_years`` on: once connected, a campus buys from the
grid, and any further plant is the grid's (one least-cost co-optimisation would
otherwise split identical plants between two owners at random). While islanded the units
make exactly the campus's load, nothing for the grid (``island_energy``): a campus plant
built faster than the grid's could otherwise sell to the grid before its campus runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.inputs import da
from stateside.model.inputs.campuses import CampusData
from stateside.model.inputs.fleet import FleetData
from stateside.model.inputs.time import TimeData
from stateside.scenario.types import Scenario


@dataclass(frozen=True)
class CampusPowerData:
    onsite_techs: pd.Index  # "technology": O (empty: no campus is ever islanded)
    campus_islanded: xr.DataArray  # (campus, period) bool iota
    campus_islanded_running: xr.DataArray  # (campus, period) bool iota^r
    onsite_can_build: xr.DataArray  # (technology, campus, period) bool
    onsite_capex_musd_per_gw: xr.DataArray  # (technology, campus, period) kappa^o
    onsite_marginal_cost_musd_per_gwh: xr.DataArray  # (technology, campus, period) mu
    onsite_availability: xr.DataArray  # (technology, campus, day, step) a
    onsite_island_margin: xr.DataArray  # (campus) rho^o
    onsite_firm_share: xr.DataArray  # (campus, period) c

    @property
    def has_campus_power(self) -> bool:
        """Some campus is islanded (never in a power-only plan: it has no campuses)."""
        return len(self.onsite_techs) > 0


def islanded_matrix(scenario: Scenario, campuses: pd.Index, periods: pd.Index) -> np.ndarray:
    """(campus, period) bool: the period's year is before the campus's grid connection
    year (blank: never islanded)."""
    camp = scenario.campuses
    if "grid_connection_year" not in camp.columns or not len(camp):
        return np.zeros((len(campuses), len(periods)), dtype=bool)
    conn = pd.to_numeric(camp["grid_connection_year"], errors="coerce").to_numpy(dtype=float)
    conn = np.where(np.isnan(conn), -np.inf, conn)
    return np.asarray(periods.values, dtype=float)[None, :] < conn[:, None]


def build_campus_power(
    scenario: Scenario,
    time: TimeData,
    fleet: FleetData,
    campuses: CampusData,
    reserve_margin: xr.DataArray,
) -> CampusPowerData:
    s = scenario.settings
    periods = time.periods
    camp_index = campuses.campuses
    islanded = (
        islanded_matrix(scenario, camp_index, periods)
        if len(camp_index)
        else np.zeros((0, len(periods)), dtype=bool)
    )
    wanted = [g for g in s.campus_power.technologies if g in set(fleet.generators)]
    techs = pd.Index(wanted if bool(islanded.any()) else [], name="technology")
    region_of = campuses.campus_region
    cp = {"technology": techs, "campus": camp_index, "period": periods}

    def at_campus(arr: xr.DataArray) -> xr.DataArray:
        """Select each campus's region from a (technology, region, ...) array."""
        out = arr.sel(technology=techs, region=region_of)
        return out.drop_vars("region", errors="ignore")

    lead_ok = np.asarray(periods.values, dtype=float) >= s.start_year + s.campus_power.lead_time_years
    # a module may be online: the campus's earliest year has come
    may_run = np.cumsum(campuses.campus_allowed.transpose("campus", "period").values, axis=1) > 0
    running = islanded & may_run
    if len(techs):
        fuel_ok = at_campus(fleet.dispatchable).transpose("technology", "campus").values
        can = fuel_ok[:, :, None] & running[None, :, :] & lead_ok[None, None, :]
        capex = at_campus(fleet.capex_musd_per_gw).transpose("technology", "campus", "period").values
        capex = capex * s.campus_power.capex_multiplier
        mu = at_campus(fleet.marginal_cost_musd_per_gwh).transpose("technology", "campus", "period").values
        avail = at_campus(fleet.availability).transpose("technology", "campus", "day", "step").values
    else:
        can = np.zeros((0, len(camp_index), len(periods)), dtype=bool)
        capex = mu = np.zeros((0, len(camp_index), len(periods)))
        avail = np.zeros((0, len(camp_index), len(time.days), len(time.steps)))
    rho = reserve_margin.sel(region=region_of).values if len(camp_index) else np.zeros(0)
    margin = np.maximum(s.campus_power.island_reserve_margin, rho)
    return CampusPowerData(
        onsite_techs=techs,
        campus_islanded=da(islanded.astype(bool), {"campus": camp_index, "period": periods}),
        campus_islanded_running=da(running.astype(bool), {"campus": camp_index, "period": periods}),
        onsite_can_build=da(can.astype(bool), cp),
        onsite_capex_musd_per_gw=da(capex, cp),
        onsite_marginal_cost_musd_per_gwh=da(mu, cp),
        onsite_availability=da(
            avail, {"technology": techs, "campus": camp_index, "day": time.days, "step": time.steps}
        ),
        onsite_island_margin=da(margin, {"campus": camp_index}),
        onsite_firm_share=da(
            np.where(islanded, ((1 + rho) / (1 + margin))[:, None], 1.0),
            {"campus": camp_index, "period": periods},
        ),
    )
