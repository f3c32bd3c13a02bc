"""Candidate AI campuses and the IT targets.

==================  ==================================================================
symbol              meaning
==================  ==================================================================
:math:`m_k`         IT capacity of one module (GW)
:math:`\\bar N_k`    most modules
:math:`\\kappa_k`    capex per GW of IT ($M/GW); :math:`\\phi_k` fixed O&M ($M/GW-yr)
:math:`\\ell_k`      grid energy per IT GW: utilisation x PUE (energy balance)
:math:`\\lambda_k`   grid peak per IT GW: PUE (reserve margin — interconnection
                    planning counts the full IT load at its PUE)
:math:`T_p`         AI IT capacity that must be online in period p (GW)
:math:`M_{r,I}`     1 where region r lies in interconnection I (only interconnections
                    with a candidate campus)
==================  ==================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.inputs import MW_PER_GW, annuity_factor, da, years_bool
from stateside.model.inputs.time import TimeData
from stateside.scenario.types import Scenario


@dataclass(frozen=True)
class CampusData:
    campuses: pd.Index
    campus_region: xr.DataArray  # (campus)
    campus_module_gw: xr.DataArray  # (campus) m_k
    campus_max_modules: xr.DataArray  # (campus)
    campus_allowed: xr.DataArray  # (campus, period)
    campus_capex_musd_per_gw: xr.DataArray  # (campus) per GW of IT
    campus_fom_musd_per_gw_year: xr.DataArray  # (campus)
    campus_load_factor: xr.DataArray  # (campus) ell_k
    campus_peak_factor: xr.DataArray  # (campus) lambda_k
    campus_annuity: xr.DataArray  # (campus)
    it_target_gw: xr.DataArray  # (period) 0 where none
    campus_interconnects: pd.Index  # "interconnect": those with a candidate campus
    interconnect_member: xr.DataArray  # (region, interconnect) 1 where the region lies in it


def build_campuses(scenario: Scenario, time: TimeData, regions: pd.Index) -> CampusData:
    s = scenario.settings
    camp = scenario.campuses if not s.power_only else scenario.campuses.iloc[0:0]
    campuses = pd.Index(camp["campus"].astype(str), name="campus")
    periods = time.periods
    targets = np.array(
        [0.0 if s.power_only else s.it_target_mw.get(int(p), 0.0) / MW_PER_GW for p in periods]
    )
    pue = camp["pue"].astype(float)
    ic = scenario.regions.set_index("region")["interconnect"].astype(str).str.lower().reindex(regions)
    with_campus = sorted({str(ic.get(r)) for r in camp["region"].astype(str)})
    interconnects = pd.Index(with_campus, name="interconnect")
    member = np.array([[1.0 if ic.get(r) == i else 0.0 for i in interconnects] for r in regions]).reshape(
        len(regions), len(interconnects)
    )

    def col(values: object) -> xr.DataArray:
        return da(values, {"campus": campuses})

    return CampusData(
        campuses=campuses,
        campus_region=col(camp["region"].astype(str).to_numpy()),
        campus_module_gw=col(camp["module_it_mw"].astype(float).to_numpy() / MW_PER_GW),
        campus_max_modules=col(camp["max_modules"].astype(float).to_numpy()),
        campus_allowed=da(
            years_bool(periods, camp["earliest_year"].astype(float)), {"campus": campuses, "period": periods}
        ),
        campus_capex_musd_per_gw=col(camp["capex_usd_per_kw_it"].astype(float).to_numpy()),
        campus_fom_musd_per_gw_year=col(camp["fixed_om_usd_per_kw_year"].astype(float).to_numpy()),
        campus_load_factor=col((camp["utilisation"].astype(float) * pue).to_numpy()),
        campus_peak_factor=col(pue.to_numpy()),
        campus_annuity=col(
            np.array([annuity_factor(s.discount_rate, float(x)) for x in camp["lifetime_years"]])
        ),
        it_target_gw=da(targets, {"period": periods}),
        campus_interconnects=interconnects,
        interconnect_member=da(member, {"region": regions, "interconnect": interconnects}),
    )
