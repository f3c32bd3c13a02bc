"""Background demand, its peak and the planning reserve margin of each region.

==================  ==================================================================
symbol              meaning
==================  ==================================================================
:math:`D_{r,p,t}`   background demand (GW): the case's annual energy / 8,760 x the
                    typical-hour demand shape (mean 1)
:math:`\\hat D_{r,p}` background coincident peak (GW): demand.csv's peak, or annual
                    energy / 8,760 x the hourly shape's peak-to-mean ratio
:math:`\\rho_r`      planning reserve margin (regions.csv, else the settings' value)
==================  ==================================================================

Only the rows of ``demand.csv`` whose ``case`` is the settings' ``demand_case`` are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.inputs import MW_PER_GW, da
from stateside.model.inputs.time import TimeData
from stateside.scenario.types import Scenario, selected_demand

if TYPE_CHECKING:
    from stateside.scenario.typical import TypicalPeriods


@dataclass(frozen=True)
class DemandData:
    demand_gw: xr.DataArray  # (region, period, day, step) D
    peak_gw: xr.DataArray  # (region, period) D-hat
    reserve_margin: xr.DataArray  # (region) rho


def build_demand(
    scenario: Scenario, time: TimeData, regions: pd.Index, typical: TypicalPeriods
) -> DemandData:
    s = scenario.settings
    periods = time.periods
    dem = selected_demand(scenario).set_index(["region", "period"])
    annual = np.zeros((len(regions), len(periods)))
    peak_given = np.full((len(regions), len(periods)), np.nan)
    has_peak = "peak_demand_mw" in dem.columns
    for i, reg in enumerate(regions):
        for j, p in enumerate(periods):
            annual[i, j] = float(dem.at[(reg, p), "annual_demand_mwh"])
            if has_peak:
                pk = dem.at[(reg, p), "peak_demand_mw"]
                peak_given[i, j] = float(pk) if pk is not None and not pd.isna(pk) else np.nan
    mean_gw = annual / 8760.0 / MW_PER_GW
    shape = time.to_day_step(typical.demand).reindex(region=regions)
    demand_gw = mean_gw[:, :, None, None] * shape.values[:, None, :, :]
    peak_factor = typical.peak_demand_factor.reindex(regions).to_numpy(dtype=float)
    peak_gw = np.where(np.isnan(peak_given), mean_gw * peak_factor[:, None], peak_given / MW_PER_GW)
    reg = scenario.regions.set_index("region")
    rho = (
        pd.to_numeric(reg["reserve_margin"], errors="coerce").reindex(regions)
        if "reserve_margin" in reg.columns
        else pd.Series(np.nan, index=regions)
    )
    rho = rho.fillna(s.reserve_margin).to_numpy(dtype=float)
    return DemandData(
        demand_gw=da(demand_gw, {"region": regions, "period": periods, "day": time.days, "step": time.steps}),
        peak_gw=da(peak_gw, {"region": regions, "period": periods}),
        reserve_margin=da(rho, {"region": regions}),
    )
