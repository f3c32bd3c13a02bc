"""Candidate semiconductor fabs and the accelerator supply chain.

==================  ==================================================================
symbol              meaning
==================  ==================================================================
:math:`\\kappa_f`    fab capex ($M); :math:`G_f` grant ($M, at most the equity share)
:math:`P_f`         power draw (GW)
:math:`Q_f`         accelerators per year (millions)
:math:`\\alpha`      accelerators per GW of new IT (millions/GW)
:math:`\\bar I`      import limit (millions/yr)
:math:`\\sigma_p`    minimum domestic share of the period's need
==================  ==================================================================

A fab is allowed from ``max(earliest_year, start_year + lead_time_years)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.inputs import (
    ACCELERATORS_PER_MILLION,
    MW_PER_GW,
    USD_PER_MUSD,
    annuity_factor,
    da,
    years_bool,
)
from stateside.model.inputs.time import TimeData
from stateside.scenario.types import Scenario


@dataclass(frozen=True)
class FabData:
    fabs: pd.Index
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


def build_fabs(scenario: Scenario, time: TimeData) -> FabData:
    s = scenario.settings
    fab = scenario.fabs if not s.power_only else scenario.fabs.iloc[0:0]
    fabs = pd.Index(fab["fab"].astype(str), name="fab")
    earliest = np.maximum(
        fab["earliest_year"].astype(float).to_numpy(),
        s.start_year + fab["lead_time_years"].astype(float).to_numpy(),
    )
    capex = fab["capex_usd"].astype(float).to_numpy() / USD_PER_MUSD
    # A grant cannot exceed the equity share of capex (it would make equity negative).
    grant = np.minimum(
        fab["grant_usd"].astype(float).to_numpy() / USD_PER_MUSD, capex * (1 - s.finance.debt_share["fab"])
    )

    def col(values: object) -> xr.DataArray:
        return da(values, {"fab": fabs})

    c = s.chips
    return FabData(
        fabs=fabs,
        fab_region=col(fab["region"].astype(str).to_numpy()),
        fab_capex_musd=col(capex),
        fab_grant_musd=col(grant),
        fab_power_gw=col(fab["power_mw"].astype(float).to_numpy() / MW_PER_GW),
        fab_output_million_per_year=col(
            fab["accelerators_per_year"].astype(float).to_numpy() / ACCELERATORS_PER_MILLION
        ),
        fab_allowed=da(years_bool(time.periods, earliest), {"fab": fabs, "period": time.periods}),
        fab_fom_musd_per_year=col(fab["fixed_om_usd_per_year"].astype(float).to_numpy() / USD_PER_MUSD),
        fab_annuity=col(np.array([annuity_factor(s.discount_rate, float(x)) for x in fab["lifetime_years"]])),
        accelerators_million_per_gw=c.accelerators_per_mw_it * MW_PER_GW / ACCELERATORS_PER_MILLION,
        import_limit_million_per_year=c.import_limit_per_year / ACCELERATORS_PER_MILLION,
        min_domestic_share=da(
            [c.min_domestic_share.get(int(p), 0.0) for p in time.periods], {"period": time.periods}
        ),
    )
