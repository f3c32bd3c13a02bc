"""IT equipment of the campuses: accelerators, servers and networking, refreshed on a cycle.

==========================  ==================================================================
symbol                      meaning
==========================  ==================================================================
:math:`\\kappa^{IT}`         IT equipment other than the accelerators, per GW of IT ($M/GW):
                            ``finance.it_equipment_usd_per_kw_it`` less the accelerators
                            (:math:`\\alpha \\pi^{acc}`), at least 0
:math:`\\pi^{acc}`           price of one accelerator, imported or domestic ($M per million
                            accelerators = USD each)
:math:`R`                   refresh cycle (years): IT equipment is bought again every R years
:math:`\\psi^{IT}`           capital recovery factor of IT equipment over R years at the
                            scenario's discount rate
:math:`A^{IT}_{v,p}`         1 where equipment bought in period v is still in use in period p:
                            :math:`y_v \\le y_p < y_v + R`
:math:`F_{v,p}`             number of refreshes of equipment first bought in period v that fall
                            in period p: for each k ≥ 1, the first period whose year is at or
                            after :math:`y_v + kR` (none after the horizon)
:math:`\\chi^{IT}`           1 where the coalition buys the IT equipment
                            (``finance.it_equipment_buyer``), 0 where the campus tenant does
==========================  ==================================================================

Whoever buys it, IT equipment is a cost of the plan (the objective counts it); only
who funds it — and so whether it draws on the coalition's capital — depends on the buyer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.inputs import MW_PER_GW, annuity_factor, da
from stateside.model.inputs.time import TimeData
from stateside.scenario.settings import Settings


@dataclass(frozen=True)
class ItEquipmentData:
    it_rest_musd_per_gw: float  # kappa^IT: IT equipment less the accelerators, per GW of IT
    accelerator_price_musd_per_million: float  # pi^acc
    it_refresh_years: int  # R
    it_annuity: float  # psi^IT
    it_active: xr.DataArray  # (vintage, period) A^IT
    it_refresh: xr.DataArray  # (vintage, period) F
    it_coalition: bool  # chi^IT


def refresh_matrix(years: list[int], refresh_years: int) -> np.ndarray:
    """:math:`F_{v,p}`: refreshes of vintage v's equipment that fall in period p."""
    out = np.zeros((len(years), len(years)))
    if not years:
        return out
    last = years[-1]
    for i, v in enumerate(years):
        k = 1
        while v + k * refresh_years <= last:
            due = v + k * refresh_years
            j = next(j for j, y in enumerate(years) if y >= due)
            out[i, j] += 1.0
            k += 1
    return out


def build_it_equipment(s: Settings, time: TimeData) -> ItEquipmentData:
    fin = s.finance
    years = [int(p) for p in time.periods]
    r = fin.it_refresh_years
    accelerators_per_kw = s.chips.accelerators_per_mw_it / MW_PER_GW
    rest = max(fin.it_equipment_usd_per_kw_it - accelerators_per_kw * fin.accelerator_price_usd, 0.0)
    coords = {"vintage": pd.Index(years, name="vintage"), "period": time.periods}
    active = np.array([[1.0 if v <= p < v + r else 0.0 for p in years] for v in years]).reshape(
        len(years), len(years)
    )
    return ItEquipmentData(
        it_rest_musd_per_gw=rest,
        accelerator_price_musd_per_million=fin.accelerator_price_usd,
        it_refresh_years=r,
        it_annuity=annuity_factor(s.discount_rate, float(r)),
        it_active=da(active, coords),
        it_refresh=da(refresh_matrix(years, r), coords),
        it_coalition=fin.it_equipment_buyer == "coalition",
    )
